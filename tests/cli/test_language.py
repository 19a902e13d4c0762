"""Issue 19 (point 7): the command line speaks the site's language. Results, confirmations and
refusals follow DUTYDESK_LANGUAGE (zh-Hans by default, zh-Hant, en); argparse's own help and usage
stay English. `patrol list` shows each plan's grace and proof; `policy show` reads as a table."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from handlers.core.i18n import LANGUAGES, catalogue_files
from handlers.core.policy import CLAUSES, Policy
from storage.codes import Role
from storage.db import Database
from storage.repos import sites


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_file: Callable[[Path], str]) -> str:
    """A site HG (华庭花园) with staff member 101, named by DATABASE_URL."""
    url = migrated_file(tmp_path / "cli.db")

    async def site() -> None:
        db = Database(url)
        async with db.session() as session:
            made = await sites.create(session, code="HG", name="华庭花园", language="zh-Hans", timezone="Asia/Shanghai")
            await sites.set_role(session, telegram_id=101, site_id=made.id or 0, role=Role.STAFF, added_by=None)
        await db.dispose()

    asyncio.run(site())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DUTYDESK_LANGUAGE", raising=False)
    return url


def said(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_zh_hans_by_default_then_zh_hant_and_english(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = [
        (["staff", "add", "42", "--role", "supervisor"], 0),
        (["staff", "remove", "43"], 2),
        (["policy", "show", "--site", "XX"], 2),
        (["policy", "set", "daylog_hour", "25"], 2),
        (["shift", "set", "D", "--name", "白班", "--start", "8点", "--end", "20:00"], 2),
        (["outbox"], 0),
        (["inbox", "--retry", "7"], 2),
    ]
    expected = {
        "zh-Hans": [
            "42 现为 华庭花园 的主管",
            "43 在 HG 没有角色",
            "没有代码为 XX 的场所；现有场所：HG",
            "daylog_hour 的值须为：0 到 23 之间的整数（收到的是 25）",
            "--start 需要 00:00 至 23:59 之间的时间 HH:MM，而不是 8点",
            "没有卡住的消息：全部已发送",
            "没有被搁置的更新 7（见 dutydesk inbox --dead）",
        ],
        "zh-Hant": [
            "42 現為 华庭花园 的主管",  # the site's name as it was typed, never converted
            "43 在 HG 沒有角色",
            "沒有代碼為 XX 的場所；現有場所：HG",
            "daylog_hour 的值須為：0 到 23 之間的整數（收到的是 25）",
            "--start 需要 00:00 至 23:59 之間的時間 HH:MM，而不是 8点",
            "沒有卡住的訊息：全部已發送",
            "沒有被擱置的更新 7（見 dutydesk inbox --dead）",
        ],
        "en": [
            "42 is now supervisor at 华庭花园",
            "43 has no role at HG",
            "no site with code 'XX'; sites: HG",
            "daylog_hour takes a whole number from 0 to 23, not 25",
            "--start takes a time HH:MM from 00:00 to 23:59, not 8点",
            "nothing stuck: every message was sent",
            "no update 7 is set aside (see dutydesk inbox --dead)",
        ],
    }
    for language, lines in expected.items():
        if language != "zh-Hans":
            monkeypatch.setenv("DUTYDESK_LANGUAGE", language)
        for (argv, code), line in zip(steps, lines, strict=True):
            assert main(argv) == code, (language, argv)
            shown = said(capsys)
            assert line in shown, (language, shown)
            assert shown.count("\n") == 1 and "Traceback" not in shown


def test_a_refusal_before_the_settings_load_follows_the_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "zh-Hant")
    monkeypatch.setenv("TICK_SECONDS", "soon")
    assert main(["shift", "list"]) == 2
    assert capsys.readouterr().err.startswith("dutydesk: 設定 TICK_SECONDS 有誤：")
    monkeypatch.delenv("TICK_SECONDS")
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "fr")  # not one of ours: said in the default, zh-Hans
    assert main(["shift", "list"]) == 2
    assert capsys.readouterr().err.startswith("dutydesk: 设置 DUTYDESK_LANGUAGE 有误：")


def test_export_and_its_output_refusals_follow_the_language(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "incidents.csv"
    assert main(["export", "incidents", "-o", str(out)]) == 0
    assert capsys.readouterr().err == "dutydesk: 已导出 0 条 incidents\n"
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "zh-Hant")
    assert main(["export", "incidents", "-o", str(out)]) == 2
    assert capsys.readouterr().err == f"dutydesk: {out} 已存在；加 --force 可取代\n"
    assert main(["export", "incidents", "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"dutydesk: {tmp_path} 是資料夾，請給出檔案名稱\n"


def test_imports_say_the_result_in_the_language(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys.csv"
    keys.write_text("code,label,kind,location,copies\nK1,1座机房,plant,机房,1\nK2,,plant,,1\n", encoding="utf-8")
    assert main(["keys", "import", str(keys)]) == 2
    assert "keys.csv：未导入任何钥匙，1 行有误：第 3 行：" in capsys.readouterr().err
    keys.write_text("code,label,kind,location,copies\nK1,1座机房,plant,机房,1\n", encoding="utf-8")
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "zh-Hant")
    assert main(["keys", "import", str(keys)]) == 0
    assert capsys.readouterr().out == "已向 HG 匯入 1 把鑰匙（登記冊共 1 把）\n"
    roster = tmp_path / "roster.csv"
    roster.write_text("date,shift,staff\n2026-12-01,E,101\n", encoding="utf-8")
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")
    assert main(["roster", "import", str(roster)]) == 0
    # The first line says what was loaded; gaps in the roster (004 L120, L126) follow it.
    assert capsys.readouterr().out.startswith("loaded 1 roster entries for HG (2026-12-01 to 2026-12-01)\n")


def test_patrol_list_shows_grace_and_proof(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["patrol", "add", "消防巡查", "--every", "2h", "--checkpoints", "地下车库,消防泵房", "--grace", "20"]) == 0
    )
    assert capsys.readouterr().out == "已在 华庭花园 保存 1 个巡查计划：消防巡查\n"
    plans = tmp_path / "plans.yaml"
    plans.write_text(
        "- name: 夜巡\n  at: '22:00'\n  checkpoints:\n    - 大堂\n    - 天台\n    - {name: 水泵房, proof: photo}\n",
        encoding="utf-8",
    )
    assert main(["patrol", "import", str(plans)]) == 0
    assert main(["policy", "set", "patrol_grace_minutes", "10"]) == 0
    capsys.readouterr()
    assert main(["patrol", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "消防巡查\t每2小时一次（自 00:00 起）\t值班员\t凭证：点按\t20 分钟后算迟巡\t地下车库 > 消防泵房",
        # no grace of its own: the site's policy, as it stands now
        "夜巡\t每天 22:00\t值班员\t凭证：点按\t10 分钟后算迟巡（场所规程）\t大堂 > 天台 > 水泵房（拍照）",
    ]
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")
    assert main(["patrol", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "夜巡\tdaily at 22:00\tduty staff\tproof: tap\tlate after 10 min (site policy)\t大堂 > 天台 > 水泵房 (photo)"
    )
    assert main(["patrol", "remove", "日巡"]) == 2
    assert capsys.readouterr().err == "dutydesk: no active patrol plan '日巡' at HG; active plans: 消防巡查, 夜巡\n"


def test_policy_show_reads_as_a_table_in_english(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")
    assert main(["policy", "show"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Policy of HG (华庭花园)" and lines[1].split() == ["Setting", "Value", "Meaning", "Clause"]
    row = next(line for line in lines if line.startswith("key_due_hour "))
    assert row.split("  ")[0] == "key_due_hour" and " 18 " in row
    assert "Hour a key lent today is due back (same-day return)" in row and row.endswith("001 L1041, L1335")
    row = next(line for line in lines if line.startswith("import_max_kb "))
    assert "(operational cap)" in row and row.endswith("none")


def test_every_command_line_text_is_in_every_language() -> None:
    import tomllib

    keys: dict[str, set[str]] = {}
    for language in LANGUAGES:
        files = [p for p in catalogue_files(language) if p.name.split(".")[0] in ("cli", "policy")]
        assert len(files) == 2, language
        keys[language] = set()
        for path in files:
            with path.open("rb") as handle:
                keys[language] |= _flat(tomllib.load(handle))
    assert keys["zh-Hans"] == keys["zh-Hant"] == keys["en"]
    # every policy setting has its meaning and its clause (or none, said as such)
    assert {f"policy.meaning.{name}" for name in Policy.known()} <= keys["en"]
    assert set(CLAUSES) == set(Policy.known())


def _flat(tree: dict[str, object], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in tree.items():
        out |= _flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}"}
    return out
