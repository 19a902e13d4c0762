"""Shifts and the roster: who is on which shift on which date."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import RosterEntry, Shift
from storage.repos import chunks


async def shifts_of(session: AsyncSession, *, site_id: int) -> Sequence[Shift]:
    return (await session.exec(select(Shift).where(Shift.site_id == site_id).order_by(col(Shift.start)))).all()


async def put_shift(session: AsyncSession, *, site_id: int, code: str, name: str, start: str, end: str) -> Shift:
    row = (await session.exec(select(Shift).where(Shift.site_id == site_id, Shift.code == code))).first()
    if row is None:
        row = Shift(site_id=site_id, code=code, name=name, start=start, end=end)
    else:
        row.name, row.start, row.end = name, start, end
    session.add(row)
    await session.flush()
    return row


async def replace_days(
    session: AsyncSession, *, site_id: int, entries: Iterable[tuple[date, str, int]], loaded_by: int | None
) -> int:
    """Replace the roster of every date the entries name with exactly these entries (one file is the
    whole truth for its dates); returns how many were stored."""
    unique = sorted(set(entries))
    days = sorted({day for day, _, _ in unique})
    if days:
        await session.exec(  # type: ignore[call-overload]
            delete(RosterEntry).where(col(RosterEntry.site_id) == site_id, col(RosterEntry.day).in_(days))
        )
    for day, code, telegram_id in unique:
        session.add(
            RosterEntry(site_id=site_id, day=day, shift_code=code, telegram_id=telegram_id, loaded_by=loaded_by)
        )
    await session.flush()
    return len(unique)


async def on_days(session: AsyncSession, *, site_id: int, days: Sequence[date]) -> dict[tuple[date, str], list[int]]:
    """(date, shift code) → rostered Telegram ids, in load order."""
    rows = await session.exec(
        select(RosterEntry)
        .where(RosterEntry.site_id == site_id, col(RosterEntry.day).in_(list(days)))
        .order_by(col(RosterEntry.id))
    )
    out: dict[tuple[date, str], list[int]] = {}
    for row in rows.all():
        out.setdefault((row.day, row.shift_code), []).append(row.telegram_id)
    return out


async def has_days_between(session: AsyncSession, *, site_id: int, first: date, last: date) -> bool:
    row = await session.exec(
        select(RosterEntry.id).where(RosterEntry.site_id == site_id, RosterEntry.day >= first, RosterEntry.day <= last)
    )
    return row.first() is not None


def all_entries(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[Sequence[RosterEntry]]:
    """The whole roster (or a site's days in ``window``), by site, date and shift, in chunks."""
    stmt = select(RosterEntry).order_by(col(RosterEntry.site_id), col(RosterEntry.day), col(RosterEntry.shift_code))
    if window:
        stmt = stmt.where(*window.days(col(RosterEntry.site_id), col(RosterEntry.day)))
    return chunks.scalars(session, stmt.order_by(col(RosterEntry.id)))


async def remove_shift(session: AsyncSession, *, site_id: int, code: str) -> bool:
    row = (await session.exec(select(Shift).where(Shift.site_id == site_id, Shift.code == code))).first()
    if row is None:
        return False
    await session.delete(row)
    return True
