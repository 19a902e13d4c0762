"""Residents' tickets: the ticket, its conversation, its callbacks and the resident's profile."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.models import Callback, Resident, Ticket, TicketMessage, table_of
from storage.models.tickets import OPEN, WAITING, CallbackState, Direction, TicketKind
from storage.repos import chunks, spans

_TICKETS = table_of(Ticket)
_CALLBACKS = table_of(Callback)


async def add(session: AsyncSession, ticket: Ticket) -> Ticket:
    session.add(ticket)
    await session.flush()
    return ticket


async def get(session: AsyncSession, *, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def by_number(session: AsyncSession, *, site_id: int, number: int) -> Ticket | None:
    result = await session.exec(select(Ticket).where(Ticket.site_id == site_id, Ticket.number == number))
    return result.first()


async def open_of_resident(session: AsyncSession, *, resident_id: int) -> Ticket | None:
    """The resident's most recent open ticket (further messages join it)."""
    result = await session.exec(
        select(Ticket)
        .where(Ticket.resident_id == resident_id, col(Ticket.status).in_(OPEN))
        .order_by(col(Ticket.id).desc())
    )
    return result.first()


async def of_resident(session: AsyncSession, *, resident_id: int, limit: int = 20) -> Sequence[Ticket]:
    result = await session.exec(
        select(Ticket).where(Ticket.resident_id == resident_id).order_by(col(Ticket.id).desc()).limit(limit)
    )
    return result.all()


async def siteless_of_resident(session: AsyncSession, *, resident_id: int) -> Sequence[Ticket]:
    """Tickets written before the resident picked a site (several sites): they wait for it."""
    result = await session.exec(
        select(Ticket).where(Ticket.resident_id == resident_id, col(Ticket.site_id).is_(None)).order_by(col(Ticket.id))
    )
    return result.all()


async def open_for_site(session: AsyncSession, *, site_id: int, limit: int = 50) -> Sequence[Ticket]:
    result = await session.exec(
        select(Ticket)
        .where(Ticket.site_id == site_id, col(Ticket.status).in_(OPEN))
        .order_by(col(Ticket.deadline_at), col(Ticket.id))
        .limit(limit)
    )
    return result.all()


async def earlier_complaint(
    session: AsyncSession, *, resident_id: int, category: str, since: datetime, before_id: int
) -> Ticket | None:
    """The resident's earlier complaint of the same category since a time: a repeated complaint."""
    result = await session.exec(
        select(Ticket).where(
            Ticket.resident_id == resident_id,
            Ticket.kind == TicketKind.COMPLAINT,
            Ticket.category == category,
            col(Ticket.created_at) >= since,
            col(Ticket.id) < before_id,
        )
    )
    return result.first()


async def add_message(session: AsyncSession, message: TicketMessage) -> TicketMessage:
    session.add(message)
    await session.flush()
    return message


async def history(session: AsyncSession, *, ticket_id: int) -> Sequence[TicketMessage]:
    result = await session.exec(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket_id).order_by(col(TicketMessage.id))
    )
    return result.all()


async def told_since(session: AsyncSession, *, ticket_id: int, since: datetime) -> bool:
    """Whether the resident was sent anything about the ticket (an answer, a progress line) since ``since``."""
    result = await session.exec(
        select(TicketMessage.id).where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.direction == Direction.OUT,
            col(TicketMessage.created_at) >= since,
        )
    )
    return result.first() is not None


async def photos_since(session: AsyncSession, *, ticket_id: int, author_id: int, since: datetime) -> int:
    """How many photos the resident added to the ticket since ``since`` (their rate window)."""
    query = (
        select(func.count())
        .select_from(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.author_id == author_id,
            col(TicketMessage.photo_file_id).is_not(None),
            TicketMessage.created_at >= since,
        )
    )
    return int((await session.exec(query)).one())


async def held(session: AsyncSession, *, ticket_id: int) -> Sequence[TicketMessage]:
    result = await session.exec(
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket_id, col(TicketMessage.held).is_(True))
        .order_by(col(TicketMessage.id))
    )
    return result.all()


async def message_counts(session: AsyncSession, *, ticket_ids: Sequence[int]) -> dict[int, int]:
    """How many messages each of these tickets' conversations has (tickets without any are left out)."""
    if not ticket_ids:
        return {}
    rows = await session.exec(
        select(TicketMessage.ticket_id, func.count())  # type: ignore[call-overload]
        .where(col(TicketMessage.ticket_id).in_(list(ticket_ids)))
        .group_by(col(TicketMessage.ticket_id))
    )
    return {ticket_id: int(count) for ticket_id, count in rows.all()}


