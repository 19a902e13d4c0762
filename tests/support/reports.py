"""A month of records at site HG (October 2026, Asia/Shanghai) whose figures are worked out by hand in
tests/test_reports.py, written straight into the tables with the times a clock would have given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import Severity
from storage.models import (
    Callback,
    Incident,
    Key,
    KeyLoan,
    PatrolFinding,
    PatrolPlan,
    PatrolRound,
    Site,
    Ticket,
    require_id,
)
from storage.models.dutylog import IncidentStatus
from storage.models.keys import KeyKind, LoanStatus
from storage.models.patrols import Recheck, RoundStatus
from storage.models.tickets import CallbackHow, CallbackState, Satisfaction, TicketKind, TicketStatus
from tests.support.e2e import RunningBot, setup_site

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int = 10, minute: int = 0, month: int = 10) -> datetime:
    """A time on the site's calendar (Asia/Shanghai), as the aware UTC the records keep."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


async def october(session: AsyncSession) -> Site:
    """Writes the month; returns the site."""
    site = (await session.exec(select(Site).where(Site.code == "HG"))).one()
    sid = require_id(site)
    h = timedelta(hours=1)
    number = iter(range(1, 1000))

    def incident(at: datetime, category: str, severity: str, closed_after: timedelta | None) -> Incident:
        return Incident(
            site_id=sid,
            number=next(number),
            occurred_at=at,
            logged_at=at,
            reporter_id=101,
            category=category,
            severity=Severity(severity),
            situation="…",
            status=IncidentStatus.OPEN if closed_after is None else IncidentStatus.CLOSED,
            closed_at=None if closed_after is None else at + closed_after,
        )

    session.add_all(
        [
            incident(local(5), "water", "normal", 2 * h),
            incident(local(6), "water", "normal", 4 * h),
            incident(local(7), "water", "normal", None),
            incident(local(8), "fire", "major", 1 * h),
            incident(local(31, 23, 30), "theft", "normal", 6 * h),  # 15:30 UTC on the 31st: still October here
            incident(local(30, 23, 30, month=9), "water", "normal", 1 * h),  # September on the site's calendar
        ]
    )

    def ticket(kind: str, day: int, status: str, *, late: bool = False, **extra: object) -> Ticket:
        created = local(day)
        resolved = created + (50 * h if late else 2 * h) if status in ("resolved", "closed") else None
        return Ticket(
            site_id=sid,
            number=next(number),
            kind=TicketKind(kind),
            category="service",
            description="…",
            resident_id=5001,
            status=TicketStatus(status),
            created_at=created,
            deadline_at=created + 48 * h,
            resolved_at=resolved,
            **extra,  # type: ignore[arg-type]
        )

    t1 = ticket("complaint", 2, "closed", satisfaction="satisfied")  # valid, on time
    t2 = ticket("complaint", 3, "closed", late=True, reopened=1, satisfaction="basic")  # reopened, late
    t3 = ticket("complaint", 4, "accepted")  # open past its deadline: a breach
    t4 = ticket("repair", 5, "resolved")  # on time
    t5 = ticket("repair", 30, "new")
    t5.deadline_at = datetime(2099, 1, 1, tzinfo=UTC)  # deadline not reached: not judged yet
    t6 = ticket("complaint", 6, "resolved", satisfaction="unsatisfied")  # on time, rated unsatisfied
    session.add_all([t1, t2, t3, t4, t5, t6])
    await session.flush()

    def callback(t: Ticket, state: str, rating: str | None = None) -> Callback:
        done = local(20) if state == "done" else None
        return Callback(
            ticket_id=require_id(t),
            site_id=sid,
            due_at=local(10),
            created_at=local(9),
            state=CallbackState(state),
            done_at=done,
            satisfaction=Satisfaction(rating) if rating else None,
            how=CallbackHow("bot") if done else None,
        )

    session.add_all(
        [
            callback(t1, "done", "satisfied"),
            callback(t2, "done", "basic"),
            callback(t6, "done", "unsatisfied"),
            callback(t4, "asked"),
            callback(t3, "void"),
        ]
    )
    key = Key(site_id=sid, code="3-JF", label="3栋机房", kind=KeyKind.PLANT)
    session.add(key)
    await session.flush()

    def loan(day: int, back_after: timedelta | None, status: str) -> KeyLoan:
        out = local(day, 9)
        return KeyLoan(
            site_id=sid,
            key_id=require_id(key),
            borrower_id=101,
            lent_by=101,
            out_at=out,
            due_at=local(day, 18),
            returned_at=None if back_after is None else out + back_after,
            status=LoanStatus(status),
            key_kind=KeyKind.PLANT,
        )

    session.add_all([loan(2, 2 * h, "returned"), loan(3, 12 * h, "returned"), loan(4, None, "out")])
    night = PatrolPlan(site_id=sid, name="夜巡", schedule="at 22:00", checkpoints=[], times=[1320])
    fire = PatrolPlan(site_id=sid, name="消防巡查", schedule="at 08:00", checkpoints=[], times=[480])
    session.add_all([night, fire])
    await session.flush()

    def round_(plan: PatrolPlan, day: int, status: str, *, late: bool = False, manual: bool = False) -> PatrolRound:
        due = local(day, 22)
        return PatrolRound(
            plan_id=require_id(plan),
            site_id=sid,
            due_at=due,
            status=RoundStatus(status),
            manual=manual,
            late_at=due + 20 * timedelta(minutes=1) if late else None,
            done_at=due + h if status == "done" else None,
        )

    rounds = [
        round_(night, 1, "done"),
        round_(night, 2, "done", late=True),
        round_(night, 3, "missed", late=True),
        round_(night, 4, "done", manual=True),  # by hand with /patrol: not a scheduled round
        round_(fire, 1, "done"),
    ]
    session.add_all(rounds)
    await session.flush()
    first = require_id(rounds[0])
    session.add_all(
        [
            PatrolFinding(
                round_id=first, site_id=sid, reporter_id=101, problem=True, recheck=Recheck.DONE, created_at=local(1)
            ),
            PatrolFinding(
                round_id=first, site_id=sid, reporter_id=101, problem=True, recheck=Recheck.DUE, created_at=local(2)
            ),
            PatrolFinding(round_id=first, site_id=sid, reporter_id=101, problem=False, created_at=local(3)),
        ]
    )
    await session.commit()
    return site


