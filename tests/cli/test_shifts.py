"""`dutydesk roster import`, `dutydesk shift set|list|remove` and `dutydesk policy show|set`:
results on stdout, a refusal in one clear line (bad rows: one line each) and exit status 2."""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from storage.codes import Role
from storage.db import Database
from storage.repos import sites


async def _site(url: str, *codes: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
        async with db.session() as session:
            for code in codes:
                site = await sites.create(
                    session, code=code, name=f"{code} 花园", language="zh-Hans", timezone="Asia/Shanghai"
                )
                await sites.set_role(session, telegram_id=101, site_id=site.id or 0, role=Role.STAFF, added_by=None)
    finally:
        await db.dispose()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_file: Callable[[Path], str]) -> str:
    url = migrated_file(tmp_path / "cli.db")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    asyncio.run(_site(url, "HG"))
    return url


def test_shift_set_keeps_the_defaults_and_the_roster_uses_it(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["shift", "set", "M", "--name", "中班", "--start", "12:00", "--end", "21:00"]) == 0
    assert "M 中班 12:00-21:00" in capsys.readouterr().out
    assert main(["shift", "list"]) == 0
    listed = capsys.readouterr().out
    # The first definition keeps the three default shifts (000 L474); this one changes their 中班.
    assert "E\t早班\t08:00-16:00" in listed and "M\t中班\t12:00-21:00" in listed and "N\t夜班\t00:00-08:00" in listed
    assert main(["shift", "set", "X", "--name", "坏班", "--start", "25:00", "--end", "08:00"]) == 2
    assert "--start 需要 00:00 至 23:59 之间的时间 HH:MM，而不是 25:00" in capsys.readouterr().err  # what is allowed
    assert main(["shift", "remove", "Q"]) == 2
    assert "HG 没有自定义的班次 Q（自定义的有：N, E, M" in capsys.readouterr().err

    good = tmp_path / "roster.csv"
    good.write_text("date,shift,staff\n2026-12-01,中班,101\n2026-12-02,N,101\n", encoding="utf-8")
    assert main(["roster", "import", str(good)]) == 0
    assert "已为 HG 导入 2 条值班表记录（2026-12-01 至 2026-12-02）" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("date,shift,staff\n2026-12-03,M,101\n2026/12/04,M,101\n2026-12-05,M,555\n", encoding="utf-8")
    assert main(["roster", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    # each row's reason in the operator's language (DUTYDESK_LANGUAGE), as the chat says it in the site's
    assert (
        err.startswith("dutydesk: 2 行有误，未导入任何内容：\n第 3 行：日期「2026/12/04」无法识别")
        and "第 4 行：「555」不是 HG 的员工" in err
    )
    assert main(["roster", "import", str(tmp_path / "missing.csv")]) == 2
    assert "无法读取 " in capsys.readouterr().err
    assert main(["export", "roster"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["date"], r["shift"]) for r in rows] == [("2026-12-01", "M"), ("2026-12-02", "N")]


def _table(shown: str) -> tuple[list[str], dict[str, list[str]]]:
    """The lines of `policy show`, and its rows by setting: [setting, value, meaning, clause]."""
    lines = shown.splitlines()
    return lines, {cells[0]: cells for cells in (re.split(r" {2,}", line) for line in lines[1:-1])}


def _columns(text: str) -> int:
    """Terminal columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def test_policy_show_is_a_managers_table(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "show"]) == 0
    lines, rows = _table(capsys.readouterr().out)
    assert lines[0] == "HG（HG 花园）的规程设置" and lines[-1] == "修改：dutydesk policy set 设置 值"
    assert rows["设置"] == ["设置", "值", "含义", "依据"]
    assert rows["takeover_grace_minutes"] == [
        "takeover_grace_minutes",
        "15",
        "下班后多少分钟仍无人接班，就提醒交班人和主管（之后按同样间隔重复）",
        "002 L22; 000 L152; 001 L495",
    ]
    assert (
        rows["handover_block_on_major"][1] == "true" and rows["handover_block_on_major"][3] == "000 L131; 002 L99-100"
    )
    assert rows["draft_min_confidence"][1] == "0.55" and rows["ticket_hours_vip"][1] == "2"
    # A number no regulation sets says so in words; no developer's note ("issue 9 default", "foundation").
    assert rows["repeat_complaint_days"][3] == "无条文" and "本场所自定" in rows["repeat_complaint_days"][2]
    assert not any(word in "\n".join(lines) for word in ("issue", "foundation", "our default", "#"))
    # The columns line up: each row's meaning and clause start at the same terminal column.
    for cell in (2, 3):
        starts = {_columns(line[: line.rindex(rows[line.split()[0]][cell])]) for line in lines[1:-1]}
        assert len(starts) == 1, cell


def test_policy_set_says_the_meaning_and_what_is_allowed(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "set", "takeover_grace_minutes", "20", "--site", "hg"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "HG：takeover_grace_minutes = 20（默认 15）",
        "下班后多少分钟仍无人接班，就提醒交班人和主管（之后按同样间隔重复）",
        "依据：002 L22; 000 L152; 001 L495",
    ]
    assert main(["policy", "set", "handover_block_on_major", "off"]) == 0
    capsys.readouterr()
    assert main(["policy", "show"]) == 0
    _, rows = _table(capsys.readouterr().out)
    assert rows["takeover_grace_minutes"][1] == "20（默认 15）"
    assert rows["handover_block_on_major"][1] == "false（默认 true）"
    assert rows["arrive_early_minutes"][1] == "15"  # unchanged: no default beside it
    for args, says in (
        (["takeover_grace", "1"], "没有 takeover_grace 这项设置，是不是 takeover_grace_minutes？"),
        (["nonsense", "1"], "没有 nonsense 这项设置；dutydesk policy show 列出所有设置"),
        (["daylog_hour", "25"], "daylog_hour 的值须为：0 到 23 之间的整数（收到的是 25）"),
        (["takeover_grace_minutes", "soon"], "takeover_grace_minutes 的值须为：1 到 720 之间的整数（收到的是 soon）"),
        (["draft_min_confidence", "2"], "draft_min_confidence 的值须为：0 到 1 之间的数（收到的是 2）"),
        (["ticket_followup_days", "-1"], "ticket_followup_days 的值须为：不小于 0 的整数（收到的是 -1）"),
        (
            ["handover_block_on_major", "maybe"],
            "的值须为：true 或 false（也可写 on/off、yes/no、1/0）（收到的是 maybe）",
        ),
    ):
        assert main(["policy", "set", *args]) == 2
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1, err
    assert main(["policy", "show", "--site", "NOPE"]) == 2
    assert "没有代码为 NOPE 的场所；现有场所：HG" in capsys.readouterr().err


def test_several_sites_need_a_site_code(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_site(database, "TW"))
    assert main(["policy", "show"]) == 2
    assert "有多个场所，请用 --site 指明：HG/TW" in capsys.readouterr().err


def test_command_line_imports_keep_the_sites_caps(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "set", "import_max_rows", "2"]) == 0
    capsys.readouterr()
    three = tmp_path / "three.csv"
    three.write_text("a,b,c\n1,2,3\n4,5,6\n7,8,9\n", encoding="utf-8")
    for verb in ("roster", "keys", "patrol"):
        assert main([verb, "import", str(three)]) == 2
        # the caps' refusal in the command line's language (zh-Hans by default), as in the chat
        assert "three.csv：表头以下超过 2 行（空行也计入；策略 import_max_rows）" in capsys.readouterr().err, verb