async def resident(session: AsyncSession, *, telegram_id: int) -> Resident:
    """The resident's profile, made on first use (an insert that ignores a concurrent twin)."""
    row = await session.get(Resident, telegram_id)
    if row is None:
        connection = await session.connection()
        values = {"telegram_id": telegram_id, "window_count": 0, "noticed": False, "updated_at": utcnow()}
        await connection.execute(_NEW_RESIDENT[connection.dialect.name], values)
        row = await session.get(Resident, telegram_id)
        assert row is not None
    return row


async def touch(session: AsyncSession, row: Resident) -> None:
    row.updated_at = utcnow()
    session.add(row)


async def add_callback(session: AsyncSession, callback: Callback) -> Callback:
    session.add(callback)
    await session.flush()
    return callback


async def get_callback(session: AsyncSession, *, callback_id: int) -> Callback | None:
    return await session.get(Callback, callback_id)


async def pending_callback(session: AsyncSession, *, ticket_id: int) -> Callback | None:
    result = await session.exec(
        select(Callback)
        .where(Callback.ticket_id == ticket_id, col(Callback.state).in_(WAITING))
        .order_by(col(Callback.id))
    )
    return result.first()


async def callbacks_of(session: AsyncSession, *, ticket_id: int) -> Sequence[Callback]:
    result = await session.exec(select(Callback).where(Callback.ticket_id == ticket_id).order_by(col(Callback.id)))
    return result.all()


async def open_callbacks(session: AsyncSession, *, site_id: int) -> Sequence[tuple[Callback, Ticket]]:
    result = await session.exec(
        select(Callback, Ticket)
        .join(Ticket, col(Ticket.id) == col(Callback.ticket_id))
        .where(Callback.site_id == site_id, col(Callback.state).in_(WAITING))
        .order_by(col(Callback.due_at))
    )
    return result.all()


async def callbacks_made_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> Sequence[tuple[Callback, Ticket]]:
    """The callbacks made (done) in a period with their tickets, oldest first: the callback record
    the supervisor reviews weekly (003 L63 §4.4)."""
    result = await session.exec(
        select(Callback, Ticket)
        .join(Ticket, col(Ticket.id) == col(Callback.ticket_id))
        .where(
            Callback.site_id == site_id,
            Callback.state == CallbackState.DONE,
            col(Callback.done_at) >= start,
            col(Callback.done_at) < end,
        )
        .order_by(col(Callback.done_at), col(Callback.id))
    )
    return result.all()


