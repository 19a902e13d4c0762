"""Handovers (交接班记录), standing orders (上级指令) and signed duty days."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DutyDay, Handover, StandingOrder
from storage.models.shifts import PENDING_HANDOVER, HandoverStatus
from storage.repos import chunks


async def add(session: AsyncSession, row: Handover) -> Handover:
    session.add(row)
    await session.flush()
    return row


async def get(session: AsyncSession, *, handover_id: int, lock: bool = False) -> Handover | None:
    """``lock``: the row stays locked until the transaction ends (PostgreSQL ``FOR UPDATE``), so two
    people pressing 接班 at once in two processes are served one after the other."""
    return await session.get(Handover, handover_id, with_for_update=lock or None)


async def pending(session: AsyncSession, *, site_id: int, lock: bool = False) -> Handover | None:
    """The site's handover waiting for a takeover or an override, if any (one at a time)."""
    stmt = (
        select(Handover)
        .where(Handover.site_id == site_id, col(Handover.status).in_(PENDING_HANDOVER))
        .order_by(col(Handover.id).desc())
    )
    rows = await session.exec(stmt.with_for_update() if lock else stmt)
    return rows.first()


async def last_taken(session: AsyncSession, *, site_id: int) -> Handover | None:
    rows = await session.exec(
        select(Handover)
        .where(Handover.site_id == site_id, Handover.status == HandoverStatus.TAKEN_OVER)
        .order_by(col(Handover.taken_at).desc(), col(Handover.id).desc())
    )
    return rows.first()


async def between(session: AsyncSession, *, site_id: int, start: datetime, end: datetime) -> Sequence[Handover]:
    rows = await session.exec(
        select(Handover)
        .where(Handover.site_id == site_id, Handover.handed_at >= start, Handover.handed_at < end)
        .order_by(col(Handover.handed_at))
    )
    return rows.all()


def all_handovers(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[Sequence[Handover]]:
    """Every handover (or a site's of a shift day in ``window``), by site, oldest first, in chunks."""
    stmt = select(Handover).order_by(col(Handover.site_id), col(Handover.id))
    if window:
        stmt = stmt.where(*window.days(col(Handover.site_id), col(Handover.shift_day)))
    return chunks.scalars(session, stmt)


async def add_order(session: AsyncSession, row: StandingOrder) -> StandingOrder:
    session.add(row)
    await session.flush()
    return row


async def order_by_number(session: AsyncSession, *, site_id: int, number: int) -> StandingOrder | None:
    rows = await session.exec(
        select(StandingOrder).where(StandingOrder.site_id == site_id, StandingOrder.number == number)
    )
    return rows.first()


async def active_orders(session: AsyncSession, *, site_id: int) -> Sequence[StandingOrder]:
    rows = await session.exec(
        select(StandingOrder)
        .where(StandingOrder.site_id == site_id, col(StandingOrder.done_at).is_(None))
        .order_by(col(StandingOrder.number))
    )
    return rows.all()


async def orders_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> Sequence[StandingOrder]:
    rows = await session.exec(
        select(StandingOrder)
        .where(StandingOrder.site_id == site_id, StandingOrder.issued_at >= start, StandingOrder.issued_at < end)
        .order_by(col(StandingOrder.number))
    )
    return rows.all()


def all_orders(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[Sequence[StandingOrder]]:
    """Every standing order (or a site's issued in ``window``), by site and number, in chunks."""
    stmt = select(StandingOrder).order_by(col(StandingOrder.site_id), col(StandingOrder.number))
    if window:
        stmt = stmt.where(*window.times(col(StandingOrder.site_id), col(StandingOrder.issued_at)))
    return chunks.scalars(session, stmt)


async def duty_day(session: AsyncSession, *, site_id: int, day: date) -> DutyDay | None:
    rows = await session.exec(select(DutyDay).where(DutyDay.site_id == site_id, DutyDay.day == day))
    return rows.first()


async def put_duty_day(
    session: AsyncSession, *, site_id: int, day: date, counts: dict[str, int], at: datetime
) -> DutyDay:
    row = await duty_day(session, site_id=site_id, day=day)
    if row is None:
        row = DutyDay(site_id=site_id, day=day, compiled_at=at, counts=counts)
    else:
        row.counts, row.compiled_at = dict(counts), at
    session.add(row)
    await session.flush()
    return row


async def last_unsigned(session: AsyncSession, *, site_ids: Sequence[int]) -> DutyDay | None:
    rows = await session.exec(
        select(DutyDay)
        .where(col(DutyDay.site_id).in_(list(site_ids)), col(DutyDay.signed_at).is_(None))
        .order_by(col(DutyDay.day).desc())
    )
    return rows.first()


def all_duty_days(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[Sequence[DutyDay]]:
    """Every compiled duty day (or a site's in ``window``), by site and date, in chunks."""
    stmt = select(DutyDay).order_by(col(DutyDay.site_id), col(DutyDay.day))
    if window:
        stmt = stmt.where(*window.days(col(DutyDay.site_id), col(DutyDay.day)))
    return chunks.scalars(session, stmt)


async def for_shift(session: AsyncSession, *, site_id: int, code: str, day: date) -> Handover | None:
    """A handover of this shift on this date, in any state."""
    rows = await session.exec(
        select(Handover).where(Handover.site_id == site_id, Handover.shift_code == code, Handover.shift_day == day)
    )
    return rows.first()
