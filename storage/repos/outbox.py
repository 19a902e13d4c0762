"""The outbox: messages to other chats, written with the change that caused them, sent once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.models import Outbox, table_of
from storage.models.plumbing import Method, OutboxState, Purpose
from storage.repos import claims

MAX_ATTEMPTS = 6
_TABLE = table_of(Outbox)
# A Core insert (the columns' defaults apply): building an Outbox object and flushing it through the
# unit of work cost ~0.3 ms per reply, a tenth of handling a /log (bench/bench_log.py).
_INSERT = insert(_TABLE)
_SENT = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("sent_id"))
    .values(
        state=OutboxState.SENT, sent_at=bindparam("sent_at"), message_id=bindparam("sent_message_id"), last_error=None
    )
)


class Columns(TypedDict, total=False):
    """The columns of :func:`enqueue` a caller may pass through unchanged (handlers.core.notices
    splits a long text into rows that share them)."""

    ref_kind: str | None
    ref_id: int | None
    priority: int
    site_id: int | None
    purpose: Purpose | None
    edit_message_id: int | None
    callback_id: str | None
    alert: bool
    update_id: int | None
    state: OutboxState


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    text: str,
    buttons: list[list[dict[str, str]]] | None = None,
    ref_kind: str | None = None,
    ref_id: int | None = None,
    priority: int = 5,
    site_id: int | None = None,
    purpose: Purpose | None = None,
    method: Method = "send",
    reply_to: int | None = None,
    edit_message_id: int | None = None,
    callback_id: str | None = None,
    alert: bool = False,
    update_id: int | None = None,
    photo_file_id: str | None = None,
    state: OutboxState = OutboxState.PENDING,
) -> None:
    """Queue one message in the caller's transaction (sent by the delivery after commit); in state
    ``held`` it waits until :func:`release_held` lets it go."""
    connection = await session.connection()
    await connection.execute(
        _INSERT,
        {
            "chat_id": chat_id,
            "text": text,
            "photo_file_id": photo_file_id,
            "buttons": buttons or [],
            "ref_kind": ref_kind,
            "ref_id": ref_id,
            "priority": priority,
            "site_id": site_id,
            "purpose": purpose,
            "method": method,
            "reply_to": reply_to,
            "edit_message_id": edit_message_id,
            "callback_id": callback_id,
            "alert": alert,
            "update_id": update_id,
            "state": state,
        },
    )


async def claim(session: AsyncSession, *, now: datetime, token: str, limit: int = 30) -> Sequence[Outbox]:
    """Due rows, most urgent first (then oldest), for this process to send."""
    return await claims.claim_due(
        session,
        Outbox,
        due_column=Outbox.next_try_at,
        now=now,
        token=token,
        limit=limit,
        from_state=OutboxState.PENDING,
        to_state=OutboxState.SENDING,
        extra_values={"claimed_at": now},
        order_by=(Outbox.priority,),
    )


async def mark_sent_many(session: AsyncSession, *, sent: Sequence[tuple[int, int | None]], at: datetime) -> None:
    """Mark a batch of (row id, message id) sent, in one statement executed for all of them."""
    if not sent:
        return
    connection = await session.connection()
    await connection.execute(
        _SENT, [{"sent_id": row_id, "sent_message_id": message_id, "sent_at": at} for row_id, message_id in sent]
    )


async def mark_failed(session: AsyncSession, *, row: Outbox, error: str, permanent: bool) -> None:
    """A failed send is tried again later with a growing pause, up to MAX_ATTEMPTS."""
    attempts = row.attempts + 1
    final = permanent or attempts >= MAX_ATTEMPTS
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id) == row.id)
        .values(
            state=OutboxState.FAILED if final else OutboxState.PENDING,
            attempts=attempts,
            last_error=error[:500],
            claimed_by=None,
            next_try_at=utcnow() + timedelta(seconds=min(600, 5 * 2**attempts)),
        )
    )


async def unsent(session: AsyncSession, *, update_id: int, purpose: Purpose) -> list[OutboxState]:
    """The states of an update's rows of one purpose that are not sent (pending, sending, failed)."""
    result = await session.exec(  # type: ignore[call-overload]
        select(_TABLE.c.state).where(
            _TABLE.c.update_id == update_id, _TABLE.c.purpose == purpose, _TABLE.c.state != OutboxState.SENT
        )
    )
    return list(result.scalars().all())


async def in_flight(session: AsyncSession, *, chat_id: int, since: datetime) -> bool:
    """Whether a message to this chat that shows a record is being sent (claimed after ``since``, so
    not a dead process's row): its link is not written yet."""
    result = await session.exec(  # type: ignore[call-overload]
        select(_TABLE.c.id)
        .where(
            _TABLE.c.chat_id == chat_id,
            _TABLE.c.state == OutboxState.SENDING,
            _TABLE.c.ref_kind.is_not(None),
            _TABLE.c.claimed_at > since,
        )
        .limit(1)
    )
    return result.first() is not None


