"""Two processes sweep the shift timers at once (SQLite and PostgreSQL): each reminder and each
duty-log message is queued once, and a restart (a new desk on the same database) loses none."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from storage.db import Database
from tests.conftest import make_desk
from tests.shift_support import NIGHT, site_with_roster
from tests.support import MANAGER, SUPERVISOR, DeskHarness, FakeClock
from tests.test_sweep_race import second_process


async def test_two_sweepers_send_shift_reminders_and_the_daily_log_once(
    any_db: Database, rules, clock: FakeClock
) -> None:
    h = DeskHarness(make_desk(any_db, rules, clock), clock)
    await site_with_roster(h)
    await h.desk.sweep()  # plans; then this process "restarts": a new desk and a second process
    first = make_desk(any_db, rules, clock)
    other = await second_process(any_db, first, clock)
    for moment in (
        datetime(2026, 11, 23, 11, 45, tzinfo=UTC),  # 19:45: the night shift's reminder
        datetime(2026, 11, 24, 0, 0, tzinfo=UTC),  # 08:00: the duty log of the 23rd
    ):
        clock.now = moment
        await asyncio.gather(first.sweep(limit=2), other.sweep(limit=2), first.sweep(limit=2), other.sweep(limit=2))
    rows = await h.outbox()
    counts = Counter((r.chat_id, r.text.split("\n")[0]) for r in rows if r.chat_id > 0)
    assert max(counts.values()) == 1, counts
    assert len([r for r in rows if r.chat_id == NIGHT.id and "即将开始" in r.text]) == 1
    assert len([r for r in rows if r.chat_id == MANAGER.id and "值班日志 · 华庭花园 · 2026-11-23" in r.text]) == 1
    assert len([r for r in rows if r.chat_id == SUPERVISOR.id and "值班日志 · 华庭花园 · 2026-11-23" in r.text]) == 1
    await other.db.dispose()
