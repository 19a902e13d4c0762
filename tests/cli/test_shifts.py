"""`dutydesk roster import`, `dutydesk shift set|list|remove` and `dutydesk policy show|set`:
results on stdout, a refusal in one clear line (bad rows: one line each) and exit status 2."""

from __future__ import annotations

import asyncio
import json
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
    assert "not a time" in capsys.readouterr().err
    assert main(["shift", "remove", "Q"]) == 2
    assert "no shift" in capsys.readouterr().err

    good = tmp_path / "roster.csv"
    good.write_text("date,shift,staff\n2026-12-01,中班,101\n2026-12-02,N,101\n", encoding="utf-8")
    assert main(["roster", "import", str(good)]) == 0
    assert "loaded 2 roster entries for HG (2026-12-01 to 2026-12-02)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("date,shift,staff\n2026-12-03,M,101\n2026/12/04,M,101\n2026-12-05,M,555\n", encoding="utf-8")
    assert main(["roster", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "2 bad row(s), nothing loaded" in err and "line 3: bad date" in err and "line 4: unknown person '555'" in err
    assert main(["roster", "import", str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["export", "roster"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["date"], r["shift"]) for r in rows] == [("2026-12-01", "M"), ("2026-12-02", "N")]


def test_policy_show_and_set_with_clauses(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "show"]) == 0
    shown = capsys.readouterr().out
    assert "takeover_grace_minutes = 15    # 002 L22" in shown
    assert "handover_block_on_major = true    # 000 L131" in shown
    assert main(["policy", "set", "incoming_reminder_minutes", "10", "--site", "hg"]) == 0
    assert "incoming_reminder_minutes = 10" in capsys.readouterr().out
    assert main(["policy", "set", "handover_block_on_major", "off"]) == 0
    capsys.readouterr()
    assert main(["policy", "show"]) == 0
    shown = capsys.readouterr().out
    assert "incoming_reminder_minutes = 10 (site)" in shown and "handover_block_on_major = false (site)" in shown
    for args, says in (
        (["nonsense", "1"], "unknown policy key 'nonsense'"),
        (["daylog_hour", "25"], "between 0 and 23"),
        (["takeover_grace_minutes", "soon"], "needs int"),
        (["handover_block_on_major", "maybe"], "true or false"),
    ):
        assert main(["policy", "set", *args]) == 2
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1
    assert main(["policy", "show", "--site", "NOPE"]) == 2
    assert "no site" in capsys.readouterr().err


def test_several_sites_need_a_site_code(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_site(database, "TW"))
    assert main(["policy", "show"]) == 2
    assert "--site HG/TW" in capsys.readouterr().err


def test_command_line_imports_keep_the_sites_caps(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "set", "import_max_rows", "2"]) == 0
    capsys.readouterr()
    three = tmp_path / "three.csv"
    three.write_text("a,b,c\n1,2,3\n4,5,6\n7,8,9\n", encoding="utf-8")
    for verb in ("roster", "keys", "patrol"):
        assert main([verb, "import", str(three)]) == 2
        assert "more than 2 rows after the header, blank rows included (policy import_max_rows)" in (
            capsys.readouterr().err
        ), verb