async def first_of(session: AsyncSession, *, update_id: int, purpose: Purpose) -> Outbox | None:
    """The first row an update queued for one purpose."""
    result = await session.exec(  # type: ignore[call-overload]
        select(Outbox)
        .where(col(Outbox.update_id) == update_id, col(Outbox.purpose) == purpose)
        .order_by(col(Outbox.id))
        .limit(1)
    )
    return result.scalars().first()


async def last_message(
    session: AsyncSession, *, chat_id: int, ref_kind: str, ref_id: int, purpose: Purpose
) -> int | None:
    """The message id of the newest sent row of one purpose that shows a record in a chat (a
    ticket's latest card, to edit its status line)."""
    result = await session.exec(  # type: ignore[call-overload]
        select(_TABLE.c.message_id)
        .where(
            _TABLE.c.chat_id == chat_id,
            _TABLE.c.ref_kind == ref_kind,
            _TABLE.c.ref_id == ref_id,
            _TABLE.c.purpose == purpose,
            _TABLE.c.message_id.is_not(None),
        )
        .order_by(_TABLE.c.id.desc())
        .limit(1)
    )
    return result.scalars().first()  # type: ignore[no-any-return]


async def release_held(session: AsyncSession, *, update_id: int, text: str | None = None) -> int:
    """Let an update's held rows go now (with ``text`` instead of theirs, when given)."""
    values: dict[str, object] = {"state": OutboxState.PENDING, "next_try_at": utcnow()}
    if text is not None:
        values["text"] = text
    result = await session.exec(  # type: ignore[call-overload]
        update(Outbox).where(col(Outbox.update_id) == update_id, col(Outbox.state) == OutboxState.HELD).values(**values)
    )
    return int(result.rowcount or 0)


async def postpone_chat(
    session: AsyncSession, *, chat_id: int, until: datetime, row_id: int, priority: int = 0
) -> None:
    """The chat must wait (its limit, or a 429): give the row back, and move every other waiting row
    of the chat of ``priority`` or lower (a higher number) to the same time, so that they still go out
    in order. More urgent rows are left alone: they may have room the row had not (the group's slots
    kept from residents' relays), and when they have none they are put back when they are tried."""
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id) == row_id)
        .values(state=OutboxState.PENDING, claimed_by=None, next_try_at=until)
    )
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(
            col(Outbox.chat_id) == chat_id,
            col(Outbox.state) == OutboxState.PENDING,
            col(Outbox.next_try_at) < until,
            col(Outbox.priority) >= priority,
        )
        .values(next_try_at=until)
    )


async def release_stale(session: AsyncSession, *, older_than: datetime) -> int:
    """Rows left in ``sending`` by a process that died are sent again (at least once after a crash):
    at once when its death is known (storage.liveness), else once claimed before ``older_than``."""
    return await claims.release_stale(
        session,
        Outbox,
        claimed=OutboxState.SENDING,
        claimed_at=Outbox.claimed_at,
        older_than=older_than,
        to_state=OutboxState.PENDING,
    )


async def problems(session: AsyncSession, *, now: datetime, everything: bool, limit: int) -> Sequence[Outbox]:
    """Failed rows, rows that failed and wait for another try, rows claimed long ago (a process
    died); with ``everything`` also those simply waiting their turn. Oldest first."""
    from sqlmodel import or_, select

    query = select(Outbox).where(col(Outbox.state) != OutboxState.SENT)
    if not everything:
        query = query.where(
            or_(
                col(Outbox.state) == OutboxState.FAILED,
                col(Outbox.attempts) > 0,
                (col(Outbox.state) == OutboxState.SENDING) & (col(Outbox.claimed_at) < now - timedelta(minutes=2)),
                (col(Outbox.state) == OutboxState.PENDING) & (col(Outbox.next_try_at) < now - timedelta(minutes=2)),
            )
        )
    result = await session.exec(query.order_by(col(Outbox.id)).limit(limit))
    return result.all()


async def retry(session: AsyncSession, *, row_id: int | None) -> int:
    """Send a failed row (or every failed row) again, from a fresh count of attempts."""
    condition = col(Outbox.state) == OutboxState.FAILED if row_id is None else col(Outbox.id) == row_id
    result = await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(condition, col(Outbox.state) != OutboxState.SENT)
        .values(state=OutboxState.PENDING, attempts=0, claimed_by=None, next_try_at=utcnow())
    )
    return int(result.rowcount or 0)