def all_tickets(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[list[chunks.Record]]:
    """Every ticket (or a site's received in ``window``), oldest first, in chunks of dicts."""
    where = window.times(_TICKETS.c.site_id, _TICKETS.c.created_at) if window else ()
    return chunks.records(session, Ticket, "id", where=where)


def all_callbacks(
    session: AsyncSession, window: chunks.Window | None = None
) -> AsyncIterator[Sequence[Row[Callback, Ticket]]]:
    """Every callback (or a site's due in ``window``) with its ticket, oldest first, in chunks."""
    stmt = select(Callback, Ticket).join(Ticket, col(Ticket.id) == col(Callback.ticket_id)).order_by(col(Callback.id))
    if window:
        stmt = stmt.where(*window.times(col(Callback.site_id), col(Callback.due_at)))
    return chunks.rows(session, stmt)


async def held_tickets(session: AsyncSession) -> Sequence[int]:
    """Tickets with held-back resident messages (the relay planner's safety net)."""
    result = await session.exec(select(TicketMessage.ticket_id).where(col(TicketMessage.held).is_(True)).distinct())
    return result.all()


_NEW_RESIDENT = {
    "sqlite": sqlite.insert(table_of(Resident)).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(table_of(Resident)).on_conflict_do_nothing(),
}


# Monthly statistics (handlers.reports): aggregates computed by the database. A ticket counts in
# the period it was received (created_at); "done" is resolved or closed (a reopened one is not).

DONE = ("resolved", "closed")


def _period(t: Any, site_id: int, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [t.site_id == site_id, t.created_at >= start, t.created_at < end]


def _timed(t: Any, as_of: datetime) -> ColumnElement[bool]:
    """A ticket whose timeliness is decided: it has a deadline and is done, or the deadline passed."""
    return and_(t.deadline_at.is_not(None), or_(t.status.in_(DONE), t.deadline_at <= as_of))


def _on_time(t: Any) -> ColumnElement[bool]:
    return and_(t.deadline_at.is_not(None), t.status.in_(DONE), t.resolved_at <= t.deadline_at)


async def figures_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime, as_of: datetime
) -> dict[str, int]:
    """Counts of the tickets received in [start, end): ``received``, ``done``, ``complaints``,
    ``complaints_valid`` (done, never reopened, not rated unsatisfied), ``timed`` (deadline decided
    by ``as_of``), ``on_time`` (done by the deadline), and ``complaint``/``repair``/``inquiry``."""
    t = _TICKETS.c
    valid = and_(
        t.kind == "complaint",
        t.status.in_(DONE),
        t.reopened == 0,
        func.coalesce(t.satisfaction, "") != "unsatisfied",
    )
    stmt = sa_select(
        func.count().label("received"),
        spans.count_if(t.status.in_(DONE)).label("done"),
        spans.count_if(t.kind == "complaint").label("complaints"),
        spans.count_if(valid).label("complaints_valid"),
        spans.count_if(_timed(t, as_of)).label("timed"),
        spans.count_if(_on_time(t)).label("on_time"),
        spans.count_if(t.kind == "complaint").label("complaint"),
        spans.count_if(t.kind == "repair").label("repair"),
        spans.count_if(t.kind == "inquiry").label("inquiry"),
    ).where(*_period(t, site_id, start, end))
    connection = await session.connection()
    row = (await connection.execute(stmt)).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


async def weekly_between(
    session: AsyncSession, *, site_id: int, bounds: Sequence[datetime], as_of: datetime
) -> list[tuple[int, int, int]]:
    """(received, timed, on_time) for each period between consecutive ``bounds`` (the weeks of a
    month), in one query."""
    t = _TICKETS.c
    if len(bounds) < 2:
        return []
    bucket = case(*((t.created_at < edge, k) for k, edge in enumerate(bounds[1:-1])), else_=len(bounds) - 2)
    stmt = (
        sa_select(bucket, func.count(), spans.count_if(_timed(t, as_of)), spans.count_if(_on_time(t)))
        .where(*_period(t, site_id, bounds[0], bounds[-1]))
        .group_by(bucket)
    )
    connection = await session.connection()
    found = {int(k): (int(n), int(timed), int(ok)) for k, n, timed, ok in (await connection.execute(stmt)).all()}
    return [found.get(k, (0, 0, 0)) for k in range(len(bounds) - 1)]


async def median_resolve_seconds(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> float | None:
    """Median time from receiving to resolving of the tickets received in [start, end) and done."""
    t = _TICKETS.c
    connection = await session.connection()
    span = spans.seconds_between(connection.dialect.name, t.created_at, t.resolved_at)
    values = sa_select(span).where(*_period(t, site_id, start, end), t.status.in_(DONE), t.resolved_at.is_not(None))
    return await spans.median(connection, values)


async def callback_figures_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> tuple[int, int, dict[str, int]]:
    """(callbacks asked in [start, end) and not voided, of those done, satisfaction → count of the
    callbacks done in [start, end))."""
    c = _CALLBACKS.c
    asked = sa_select(func.count(), spans.count_if(c.state == "done")).where(
        c.site_id == site_id, c.created_at >= start, c.created_at < end, c.state != "void"
    )
    mix = (
        sa_select(c.satisfaction, func.count())
        .where(c.site_id == site_id, c.state == "done", c.done_at >= start, c.done_at < end)
        .group_by(c.satisfaction)
    )
    connection = await session.connection()
    due, done = (await connection.execute(asked)).one()
    ratings = {str(rating or ""): int(n) for rating, n in (await connection.execute(mix)).all()}
    return int(due), int(done or 0), ratings


def tickets_in_period(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> AsyncIterator[list[chunks.Record]]:
    """A site's tickets received in [start, end), by number, in chunks of dicts (times raw)."""
    return chunks.records(session, Ticket, "number", where=_period(_TICKETS.c, site_id, start, end))


def callbacks_in_period(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> AsyncIterator[Sequence[Row[Any]]]:
    """A site's callbacks started in [start, end), oldest first, each with its ticket's number."""
    c = _CALLBACKS.c
    stmt = (
        sa_select(*(chunks.raw_time(column) for column in _CALLBACKS.c), _TICKETS.c.number.label("ticket"))
        .join(_TICKETS, _TICKETS.c.id == c.ticket_id)
        .where(c.site_id == site_id, c.created_at >= start, c.created_at < end)
        .order_by(c.id)
    )
    return chunks.rows(session, stmt)
