"""The shift digest: what a manager reads at a shift's end, when it goes, /digest on|off, and the
pings it replaces (handlers.core.notices.DIGEST_ONLY)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from handlers.core import notices
from storage.codes import Role, Severity
from storage.models import Callback, Incident, Key, KeyLoan, PatrolPlan, PatrolRound, Site, Ticket, require_id
from storage.models.dutylog import IncidentStatus
from storage.models.keys import KeyKind, LoanStatus
from storage.models.patrols import RoundStatus
from storage.models.plumbing import Purpose
from storage.models.tickets import CallbackState, Satisfaction, TicketKind, TicketStatus, Urgency
from tests.support import GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, text_of
from tests.support.shifts import site_with_roster

# The suite's clock starts at 2026-11-23 10:00 Asia/Shanghai (02:00 UTC).
EVENING = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 20:00 site time


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    """A time on the site's clock (UTC+8) as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


async def texts_to(h: DeskHarness, chat_id: int) -> list[str]:
    return [row.text for row in await h.outbox() if row.chat_id == chat_id]


async def digests_to(h: DeskHarness, chat_id: int) -> list[str]:
    return [text for text in await texts_to(h, chat_id) if "📊" in text]


async def a_day_of_records(h: DeskHarness) -> None:
    """Worked by hand for the window 11-22 20:00 – 11-23 20:00 (the first digest covers a day):
    incidents logged 3 (fire/major, noise/normal ×2), one logged the day before and closed today
    (water/urgent), one noise closed today → closed: water/urgent 1, noise/normal 1; majors: #1 fire,
    open. Tickets opened 3 (one VIP), resolved 1, overdue 2 (the open ones past their deadline at
    20:00: #2 due 15:00 and #3 due 18:00; #4 due 23:00 is not). Callbacks done 2 (satisfied,
    unsatisfied) + one asked, not done. Keys out 2, overdue 1. Rounds due today: done on time 1,
    done late 1, missed 1, due 19:30 not yet late 1; one due tomorrow not counted."""
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        sid = require_id(site)

        def incident(number: int, category: str, severity: Severity, logged: datetime, closed: datetime | None) -> None:
            session.add(
                Incident(
                    site_id=sid,
                    number=number,
                    occurred_at=logged,
                    logged_at=logged,
                    reporter_id=STAFF.id,
                    category=category,
                    severity=severity,
                    situation="…",
                    status=IncidentStatus.CLOSED if closed else IncidentStatus.OPEN,
                    closed_at=closed,
                )
            )

        incident(1, "fire", Severity.MAJOR, at(11), None)
        incident(2, "noise", Severity.NORMAL, at(12), None)
        incident(3, "noise", Severity.NORMAL, at(13), at(14))
        incident(4, "water", Severity.URGENT, at(9, day=22), at(9))
        incident(5, "theft", Severity.NORMAL, at(21), None)  # after the window: not counted

        def ticket(number: int, created: datetime, deadline: datetime, **values: object) -> Ticket:
            row = Ticket(
                site_id=sid,
                number=number,
                kind=TicketKind.COMPLAINT,
                category="noise",
                description="…",
                resident_id=5001,
                created_at=created,
                deadline_at=deadline,
                **values,  # type: ignore[arg-type]
            )
            session.add(row)
            return row

        done = ticket(1, at(9, day=22), at(9), status=TicketStatus.RESOLVED, resolved_at=at(10))
        ticket(2, at(11), at(15), status=TicketStatus.ACCEPTED)
        ticket(3, at(12), at(18), status=TicketStatus.NEW, urgency=Urgency.VIP)
        ticket(4, at(19), at(23), status=TicketStatus.NEW)
        await session.flush()
        for rating, when in ((Satisfaction.SATISFIED, at(11)), (Satisfaction.UNSATISFIED, at(16))):
            session.add(
                Callback(
                    ticket_id=require_id(done),
                    site_id=sid,
                    due_at=at(20),
                    state=CallbackState.DONE,
                    done_at=when,
                    satisfaction=rating,
                )
            )
        session.add(Callback(ticket_id=require_id(done), site_id=sid, due_at=at(20), state=CallbackState.ASKED))

        keys = [Key(site_id=sid, code=f"K{i}", label=f"钥匙{i}", kind=KeyKind.UNIT) for i in range(3)]
        session.add_all(keys)
        await session.flush()
        for key, due, loan_state in ((keys[0], at(18), LoanStatus.OUT), (keys[1], at(23), LoanStatus.OUT)):
            session.add(
                KeyLoan(
                    site_id=sid,
                    key_id=require_id(key),
                    key_kind=key.kind,
                    lent_by=STAFF.id,
                    due_at=due,
                    status=loan_state,
                )
            )
        session.add(
            KeyLoan(
                site_id=sid,
                key_id=require_id(keys[2]),
                key_kind=KeyKind.UNIT,
                lent_by=STAFF.id,
                status=LoanStatus.RETURNED,
            )
        )

        plan = PatrolPlan(site_id=sid, name="夜巡", schedule="at 10:00", times=[600])
        session.add(plan)
        await session.flush()
        for due, status, late in (
            (at(10), RoundStatus.DONE, None),
            (at(12), RoundStatus.DONE, at(12, 15)),
            (at(14), RoundStatus.MISSED, at(14, 15)),
            (at(19, 30), RoundStatus.DUE, None),
            (at(10, day=24), RoundStatus.DUE, None),
        ):
            session.add(PatrolRound(plan_id=require_id(plan), site_id=sid, due_at=due, status=status, late_at=late))
        await session.commit()


