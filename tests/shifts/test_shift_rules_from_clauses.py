"""Shift defaults and rule texts from the clauses (issue 18 point 14): three shifts by default
(000 L474), the incoming reminder before the arrival time (002 L23), rule lines quoting the site's
own figures, and the clauses cited as they are (000 L152; repeated complaints are the site's rule)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from handlers.core.i18n import Translator
from handlers.core.policy import Policy
from handlers.shifts import operator as shift_admin
from storage.db import Database, upgrade
from storage.models import Site
from tests.support import MANAGER, SUPERVISOR, DeskHarness, text_of
from tests.support.postgres import database_at
from tests.support.shifts import NIGHT, site_with_roster, upload


async def set_policy(h: DeskHarness, **values: Any) -> None:
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        site.policy = {**site.policy, **values}
        session.add(site)


async def test_a_new_site_runs_three_shifts(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert "✅" in await upload(h, "date,shift,staff\n2026-11-23,早班,101\n2026-11-23,中班,101\n")
    shown = text_of(await h.send("/roster"))
    assert "11-23 早班 08:00-16:00：值班员小李" in shown
    assert "11-23 中班 16:00-00:00：值班员小李" in shown
    assert "11-23 夜班 00:00-08:00：（未排班）" in shown
    listed = await shift_admin.list_shifts(h.desk.db, None)
    assert listed.splitlines() == ["E\t早班\t08:00-16:00", "M\t中班\t16:00-00:00", "N\t夜班\t00:00-08:00"]


async def test_the_reminder_comes_before_the_sites_arrival_time(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    await set_policy(h, arrive_early_minutes=10)  # the site follows 000 L256 (10 minutes)
    await h.desk.sweep()
    await h.desk.sweep(datetime(2026, 11, 23, 11, 19, tzinfo=UTC))  # 19:19: not yet
    assert not [r for r in await h.outbox() if r.chat_id == NIGHT.id]
    await h.desk.sweep(datetime(2026, 11, 23, 11, 20, tzinfo=UTC))  # 19:20: 30 min before 19:50
    [reminder] = [r for r in await h.outbox() if r.chat_id == NIGHT.id]
    assert "19:50 前到岗（提前 10 分钟）" in reminder.text
    assert "按本站规定：接班人员提前10分钟到岗（002 L23 为15分钟）" in reminder.text


async def test_the_roster_rule_quotes_the_sites_due_day(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await set_policy(h, roster_due_day=20)
    h.clock.now = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 on the 20th
    await h.desk.sweep()
    await h.desk.sweep()
    [due] = [r for r in await h.outbox() if r.chat_id == SUPERVISOR.id and "值班表尚未上传" in r.text]
    assert "按本站规定：客服主管每月20日前拟定下月值班表（002 L10 为25日）" in due.text
    assert "25日前" not in due.text
    assert not [r for r in await h.outbox() if r.chat_id == MANAGER.id and "值班表尚未上传" in r.text]


async def test_dont_leave_cites_000_l152(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    h.clock.now = datetime(2026, 11, 23, 11, 50, tzinfo=UTC)
    await h.send("/handover")
    await h.desk.sweep(h.clock.advance(minutes=25))
    [stay] = [r for r in await h.outbox() if "请勿离岗" in r.text]
    assert "000 L152" in stay.text and "L125" not in stay.text


async def test_policy_show_says_what_no_regulation_sets(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    shown = await shift_admin.show_policy(h.desk.db, None, Translator("en"))
    lines = {line.split()[0]: line for line in shown.splitlines()}
    assert "site's own rule" in lines["repeat_complaint_days"] and "000 L88" not in lines["repeat_complaint_days"]
    assert "000 L152" in lines["takeover_grace_minutes"] and "L125" not in lines["takeover_grace_minutes"]
    assert "002 L23" in lines["arrive_early_minutes"] and lines["arrive_early_minutes"].split()[1] == "15"


# -- migration 0010: sites that existed keep their shifts and their arrival time --------------------


@pytest.fixture(params=["sqlite", "postgres"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database at revision 0009 (before the three-shift default)."""
    with database_at(request.param, "0009", tmp_path) as url:
        yield url


SITE = sa.table(
    "site",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("language", sa.String),
    sa.column("timezone", sa.String),
    sa.column("next_number", sa.Integer),
    sa.column("policy", sa.JSON),
    sa.column("created_at", sa.DateTime),
)

SHIFT = sa.table(
    "shift",
    *(
        sa.column(name, sa.Integer if name == "site_id" else sa.String)
        for name in ("site_id", "code", "name", "start", "end")
    ),
)


async def test_existing_sites_keep_their_two_shifts_and_arrival_time(old_database: str) -> None:
    db = Database(old_database)
    try:
        async with db.engine.begin() as connection:
            for number, code in enumerate(("HG", "TW"), start=1):
                policy = {"incoming_reminder_minutes": 10} if code == "HG" else {}
                await connection.execute(
                    SITE.insert().values(
                        id=number,
                        code=code,
                        name=code,
                        language="zh-Hans",
                        timezone="Asia/Shanghai",
                        next_number=1,
                        policy=policy,
                        created_at=datetime(2026, 11, 1),
                    )
                )
            await connection.execute(
                SHIFT.insert().values(site_id=2, code="A", name="办公", start="09:00", end="18:00")
            )
        await asyncio.to_thread(upgrade, old_database)
        hg = await shift_admin.list_shifts(db, "HG")
        assert hg.splitlines() == ["D\t白班\t08:00-20:00", "N\t夜班\t20:00-08:00"]
        assert await shift_admin.list_shifts(db, "TW") == "A\t办公\t09:00-18:00"  # its own, untouched
        async with db.session() as session:
            site = (await session.exec(select(Site).where(Site.code == "HG"))).one()
        effective = Policy.for_site(site.policy)
        assert (effective.arrive_early_minutes, effective.incoming_reminder_minutes) == (10, 30)
    finally:
        await db.dispose()
