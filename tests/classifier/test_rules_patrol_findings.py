"""What a patrol report says besides "done": ``Classification.problem`` (something wrong is named,
even with no category) and ``.done`` (the round is said to be over); negations name no problem."""

from __future__ import annotations

import pytest

from bot.classifier.cascade import CascadeClassifier
from bot.classifier.llm import LLMAnswer
from bot.classifier.rules import RuleClassifier
from tests.classifier.rules_helpers import staff


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("消防巡查已完成，天台门未锁", "security"),
        ("巡更完畢，天台門冇鎖", "security"),
        ("patrol done, gym door left unlocked", "security"),
        ("巡楼完毕，5座12樓走廊燈壞咗", "equipment"),
        ("night round done, fire door 3F propped open", "equipment"),
        ("巡楼完毕，大堂玻璃门有裂痕", "other"),  # a problem no category fits: the flag carries it
    ],
)
def test_a_done_report_naming_a_problem(rules: RuleClassifier, text: str, category: str) -> None:
    got = staff(rules, text)
    assert (got.intent, got.category, got.problem, got.done) == ("patrol_report", category, True, True)


@pytest.mark.parametrize(
    "text",
    [
        "巡查完毕，一切正常",
        "巡查完毕，门已锁好",
        "夜巡完 天台門已鎖好 一切正常",
        "巡楼完毕，无异常",
        "巡查完毕，没有发现问题",
        "night round done, no issues",
        "patrol complete, no problems found",
    ],
)
def test_negations_name_no_problem(rules: RuleClassifier, text: str) -> None:
    got = staff(rules, text)
    assert (got.intent, got.category, got.problem, got.done) == ("patrol_report", "other", False, True)


def test_handled_or_unfinished_is_not_the_round_done(rules: RuleClassifier) -> None:
    assert staff(rules, "巡查发现3楼漏水，已处理完毕").done is False
    assert staff(rules, "巡查未完成，3楼门没锁").done is False
    assert staff(rules, "patrol not done yet, door 3F unlocked").done is False


def test_never_mind_and_no_key_are_no_open_door(rules: RuleClassifier) -> None:
    assert staff(rules, "没关系").problem is False
    assert staff(rules, "我没有锁匙").intent == "other"


async def test_the_llm_answer_keeps_the_rules_flags(rules: RuleClassifier) -> None:
    """The model decides intent and category, never whether the text named a problem."""
    text = "消防巡查已完成，天台门未锁"
    cascade = CascadeClassifier(rules, llm=None)
    ruled = rules.classify_sync(text, speaker="staff", private=False)
    merged = cascade.merge(text, ruled, LLMAnswer("patrol_report", "other", "normal", None, 0.9), speaker="staff")
    assert (merged.source, merged.category, merged.problem, merged.done) == ("llm", "other", True, True)
