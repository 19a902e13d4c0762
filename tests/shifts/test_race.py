"""Two processes sweep the shift timers at once (SQLite and PostgreSQL): each reminder and each
duty-log message is queued once, and a restart (a new desk on the same database) loses none."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from storage.db import Database
from tests.support import MANAGER, SUPERVISOR, DeskHarness, FakeClock
from tests.support.desks import make_desk, second_process
from tests.support.shifts import NIGHT, site_with_roster


async def test_two_sweepers_send_shift_reminders_and_the_daily_log_once(
    any_db: Database, rules, clock: FakeClock
) -> None:
    h = DeskHarness(make_desk(any_db, rules, clock), clock)
    await site_with_roster(h)
    await h.desk.sweep()  # plans; then this process "restarts": a new desk and a second process
    first = make_desk(any_db, rules, clock)
    other = await second_process(any_db, first, clock)
    for moment in (
        datetime(2026, 11, 23, 11, 15, tzinfo=UTC),  # 19:15: the night shift's reminder (arrive by 19:45)
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


async def test_two_presses_of_take_over_in_two_processes_one_wins(any_db: Database, rules, clock: FakeClock) -> None:
    from handlers.core.messages import Chat, Inbound
    from storage.models import Handover
    from tests.support import GROUP, STAFF, button_data, text_of
    from tests.support.shifts import NIGHT

    h = DeskHarness(make_desk(any_db, rules, clock), clock)
    await h.setup_site()
    await h.join(NIGHT, "staff")
    out = await h.send("/handover")  # no roster: any staff member may take over
    assert "任一值班员" in text_of(out)
    data = button_data(out, "接班")
    other = await second_process(any_db, h.desk, clock)

    def press(user_id: int, name: str, n: int) -> Inbound:
        from handlers.core.messages import User

        return Inbound(
            chat=Chat(id=GROUP.id, private=False),
            user=User(id=user_id, name=name, language="zh-hans"),
            update_id=9000 + n,
            message_id=1,
            callback_id=f"race{n}",
            callback_data=data,
            at=clock(),
        )

    results = await asyncio.gather(
        h.desk.handle(press(NIGHT.id, NIGHT.name, 1)), other.handle(press(SUPERVISOR.id, "主管陈姐", 2))
    )
    toasts = [r.toast or "" for r in results]
    assert sum("已交班给" in t for t in toasts) == 1 and sum("已由" in t for t in toasts) == 1, toasts
    async with any_db.session() as session:
        from sqlmodel import select

        row = (await session.exec(select(Handover))).one()
    assert row.status == "taken_over" and row.incoming_id in (NIGHT.id, SUPERVISOR.id)
    assert STAFF.id == row.outgoing_id
    await other.db.dispose()
