"""Registers by period (issue 20 point 4): each kind with a by-period reader (``ExportKind.in_period``)
gives exactly the rows the month filter over the whole register would, the database picks them
(``/export KIND YYYY-MM`` asks with the period in its WHERE), and ``dutydesk export --month``,
``--from``/``--to`` and ``--site`` write that period only, a bad one refused in one line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.cli import main
from bot.features import registry
from handlers.core.exports import month_window
from handlers.core.messages import Chat
from handlers.registers.commands import in_month, month_fields
from storage.codes import Severity
from storage.db import Database
from storage.models import Incident, Site, require_id
from tests.support import ADMIN, SUPERVISOR, DeskHarness
from tests.support.reports import local, october, rest_of_the_quarter

HB_GROUP = Chat(id=-100600, private=False, title="另一个值班群")


async def _records(h: DeskHarness) -> None:
    """October to December at HG, and an October entry at HB (another site, another calendar)."""
    await h.setup_site()
    await h.send("/setup HB 滨海花园", ADMIN, HB_GROUP)
    async with h.desk.db.session() as session:
        await october(session)
    async with h.desk.db.session() as session:
        await rest_of_the_quarter(session)
    async with h.desk.db.session() as session:
        hb = (await session.exec(select(Site).where(Site.code == "HB"))).one()
        session.add(
            Incident(site_id=require_id(hb), number=1, occurred_at=local(12), logged_at=local(12), reporter_id=101,
                     category="water", severity=Severity.NORMAL, situation="滨海花园的事")
        )  # fmt: skip
        await session.commit()


async def test_each_by_period_reader_gives_what_the_month_filter_would(any_harness: DeskHarness) -> None:
    await _records(any_harness)
    kinds = registry().exports
    assert kinds["keys"].in_period is None  # a register of things: exported whole
    with_period = [kind for kind, export in kinds.items() if export.in_period is not None]
    assert {"incidents", "tickets", "callbacks", "key_loans", "patrols", "handovers", "orders", "duty_days"} <= set(
        with_period
    )
    async with any_harness.desk.db.session() as session:
        hg = (await session.exec(select(Site).where(Site.code == "HG"))).one()
        for kind in with_period:
            export = kinds[kind]
            assert export.in_period is not None
            for month in ("2026-09", "2026-10", "2026-11"):
                picked = [row async for row in export.in_period(session, month_window(hg, month))]
                filtered = [
                    row
                    async for row in export.rows(session)
                    if row.get("site") == "HG" and in_month(row, month_fields(kind, export), month)
                ]
                assert picked == filtered, (kind, month)
        october_entries = [r async for r in kinds["incidents"].rows(session) if r["site"] == "HG"]
        picked = [r async for r in kinds["incidents"].in_period(session, month_window(hg, "2026-10"))]  # type: ignore[misc]
    assert [r["number"] for r in picked] == [1, 2, 3, 4, 5]  # not September's #6, nor November's, nor HB's
    assert len(october_entries) == 9


async def test_export_asks_the_database_for_the_month(harness: DeskHarness) -> None:
    await _records(harness)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = harness.desk.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        await harness.dm("/export incidents 2026-10", SUPERVISOR)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    reads = [s for s in statements if "FROM incident" in s and "incident.number" in s and "ORDER BY" in s]
    assert reads and all("occurred_at >=" in s and "occurred_at <" in s for s in reads)


def _seed(url: str) -> None:
    async def go() -> None:
        db = Database(url)
        async with db.session() as session:
            session.add(Site(code="HG", name="华庭花园"))
            session.add(Site(code="HB", name="滨海花园"))
            await session.commit()
        async with db.session() as session:
            await october(session)
        async with db.session() as session:
            await rest_of_the_quarter(session)
        await db.dispose()

    asyncio.run(go())


def _numbers(capsys: pytest.CaptureFixture[str]) -> list[int]:
    return [json.loads(line)["number"] for line in capsys.readouterr().out.splitlines()]


def test_cli_exports_a_month_or_days_of_a_site(
    tmp_path: Path, migrated_file: Callable[[Path], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated_file(tmp_path / "desk.db")
    _seed(url)
    assert main(["export", "incidents", "--database", url, "--month", "2026-10"]) == 0
    assert _numbers(capsys) == [1, 2, 3, 4, 5]
    assert (
        main(["export", "incidents", "--database", url, "--site", "HG", "--from", "2026-10-31", "--to", "2026-11-10"])
        == 0
    )
    assert _numbers(capsys) == [5, 901]  # 23:30 on 31 October, site time; 10 November included
    assert main(["export", "incidents", "--database", url, "--from", "2026-12-01"]) == 0
    assert _numbers(capsys) == [902, 903]
    assert main(["export", "tickets", "--database", url, "--month", "2026-11", "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 2  # the header and November's repair
    assert main(["export", "incidents", "--database", url, "--site", "HB", "--month", "2026-10"]) == 0
    assert _numbers(capsys) == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["incidents", "--month", "2026-13"], "--month 2026-13 有误：请写 YYYY-MM，例如 2026-11"),
        (["incidents", "--from", "2026-11-31"], "--from 2026-11-31 有误：请写 YYYY-MM-DD，例如 2026-11-01"),
        (["incidents", "--month", "2026-11", "--to", "2026-11-30"], "请用 --month，或 --from 与 --to，不要同时使用"),
        (["incidents", "--from", "2026-11-30", "--to", "2026-11-01"], "--to 2026-11-01 早于 --from 2026-11-30"),
        (["keys", "--month", "2026-11"], "keys 登记的是物品而非事件，没有期间之分；请整表导出"),
        (["incidents", "--month", "2026-11", "--site", "XX"], "XX"),
    ],
)
def test_cli_refuses_a_bad_period_in_one_line(
    args: list[str], said: str, tmp_path: Path, migrated_file: Callable[[Path], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated_file(tmp_path / "desk.db")
    _seed(url)
    assert main(["export", *args, "--database", url]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and said in lines[0] and captured.out == ""
