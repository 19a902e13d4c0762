"""Patrol rounds fall due in the site's time zone, ping the group once, are reminded when late,
escalated to the supervisors, and marked missed when the next round falls due."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core.i18n import Translator
from handlers.patrols.rounds import handover_lines
from handlers.patrols.schedule import ScheduleError, at, every, next_due, per_day, previous_due
from storage.db import Database
from storage.models import Site
from tests.support import ADMIN, GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, FakeClock, button_data, text_of
from tests.support.desks import make_desk, second_process
from tests.support.patrols import add_plan, data_of, group_since, rounds

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def test_schedules_read_and_cross_midnight() -> None:
    assert every("2h", "01:00").times == tuple(range(60, 24 * 60, 120))
    assert every("90m").label == "every 90m from 00:00"
    assert at("20:00，08:00").times == (480, 1200)
    assert per_day(2).times == (480, 840)  # 08:00 and 14:00 in the 08:00-20:00 window
    assert per_day(3, "22:00", "04:00").times == (0, 120, 1320)  # a night window across midnight
    for bad in (lambda: every("5m"), lambda: at("25:00"), lambda: per_day(0), lambda: every("soon")):
        with pytest.raises(ScheduleError):
            bad()
    night = at("23:30,00:30").times
    assert next_due(night, SHANGHAI, local("2026-11-23 23:40")) == local("2026-11-24 00:30")
    assert previous_due(night, SHANGHAI, local("2026-11-24 00:10")) == local("2026-11-23 23:30")
    assert next_due(every("2h", "23:00").times, SHANGHAI, local("2026-11-23 23:00")) == local("2026-11-24 01:00")


async def test_round_pings_at_due_time_and_once(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)  # 10:05 local: the 10:00 round is not owed by a plan added now
    await add_plan(h)
    assert await h.desk.sweep() == 0
    [ahead] = await rounds(h)
    assert ahead.due_at == local("2026-11-23 12:00") and ahead.status == "due"
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))  # 12:00
    [ping] = await group_since(h, seen)
    assert "巡查时间到" in ping.text and "消防巡查" in ping.text and "12:00" in ping.text
    assert "地下车库" in ping.text and ping.ref_kind == "patrol_round" and data_of(ping, "开始巡查")
    assert [r.due_at for r in await rounds(h)] == [local("2026-11-23 12:00"), local("2026-11-23 14:00")]
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=1))
    assert await group_since(h, seen) == []  # pinged once


async def test_two_hourly_plan_across_midnight_in_site_time(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.now = local("2026-11-23 22:10")
    await add_plan(h, every="2h", start="23:00")
    pings = []
    for stop in ("2026-11-23 23:00", "2026-11-24 00:30", "2026-11-24 01:00", "2026-11-24 03:00"):
        seen = len(await h.outbox())
        h.clock.now = local(stop)
        await h.desk.sweep()
        pings += [(stop, r.text) for r in await group_since(h, seen) if "巡查时间到" in r.text]
    assert [stop for stop, _ in pings] == ["2026-11-23 23:00", "2026-11-24 01:00", "2026-11-24 03:00"]
    assert "23:00" in pings[0][1] and "01:00" in pings[1][1]


async def test_late_round_reminded_then_escalated_then_missed(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h)
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))  # 12:00 ping
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=10))
    assert await group_since(h, seen) == []  # within the 15-minute grace
    await h.desk.sweep(h.clock.advance(minutes=6))  # 12:16
    [late] = await group_since(h, seen)
    assert "尚未开始" in late.text and "按规定" in late.text and data_of(late, "开始巡查")
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=15))  # 12:31: not done by the next reminder
    fresh = (await h.outbox())[seen:]
    private = [r for r in fresh if r.chat_id == SUPERVISOR.id]
    assert len(private) == 1 and private[0].priority == 0 and private[0].purpose == "escalation"
    assert "消防巡查" in private[0].text and "12:00" in private[0].text
    assert MANAGER.id not in {r.chat_id for r in fresh} and STAFF.id not in {r.chat_id for r in fresh}
    assert any("已通知主管 1 位" in r.text for r in fresh)
    assert (await rounds(h))[0].status == "due"
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=89))  # 14:00: the next round falls due
    texts = [r.text for r in await group_since(h, seen)]
    assert any("漏巡" in t and "12:00" in t and "0/3" in t for t in texts)
    assert any("巡查时间到" in t and "14:00" in t for t in texts)
    old = (await rounds(h))[0]
    assert old.status == "missed" and old.late_at is not None and old.escalated_at is not None
    async with h.desk.db.session() as session:
        site = await session.get(Site, 1)
        assert site is not None
        lines = await handover_lines(session, site, h.clock(), Translator("zh-Hans"))
    assert lines[0] == "【迟巡漏巡】1 轮" and "12:00" in lines[1] and "漏巡" in lines[1]
    # A started round is not reminded.
    out = await h.press(data_of((await group_since(h, seen))[-1], "开始巡查"))
    assert "值班员小李 开始了" in (out.toast or "")
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=40))
    assert await group_since(h, seen) == []


async def test_handover_section_is_empty_without_late_rounds(harness: DeskHarness) -> None:
    await harness.setup_site()
    async with harness.desk.db.session() as session:
        site = await session.get(Site, 1)
        assert site is not None
        assert await handover_lines(session, site, harness.clock(), Translator("zh-Hans")) == []


async def test_two_processes_ping_each_round_once(any_db: Database, rules, clock: FakeClock) -> None:
    h = DeskHarness(make_desk(any_db, rules, clock), clock)
    await h.setup_site()
    clock.advance(minutes=5)
    for name in ("消防巡查", "夜间巡楼", "空置房巡查"):
        await add_plan(h, name=name, every="1h")
    other = await second_process(any_db, h.desk, clock)
    for _ in range(3):  # 11:00, 12:00, 13:00: both processes plan and sweep at once
        clock.advance(hours=1)
        await asyncio.gather(h.desk.sweep(limit=2), other.sweep(limit=2), h.desk.sweep(), other.sweep())
    pings = Counter(r.text.splitlines()[0] for r in await h.outbox() if "巡查时间到" in r.text)
    assert len(pings) == 9 and set(pings.values()) == {1}
    assert Counter(r.status for r in await rounds(h)) == {"missed": 6, "due": 6}
    await other.db.dispose()


async def test_patrol_command_starts_the_waiting_round_or_an_extra_one(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h)
    unknown = text_of(await h.send("/patrol 夜巡"))
    assert "没有名为「夜巡」" in unknown and "现有计划：消防巡查" in unknown
    assert "用法" in text_of(await h.send("/patrol"))
    extra = await h.send("/patrol 消防")
    assert "进行中" in text_of(extra) and extra.replies[-1].link is not None
    assert "已由 值班员小李 开始" in text_of(await h.send("/patrol 消防巡查"))
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))
    # 12:00: the unfinished extra round is missed; the 12:00 round waits and is the one started.
    started = await h.send("/patrol 消防巡查", SUPERVISOR)
    assert "主管陈姐 开始了 消防巡查" in text_of(started) and "12:00 · 进行中" in text_of(started)
    assert [(r.manual, r.status) for r in await rounds(h)] == [(True, "missed"), (False, "running"), (False, "due")]
    extra_pings = [r for r in await h.outbox() if "巡查时间到" in r.text and "10:05" in r.text]
    assert extra_pings == []  # an extra round is never pinged


async def test_retimed_plan_drops_the_round_made_ahead(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h)  # every 2h: the 12:00 round is made ahead
    await h.desk.sweep()
    await add_plan(h, at="12:30")  # re-imported with one round a day at 12:30
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))  # 12:00
    assert await group_since(h, seen) == []
    await h.desk.sweep(h.clock.advance(minutes=30))  # 12:30
    [ping] = await group_since(h, seen)
    assert "12:30" in ping.text
    assert [r.due_at for r in await rounds(h)] == [local("2026-11-23 12:30"), local("2026-11-24 12:30")]


async def test_late_supervisor_plan_goes_to_managers_too(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h, ["大堂"], name="主管巡查", role="supervisor")
    for minutes in (115, 16, 15):  # due, late, escalated
        await h.desk.sweep(h.clock.advance(minutes=minutes))
    escalated = [r for r in await h.outbox() if r.purpose == "escalation"]
    assert {r.chat_id for r in escalated} == {SUPERVISOR.id, MANAGER.id}


async def test_two_people_start_one_round_at_once_one_owns_it(any_db: Database, rules, clock: FakeClock) -> None:
    h = DeskHarness(make_desk(any_db, rules, clock), clock)
    await h.setup_site()
    clock.advance(minutes=5)
    await add_plan(h)
    seen = len(await h.outbox())
    await h.desk.sweep(clock.advance(hours=1, minutes=55))
    [ping] = await group_since(h, seen)
    other = DeskHarness(await second_process(any_db, h.desk, clock), clock, ids=itertools.count(10_000))
    outs = await asyncio.gather(h.press(data_of(ping, "开始巡查")), other.press(data_of(ping, "开始巡查"), SUPERVISOR))
    owner = (await rounds(h))[0]
    started = [o for o in outs if "开始了" in (o.toast or "")]
    assert len(started) == 1 and owner.started_by in (STAFF.id, SUPERVISOR.id)
    assert owner.started_name is not None and owner.started_name in (started[0].toast or "")
    await other.desk.db.dispose()


async def test_rounds_fall_due_in_the_sites_own_time_zone(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    async with h.desk.db.session() as session:
        site = await session.get(Site, 1)
        assert site is not None
        site.timezone = "Asia/Tokyo"  # UTC+9, an hour ahead of the desk's default
        session.add(site)
    await add_plan(h, at="12:00")  # added at 11:00 Tokyo
    await h.desk.sweep()
    [ahead] = await rounds(h)
    assert ahead.due_at == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 12:00 Tokyo
    await h.desk.sweep(h.clock.advance(minutes=59))
    assert not [r for r in await h.outbox() if "巡查时间到" in r.text]
    await h.desk.sweep(h.clock.advance(minutes=1))
    assert [r for r in await h.outbox() if "巡查时间到" in r.text and "12:00" in r.text]


async def test_restart_loses_no_round_and_no_supervisor_is_said(harness: DeskHarness, rules) -> None:
    h = harness
    await h.send("/setup HG 华庭花园", ADMIN)
    await h.join(STAFF, "staff")
    h.clock.advance(minutes=5)
    await add_plan(h)
    await h.desk.sweep()  # the 12:00 round is made ahead, then the process stops
    restarted = make_desk(h.desk.db, rules, h.clock)
    for minutes in (115, 16, 15):  # due, late, not done by the next reminder
        await restarted.sweep(h.clock.advance(minutes=minutes))
    texts = [r.text for r in await h.outbox() if r.chat_id == GROUP.id]
    assert sum("巡查时间到" in t for t in texts) == 1 and sum("尚未开始" in t for t in texts) == 1
    assert any("没有登记主管" in t for t in texts)


async def test_a_round_done_late_is_in_the_handover_as_late(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h, ["大堂"])
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=16))  # 12:16: reminded
    [late] = await group_since(h, seen)
    h.clock.advance(minutes=4)
    card = await h.press(data_of(late, "开始巡查"))
    await h.press(button_data(card, "大堂"))
    await h.press(button_data(card, "巡查完毕"))
    async with h.desk.db.session() as session:
        site = await session.get(Site, 1)
        assert site is not None
        lines = await handover_lines(session, site, h.clock(), Translator("zh-Hans"))
    assert lines == ["【迟巡漏巡】1 轮", "⏰ 消防巡查 12:00 迟巡（已完成，开始：12:20）"]
    assert (await rounds(h))[0].status == "done"


async def test_a_late_round_not_started_says_so_once_in_the_handover(harness: DeskHarness) -> None:
    """Issue 19 point 2: no line repeats itself (not "迟巡（迟巡，开始：-）")."""
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h, ["大堂"])
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))
    await h.desk.sweep(h.clock.advance(minutes=16))  # 12:16: late, nobody started it
    async with h.desk.db.session() as session:
        site = await session.get(Site, 1)
        assert site is not None
        lines = await handover_lines(session, site, h.clock(), Translator("zh-Hans"))
    assert lines == ["【迟巡漏巡】1 轮", "⏰ 消防巡查 12:00 迟巡，尚未开始"]
