"""`dutydesk roster import` and `dutydesk patrol import|add` say a bad row in DUTYDESK_LANGUAGE
(issue 19): Chinese for zh-Hans, English for en; the line, the field and what is allowed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from storage.codes import Role
from storage.db import Database
from storage.repos import sites

ROSTER = "date,shift,staff\n2026-12-01,N,101\n2026/12/02,N,101\n2026-12-03,夜更,101\n"
PLANS = "plan,checkpoint,proof,every\n夜巡,A座,scan,2h\n"
SAID = {
    "zh-Hans": (
        "第 3 行：日期「2026/12/02」无法识别，请写成 YYYY-MM-DD",
        "第 4 行：没有「夜更」这个班次（本站班次：E/早班, M/中班, N/夜班）",
        "第 2 行：巡查点「A座」：proof 须为 tap, photo, location 之一",
        "dutydesk: 「3x」不是时长，应写成 2h 或 90m 这样",
    ),
    "en": (
        "line 3: bad date '2026/12/02' (YYYY-MM-DD)",
        "line 4: unknown shift '夜更' (shifts: E/Early shift, M/Late shift, N/Night shift)",
        "line 2: checkpoint A座: proof must be one of tap, photo, location",
        "dutydesk: not a duration such as 2h or 90m: '3x'",
    ),
}


async def _site(url: str) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            site = await sites.create(session, code="HG", name="华庭花园", language="zh-Hans", timezone="Asia/Shanghai")
            await sites.set_role(session, telegram_id=101, site_id=site.id or 0, role=Role.STAFF, added_by=None)
    finally:
        await db.dispose()


@pytest.mark.parametrize("language", ["zh-Hans", "en"])
def test_bad_rows_in_the_operators_language(
    language: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    migrated_file: Callable[[Path], str],
) -> None:
    url = migrated_file(tmp_path / "cli.db")
    asyncio.run(_site(url))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DUTYDESK_LANGUAGE", language)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    date, shift, proof, schedule = SAID[language]
    roster, plans = tmp_path / "roster.csv", tmp_path / "plans.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    plans.write_text(PLANS, encoding="utf-8")

    assert main(["roster", "import", str(roster)]) == 2
    err = capsys.readouterr().err
    assert date in err and shift in err
    assert main(["patrol", "import", str(plans)]) == 2
    assert proof in capsys.readouterr().err
    assert main(["patrol", "add", "夜巡", "--every", "3x", "--checkpoints", "A座"]) == 2
    assert capsys.readouterr().err.strip() == schedule
