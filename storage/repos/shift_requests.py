"""Leave and swap requests (请假 / 调班), and the roster changes an approval makes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import RosterEntry, ShiftRequest
from storage.models.leave import ShiftRequestStatus
from storage.repos import chunks


async def add(session: AsyncSession, request: ShiftRequest) -> ShiftRequest:
    session.add(request)
    await session.flush()
    return request


async def get(session: AsyncSession, *, request_id: int) -> ShiftRequest | None:
    return await session.get(ShiftRequest, request_id)


async def by_number(session: AsyncSession, *, site_id: int, number: int) -> ShiftRequest | None:
    rows = await session.exec(
        select(ShiftRequest).where(ShiftRequest.site_id == site_id, ShiftRequest.number == number)
    )
    return rows.first()


async def pending(session: AsyncSession, *, site_id: int) -> Sequence[ShiftRequest]:
    rows = await session.exec(
        select(ShiftRequest)
        .where(ShiftRequest.site_id == site_id, ShiftRequest.status == ShiftRequestStatus.PENDING)
        .order_by(col(ShiftRequest.day), col(ShiftRequest.id))
    )
    return rows.all()


async def approved_on_days(session: AsyncSession, *, site_id: int, days: Sequence[date]) -> Sequence[ShiftRequest]:
    rows = await session.exec(
        select(ShiftRequest)
        .where(
            ShiftRequest.site_id == site_id,
            ShiftRequest.status == ShiftRequestStatus.APPROVED,
            col(ShiftRequest.day).in_(list(days)),
        )
        .order_by(col(ShiftRequest.id))
    )
    return rows.all()


async def decide(
    session: AsyncSession,
    request: ShiftRequest,
    *,
    status: ShiftRequestStatus,
    by: int,
    name: str,
    at: datetime,
    cover_id: int | None = None,
    cover_name: str | None = None,
    note: str | None = None,
) -> bool:
    """Decide a pending request, once: False when someone else decided it first (two supervisors
    tapping at once; the conditional UPDATE lets one of them win in any process)."""
    result = await session.exec(  # type: ignore[call-overload]
        update(ShiftRequest)
        .where(col(ShiftRequest.id) == request.id, col(ShiftRequest.status) == ShiftRequestStatus.PENDING)
        .values(
            status=status,
            decided_by=by,
            decided_name=name,
            decided_at=at,
            cover_id=cover_id,
            cover_name=cover_name,
            decision_note=note,
        )
    )
    if result.rowcount != 1:
        return False
    await session.refresh(request)
    return True


async def lapse(session: AsyncSession, request: ShiftRequest, *, at: datetime) -> bool:
    """A request still pending when its shift comes near lapses (once); False when decided."""
    result = await session.exec(  # type: ignore[call-overload]
        update(ShiftRequest)
        .where(col(ShiftRequest.id) == request.id, col(ShiftRequest.status) == ShiftRequestStatus.PENDING)
        .values(status=ShiftRequestStatus.LAPSED, decided_at=at)
    )
    if result.rowcount != 1:
        return False
    await session.refresh(request)
    return True


async def move_entries(
    session: AsyncSession, *, site_id: int, day: date, codes: Sequence[str], from_id: int, to_id: int, by: int
) -> None:
    """Give ``from_id``'s shifts ``codes`` on ``day`` to ``to_id`` in the roster."""
    if not codes:
        return
    await session.exec(  # type: ignore[call-overload]
        delete(RosterEntry).where(
            col(RosterEntry.site_id) == site_id,
            col(RosterEntry.day) == day,
            col(RosterEntry.shift_code).in_(list(codes)),
            col(RosterEntry.telegram_id).in_([from_id, to_id]),
        )
    )
    for code in dict.fromkeys(codes):
        session.add(RosterEntry(site_id=site_id, day=day, shift_code=code, telegram_id=to_id, loaded_by=by))
    await session.flush()


def all_requests(session: AsyncSession) -> AsyncIterator[Sequence[ShiftRequest]]:
    """Every leave and swap request, by site and number, in chunks."""
    stmt = select(ShiftRequest).order_by(col(ShiftRequest.site_id), col(ShiftRequest.number))
    return chunks.scalars(session, stmt)