async def site_with_october(bot: RunningBot) -> None:
    """A running bot's site HG (set up through the chat) holding the October of :func:`october`."""
    await setup_site(bot)
    db = bot.db()
    try:
        async with db.session() as session:
            assert (await session.exec(select(Site))).one().code == "HG"
            await october(session)
    finally:
        await db.dispose()


async def rest_of_the_quarter(session: AsyncSession) -> None:
    """November and December 2026 at HG after :func:`october` (the fourth quarter worked out by hand
    in tests/reports/test_summaries.py), and one entry of 1 January 2027, site time."""
    site = (await session.exec(select(Site).where(Site.code == "HG"))).one()
    sid = require_id(site)
    h = timedelta(hours=1)

    def incident(number: int, at: datetime, category: str, severity: str, closed_after: timedelta | None) -> Incident:
        return Incident(
            site_id=sid, number=number, occurred_at=at, logged_at=at, reporter_id=101, category=category,
            severity=Severity(severity), situation="…",
            status=IncidentStatus.OPEN if closed_after is None else IncidentStatus.CLOSED,
            closed_at=None if closed_after is None else at + closed_after,
        )  # fmt: skip

    session.add_all(
        [
            incident(901, local(10, month=11), "water", "normal", 8 * h),
            incident(902, local(31, 23, 30, month=12), "fire", "major", None),  # the quarter's last half hour
            incident(903, datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI).astimezone(UTC), "water", "normal", None),
        ]
    )
    created = local(15, month=11)
    repair = Ticket(
        site_id=sid, number=904, kind=TicketKind.REPAIR, category="service", description="…", resident_id=5001,
        status=TicketStatus.CLOSED, created_at=created, deadline_at=created + 48 * h, resolved_at=created + 2 * h,
    )  # fmt: skip
    session.add(repair)
    await session.flush()
    session.add(
        Callback(
            ticket_id=require_id(repair), site_id=sid, due_at=local(5, month=12), created_at=local(5, month=12),
            state=CallbackState.DONE, done_at=local(6, month=12), satisfaction=Satisfaction.SATISFIED,
            how=CallbackHow.BOT,
        )
    )  # fmt: skip
    await session.commit()