async def test_manager_gets_one_digest_at_the_fixed_time_with_the_days_figures(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()  # no roster: the fixed times, 08:00 and 20:00
    await a_day_of_records(h)
    await h.desk.sweep(h.clock.advance(hours=9, minutes=59))  # 19:59: planned, nothing due
    assert await digests_to(h, MANAGER.id) == []
    await h.desk.sweep(h.clock.advance(minutes=1))  # 20:00
    [digest] = await digests_to(h, MANAGER.id)
    assert "华庭花园（11-22 20:00–11-23 20:00）" in digest
    assert "事件：新开 3 宗，关闭 2 宗" in digest
    assert "· 新开：火警·重大 1，噪音·一般 2" in digest
    assert "· 关闭：水浸漏水·紧急 1，噪音·一般 1" in digest
    assert "重大事件 1 宗：\n· #1 火警：未结" in digest
    assert "工单：新开 3（VIP 1），已处理 1，逾期未处理 2" in digest
    assert "回访：2 次（满意 1，不满意 1）" in digest
    assert "钥匙：在外 2 把，逾期 1 把" in digest
    assert "巡查：按时 1，迟到 1，漏巡 1，未完 1" in digest
    assert "交接班：无" in digest
    assert await digests_to(h, SUPERVISOR.id) == [] and await digests_to(h, GROUP.id) == []
    await h.desk.sweep(h.clock.advance(minutes=5))  # once only
    assert len(await digests_to(h, MANAGER.id)) == 1


async def test_the_next_digest_covers_only_the_time_since_the_last(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await a_day_of_records(h)
    await h.desk.sweep(h.clock.advance(hours=9, minutes=59))
    await h.desk.sweep(h.clock.advance(minutes=1))  # 20:00
    await h.desk.sweep(h.clock.advance(hours=12))  # 08:00 next morning
    _, second = await digests_to(h, MANAGER.id)
    assert "（11-23 20:00–11-24 08:00）" in second
    assert "事件：新开 1 宗，关闭 0 宗\n· 新开：失窃·一般 1" in second
    assert "重大事件 1 宗：\n· #1 火警：未结" in second  # still open: shown again
    assert "工单：新开 0（VIP 0），已处理 0，逾期未处理 3" in second  # #4 now past 23:00 too


async def test_digest_at_the_end_of_a_rostered_shift_names_it_and_its_handover(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)  # 白班 08:00-20:00 and 夜班 20:00-08:00 rostered on 11-23
    await h.desk.sweep(h.clock.advance(hours=9, minutes=59))
    await h.desk.sweep(h.clock.advance(minutes=1))  # 20:00: the 白班 ends
    [digest] = await digests_to(h, MANAGER.id)
    assert "📊 班次简报 · 华庭花园 · 白班结束" in digest
    assert "交接班：白班 尚未交班" in digest


async def test_digest_off_stops_the_digest_and_brings_back_the_pings(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert "已开启" in text_of(await h.dm("/digest", MANAGER))
    assert "已关闭班次简报" in text_of(await h.dm("/digest off", MANAGER))
    assert "已关闭" in text_of(await h.dm("/digest", MANAGER))
    await h.desk.sweep(h.clock.advance(hours=9, minutes=59))
    await h.desk.sweep(h.clock.advance(minutes=1))
    assert await digests_to(h, MANAGER.id) == []
    assert "已开启班次简报" in text_of(await h.dm("/digest on", MANAGER))
    await h.desk.sweep(h.clock.advance(hours=12))
    assert len(await digests_to(h, MANAGER.id)) == 1


async def test_digest_command_is_for_managers_and_takes_on_or_off(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert "经理" in text_of(await h.dm("/digest off", STAFF))
    assert "经理" in text_of(await h.dm("/digest off", SUPERVISOR))
    assert "用法：/digest on 或 /digest off" in text_of(await h.dm("/digest maybe", MANAGER))


async def tell(h: DeskHarness, purpose: Purpose) -> int:
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        roles = (Role.SUPERVISOR, Role.MANAGER)
        told = await notices.tell_roles(session, site, roles, f"ping {purpose}", purpose=purpose)
        await session.commit()
    return told


async def test_digest_only_pings_skip_managers_who_take_the_digest(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert await tell(h, "follow_up") == 1  # a late ticket: the supervisor only
    assert await tell(h, "handover") == 1  # a blocked handover
    assert await tell(h, "escalation") == 2  # a major incident or VIP ticket: both at once
    assert await texts_to(h, MANAGER.id) == ["ping escalation"]
    assert await texts_to(h, SUPERVISOR.id) == ["ping follow_up", "ping handover", "ping escalation"]
    await h.dm("/digest off", MANAGER)
    assert await tell(h, "follow_up") == 2
    assert await texts_to(h, MANAGER.id) == ["ping escalation", "ping follow_up"]
