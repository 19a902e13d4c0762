"""Residents' tickets: the ticket, its conversation, its callbacks and the resident's profile."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from sqlalchemy import Row, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.models import Callback, Resident, Ticket, TicketMessage, table_of
from storage.models.tickets import OPEN, WAITING, CallbackState, Direction, TicketKind
from storage.repos import chunks


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


def all_tickets(session: AsyncSession) -> AsyncIterator[list[chunks.Record]]:
    """Every ticket, oldest first, in chunks of dicts."""
    return chunks.records(session, Ticket, "id")


def all_callbacks(session: AsyncSession) -> AsyncIterator[Sequence[Row[Callback, Ticket]]]:
    """Every callback with its ticket, oldest first, in chunks."""
    stmt = select(Callback, Ticket).join(Ticket, col(Ticket.id) == col(Callback.ticket_id)).order_by(col(Callback.id))
    return chunks.rows(session, stmt)


async def held_tickets(session: AsyncSession) -> Sequence[int]:
    """Tickets with held-back resident messages (the relay planner's safety net)."""
    result = await session.exec(select(TicketMessage.ticket_id).where(col(TicketMessage.held).is_(True)).distinct())
    return result.all()


_NEW_RESIDENT = {
    "sqlite": sqlite.insert(table_of(Resident)).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(table_of(Resident)).on_conflict_do_nothing(),
}
