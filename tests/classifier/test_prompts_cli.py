"""The prompt loader, the classifier factory and ``dutydesk classify``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot import prompts
from bot.classifier.cascade import CascadeClassifier
from bot.classifier.factory import build_classifier
from bot.classifier.llm import build_messages
from bot.classifier.rules import RuleClassifier
from bot.cli_classify import run_classify
from bot.config import Settings
from handlers.core.taxonomy import CATEGORIES, INTENTS, SEVERITIES


def settings(**kwargs: object) -> Settings:
    values: dict[str, object] = {"llm_base_url": None, "lexicon_dir": None}
    values.update(kwargs)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


# -- prompts -----------------------------------------------------------------------------------


def test_prompts_are_package_data_of_bot_prompts() -> None:
    assert Path(__file__).resolve().parents[2] / "bot" / "prompts" == Path(str(prompts.PROMPTS_DIR))
    assert (prompts.PROMPTS_DIR / "classify_system.md").is_file()


def test_llm_step_without_its_prompts_fails_at_start_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli

    monkeypatch.setattr(prompts, "PROMPTS_DIR", tmp_path)  # an install without the package data
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.chdir(tmp_path)  # no .env
    with pytest.raises(prompts.PromptError, match="LLM_BASE_URL is set"):
        build_classifier(settings(llm_base_url="http://127.0.0.1:9/v1"))
    assert cli.main(["classify", "3栋漏水"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "classify_system.md" in err and "Traceback" not in err


def test_system_prompt_renders_with_all_codes_and_cites_the_regulation() -> None:
    assert prompts.placeholders("classify_system.md") == {"intents", "categories", "severities"}
    messages = build_messages("测试", speaker="staff", private=False)
    system = messages[0]["content"]
    assert "$" not in system
    for code in (*INTENTS, *CATEGORIES, *SEVERITIES):
        assert code in system
    assert "L107-115" in system


def test_user_template_keeps_dollar_signs_in_the_text_literal() -> None:
    text = prompts.render("classify_user.md", speaker="resident", chat="private chat", text="$speaker ${chat}")
    assert "$speaker ${chat}" in text and "Speaker: resident" in text


def test_render_refuses_missing_or_unknown_fields() -> None:
    with pytest.raises(prompts.PromptError):
        prompts.render("classify_user.md", speaker="staff", chat="duty group")
    with pytest.raises(prompts.PromptError):
        prompts.render("classify_user.md", speaker="staff", chat="x", text="y", role="admin")
    with pytest.raises(prompts.PromptError):
        prompts.render("no_such_prompt.md")


def test_examples_are_valid_against_the_taxonomy() -> None:
    examples = prompts.load_jsonl("classify_examples.jsonl")
    assert len(examples) >= 5
    for ex in examples:
        answer = ex["answer"]
        assert set(answer) == {"intent", "category", "severity", "location", "confidence"}
        assert answer["intent"] in INTENTS and answer["category"] in CATEGORIES
        assert answer["severity"] in SEVERITIES and 0 <= answer["confidence"] <= 1
        assert ex["speaker"] in ("staff", "resident") and isinstance(ex["private"], bool)
    messages = build_messages("x", speaker="staff", private=False)
    assert len(messages) == 2 + 2 * len(examples)  # system, pairs, the message


# -- factory -----------------------------------------------------------------------------------


async def test_factory_rules_only_without_llm_url() -> None:
    classifier, close = build_classifier(settings())
    assert isinstance(classifier, RuleClassifier)
    await close()


async def test_factory_cascade_with_llm_url(tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text('[category.security]\nstrong = ["蜂巢"]\n', encoding="utf-8")
    classifier, close = build_classifier(
        settings(llm_base_url="http://127.0.0.1:9/v1", llm_threshold=0.5, lexicon_dir=tmp_path)
    )
    try:
        assert isinstance(classifier, CascadeClassifier) and classifier.threshold == 0.5
        got = await classifier.classify("7座有个蜂巢", speaker="staff", private=False)
        assert got.category == "security"
    finally:
        await close()


# -- dutydesk classify -------------------------------------------------------------------------


def test_classify_one_text() -> None:
    out = io.StringIO()
    assert run_classify("3栋2单元电梯困人", settings(), io.StringIO(), out) == 0
    (line,) = out.getvalue().splitlines()
    data = json.loads(line)
    assert data == {
        "intent": "incident",
        "category": "equipment",
        "severity": "major",  # people trapped are major (issue 18 point 1)
        "confidence": data["confidence"],
        "source": "rules",
        "location": "3栋2单元",
    }
    assert "困人" not in line and "栋" in line  # ensure_ascii=False, and the text is not echoed


def test_classify_stdin_one_object_per_line_in_order_blank_lines_skipped() -> None:
    stdin = io.StringIO("已接班\n\n好的\n   \nTower 2 lift stuck, one person trapped\n")
    out = io.StringIO()
    assert run_classify(None, settings(), stdin, out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["intent"] for r in rows] == ["takeover", "other", "incident"]
    for r in rows:
        assert set(r) - {"location"} == {"intent", "category", "severity", "confidence", "source"}


def test_classify_as_resident() -> None:
    out = io.StringIO()
    assert run_classify("屋企漏水呀", settings(), io.StringIO(), out, speaker="resident") == 0
    assert json.loads(out.getvalue())["intent"] == "repair"


def test_classify_unknown_speaker() -> None:
    out = io.StringIO()
    assert run_classify("x", settings(), io.StringIO(), out, speaker="admin") == 2
