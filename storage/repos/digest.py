"""The shift digest's figures (handlers.digest): counts aggregated in SQL over one site and one
window of time, and the managers' ``/digest on|off`` choice. A window is [start, end) in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.codes import Severity
from storage.models import Callback, DigestChoice, Handover, Incident, KeyLoan, PatrolRound, Ticket, Timer
from storage.models.dutylog import IncidentStatus
from storage.models.keys import LoanStatus
from storage.models.patrols import RoundStatus
from storage.models.tickets import OPEN, CallbackState, Urgency

# -- the choice ------------------------------------------------------------------------------------


async def set_choice(session: AsyncSession, *, telegram_id: int, enabled: bool) -> None:
    row = await session.get(DigestChoice, telegram_id)
    if row is None:
        row = DigestChoice(telegram_id=telegram_id)
    row.enabled, row.changed_at = enabled, utcnow()
    session.add(row)
    await session.flush()


async def takes_digest(session: AsyncSession, *, telegram_id: int) -> bool:
    """On unless the person turned it off."""
    row = await session.get(DigestChoice, telegram_id)
    return row is None or row.enabled


async def turned_off(session: AsyncSession, *, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` turned the digest off."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    rows = await session.exec(
        select(DigestChoice.telegram_id).where(
            col(DigestChoice.telegram_id).in_(wanted), col(DigestChoice.enabled).is_(False)
        )
    )
    return set(rows.all())


# -- the figures -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Major:
    number: int
    category: str
    open: bool
    escalation: str  # EscalationState
    acknowledged_name: str | None


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything a digest says, as plain values (read in the transaction, rendered after)."""

    opened: dict[tuple[str, str], int]  # (category, severity) → incidents logged in the window
    closed: dict[tuple[str, str], int]  # (category, severity) → incidents closed in the window
    majors: list[Major]  # major incidents logged or closed in the window, or still open
    tickets_opened: int
    tickets_resolved: int
    tickets_overdue: int  # not resolved, past the promised deadline at the window's end
    tickets_vip: int  # VIP tickets opened in the window
    callbacks_done: int
    satisfaction: dict[str, int]  # Satisfaction → callbacks done in the window
    keys_out: int
    keys_overdue: int
    rounds_done: int  # done on time
    rounds_late: int  # not started in time (done late, or still not done)
    rounds_missed: int
    rounds_open: int  # due in the window, neither done nor late nor missed yet
    handovers: list[tuple[str, str, str | None]]  # (shift code, status, incoming name) handed in the window


async def _grouped(session: AsyncSession, stmt: Any) -> dict[tuple[str, str], int]:
    rows = await session.exec(stmt)
    return {(str(category), str(severity)): int(n) for category, severity, n in rows.all()}


async def figures(session: AsyncSession, *, site_id: int, start: datetime, end: datetime, majors: int = 10) -> Figures:
    """The digest of one site for [start, end): a handful of aggregate queries, none reading rows
    one by one (the majors are capped at ``majors``)."""
    inc = Incident
    opened = await _grouped(
        session,
        select(inc.category, inc.severity, func.count())
        .where(inc.site_id == site_id, inc.logged_at >= start, inc.logged_at < end)
        .group_by(inc.category, inc.severity),
    )
    closed = await _grouped(
        session,
        select(inc.category, inc.severity, func.count())
        .where(inc.site_id == site_id, col(inc.closed_at) >= start, col(inc.closed_at) < end)
        .group_by(inc.category, inc.severity),
    )
    in_window = and_(col(inc.logged_at) >= start, col(inc.logged_at) < end)
    closed_in_window = and_(col(inc.closed_at) >= start, col(inc.closed_at) < end)
    open_at_end = and_(col(inc.status) == IncidentStatus.OPEN, col(inc.logged_at) < end)
    major_rows = await session.exec(
        select(inc)
        .where(inc.site_id == site_id, inc.severity == Severity.MAJOR, or_(in_window, closed_in_window, open_at_end))
        .order_by(col(inc.number))
        .limit(majors)
    )
    major_list = [
        Major(m.number, m.category, m.status == IncidentStatus.OPEN, str(m.escalation), m.acknowledged_name)
        for m in major_rows.all()
    ]

    tk = Ticket
    created = and_(col(tk.created_at) >= start, col(tk.created_at) < end)
    ticket_row = (
        await session.exec(
            select(
                func.sum(case((created, 1), else_=0)),
                func.sum(case((and_(col(tk.resolved_at) >= start, col(tk.resolved_at) < end), 1), else_=0)),
                func.sum(case((and_(col(tk.status).in_(OPEN), col(tk.deadline_at) < end), 1), else_=0)),
                func.sum(case((and_(created, col(tk.urgency) == Urgency.VIP), 1), else_=0)),
            ).where(tk.site_id == site_id, tk.created_at < end)
        )
    ).one()
    sat_rows = await session.exec(
        select(Callback.satisfaction, func.count())
        .where(
            Callback.site_id == site_id,
            Callback.state == CallbackState.DONE,
            col(Callback.done_at) >= start,
            col(Callback.done_at) < end,
        )
        .group_by(Callback.satisfaction)
    )
    satisfaction: dict[str, int] = {}
    for rating, n in sat_rows.all():
        satisfaction[str(rating) if rating is not None else "none"] = int(n)

    loan = KeyLoan
    key_row = (
        await session.exec(
            select(func.count(), func.sum(case((col(loan.due_at) < end, 1), else_=0))).where(
                loan.site_id == site_id, loan.status == LoanStatus.OUT
            )
        )
    ).one()

    rnd = PatrolRound
    late = and_(col(rnd.late_at).is_not(None), col(rnd.status) != RoundStatus.MISSED)
    round_row = (
        await session.exec(
            select(
                func.sum(case((and_(col(rnd.status) == RoundStatus.DONE, col(rnd.late_at).is_(None)), 1), else_=0)),
                func.sum(case((late, 1), else_=0)),
                func.sum(case((col(rnd.status) == RoundStatus.MISSED, 1), else_=0)),
                func.count(),
            ).where(rnd.site_id == site_id, rnd.due_at >= start, rnd.due_at < end)
        )
    ).one()
    done, late_n, missed, due = (int(v or 0) for v in round_row)

    hand_rows = await session.exec(
        select(Handover.shift_code, Handover.status, Handover.incoming_name)
        .where(Handover.site_id == site_id, Handover.handed_at >= start, Handover.handed_at < end)
        .order_by(col(Handover.handed_at))
    )
    return Figures(
        opened=opened,
        closed=closed,
        majors=major_list,
        tickets_opened=int(ticket_row[0] or 0),
        tickets_resolved=int(ticket_row[1] or 0),
        tickets_overdue=int(ticket_row[2] or 0),
        tickets_vip=int(ticket_row[3] or 0),
        callbacks_done=sum(satisfaction.values()),
        satisfaction=satisfaction,
        keys_out=int(key_row[0] or 0),
        keys_overdue=int(key_row[1] or 0),
        rounds_done=done,
        rounds_late=late_n,
        rounds_missed=missed,
        rounds_open=due - done - late_n - missed,
        handovers=[(str(code or ""), str(status), name) for code, status, name in hand_rows.all()],
    )


async def previous_digest(session: AsyncSession, *, kind: str, site_id: int, before: int) -> int | None:
    """The ref of the site's last digest timer before ``before`` (a moment ref: its window's start)."""
    rows = await session.exec(
        select(func.max(Timer.ref_id)).where(Timer.kind == kind, Timer.site_id == site_id, Timer.ref_id < before)
    )
    found = rows.one()
    return int(found) if found is not None else None
