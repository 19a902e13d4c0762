"""The key register and its loans. One active loan per key is the database's job (a partial unique
index), so two processes lending one key at once cannot both win."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Row, and_, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Key, KeyLoan, KeyWitness, table_of
from storage.models.keys import ACTIVE_LOAN, KeyKind, KeyStatus, LoanStatus, WitnessKind
from storage.repos import children, chunks, spans


class KeyValues(TypedDict):
    """One checked row of the register (``/key_add`` or an import)."""

    code: str
    label: str
    kind: KeyKind
    location: str | None
    copies: int


_LOANS = table_of(KeyLoan)
# A second active loan of one key hits uq_keyloan_active and inserts nothing (no error, no abort).
_LEND = {
    "sqlite": sqlite.insert(_LOANS).on_conflict_do_nothing().returning(_LOANS.c.id),
    "postgresql": postgresql.insert(_LOANS).on_conflict_do_nothing().returning(_LOANS.c.id),
}


async def by_code(session: AsyncSession, *, site_id: int, code: str) -> Key | None:
    result = await session.exec(
        select(Key).where(Key.site_id == site_id, func.lower(col(Key.code)) == code.strip().lower())
    )
    return result.first()


async def get(session: AsyncSession, *, key_id: int) -> Key | None:
    return await session.get(Key, key_id)


async def for_site(session: AsyncSession, *, site_id: int) -> Sequence[Key]:
    return (await session.exec(select(Key).where(Key.site_id == site_id).order_by(col(Key.code)))).all()


async def count_for_site(session: AsyncSession, *, site_id: int) -> int:
    result = await session.exec(select(func.count()).select_from(Key).where(Key.site_id == site_id))
    return int(result.one())


async def has_kind(session: AsyncSession, *, site_id: int, kind: KeyKind) -> bool:
    result = await session.exec(select(Key.id).where(Key.site_id == site_id, Key.kind == kind).limit(1))
    return result.first() is not None


async def sites_with_keys(session: AsyncSession) -> list[int]:
    return list((await session.exec(select(Key.site_id).distinct())).all())


async def upsert(session: AsyncSession, *, site_id: int, values: KeyValues) -> bool:
    """Add a key or update the one with that code (case-blind); True when it was new. A key
    re-registered is usable again (``KeyStatus.OK``)."""
    key = await by_code(session, site_id=site_id, code=values["code"])
    new = key is None
    if key is None:
        key = Key(site_id=site_id, **values)
    else:
        for name, value in values.items():
            setattr(key, name, value)
        key.status = KeyStatus.OK
    session.add(key)
    await session.flush()
    return new


async def lend(session: AsyncSession, loan: KeyLoan) -> KeyLoan | None:
    """Insert the loan unless the key has an active one; None when another loan holds the key."""
    values = {c.name: getattr(loan, c.name) for c in _LOANS.columns if c.name != "id"}
    connection = await session.connection()
    row = (await connection.execute(_LEND[connection.dialect.name], values)).first()
    if row is None:
        return None
    return await session.get(KeyLoan, int(row[0]))


async def loan(session: AsyncSession, *, loan_id: int, lock: bool = False) -> KeyLoan | None:
    """A loan; ``lock`` holds its row to the end of the transaction (PostgreSQL ``FOR UPDATE``), so
    two witnesses or approvers tapping at once see each other."""
    return await session.get(KeyLoan, loan_id, with_for_update=lock or None, populate_existing=lock)


async def active_loan(session: AsyncSession, *, key_id: int) -> KeyLoan | None:
    result = await session.exec(select(KeyLoan).where(KeyLoan.key_id == key_id, col(KeyLoan.status).in_(ACTIVE_LOAN)))
    return result.first()


async def last_loans(session: AsyncSession, *, key_id: int, limit: int = 5) -> Sequence[KeyLoan]:
    result = await session.exec(
        select(KeyLoan).where(KeyLoan.key_id == key_id).order_by(col(KeyLoan.id).desc()).limit(limit)
    )
    return result.all()


async def active_for_site(session: AsyncSession, *, site_id: int) -> list[tuple[KeyLoan, Key]]:
    """Loans pending or out at a site with their keys, earliest due first (pending ones last)."""
    result = await session.exec(
        select(KeyLoan, Key)
        .join(Key, col(Key.id) == col(KeyLoan.key_id))
        .where(KeyLoan.site_id == site_id, col(KeyLoan.status).in_(ACTIVE_LOAN))
        .order_by(col(KeyLoan.due_at).is_(None), col(KeyLoan.due_at), col(KeyLoan.id))
    )
    return [(row[0], row[1]) for row in result.all()]


async def moved_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> tuple[list[tuple[KeyLoan, Key]], list[tuple[KeyLoan, Key]]]:
    """(lent, returned) in [start, end): loans handed out, and loans returned, in that window."""
    base = select(KeyLoan, Key).join(Key, col(Key.id) == col(KeyLoan.key_id)).where(KeyLoan.site_id == site_id)
    lent = await session.exec(
        base.where(col(KeyLoan.out_at) >= start, col(KeyLoan.out_at) < end).order_by(col(KeyLoan.out_at))
    )
    back = await session.exec(
        base.where(col(KeyLoan.returned_at) >= start, col(KeyLoan.returned_at) < end).order_by(col(KeyLoan.returned_at))
    )
    return [(r[0], r[1]) for r in lent.all()], [(r[0], r[1]) for r in back.all()]


async def witnesses(session: AsyncSession, *, loan_ids: Sequence[int]) -> dict[int, list[KeyWitness]]:
    return await children.of(session, KeyWitness, KeyWitness.loan_id, loan_ids, order_by=KeyWitness.id)


async def add_witness(
    session: AsyncSession, *, loan_id: int, telegram_id: int, name: str, kind: WitnessKind, at: datetime
) -> None:
    session.add(KeyWitness(loan_id=loan_id, telegram_id=telegram_id, name=name, kind=kind, at=at))
    await session.flush()


def all_keys(session: AsyncSession) -> AsyncIterator[Sequence[Key]]:
    """Every key, by site and code, in chunks."""
    return chunks.scalars(session, select(Key).order_by(col(Key.site_id), col(Key.code)))


def all_loans(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[Sequence[Row[KeyLoan, Key]]]:
    """Every loan (or a site's handed out, or asked for, in ``window``) with its key, oldest first, in chunks."""
    stmt = select(KeyLoan, Key).join(Key, col(Key.id) == col(KeyLoan.key_id)).order_by(col(KeyLoan.id))
    if window:
        when = func.coalesce(col(KeyLoan.out_at), col(KeyLoan.requested_at))
        stmt = stmt.where(*window.times(col(KeyLoan.site_id), when))
    return chunks.rows(session, stmt)


async def holders(session: AsyncSession, *, key_ids: Sequence[int]) -> dict[int, str]:
    """Who has each of these keys out now (key id → borrower's name); keys in the cabinet are left out."""
    if not key_ids:
        return {}
    stmt = (
        select(KeyLoan.key_id, KeyLoan.borrower_name)
        .where(col(KeyLoan.key_id).in_(list(key_ids)), KeyLoan.status == LoanStatus.OUT)
        .order_by(col(KeyLoan.id))
    )
    return dict((await session.exec(stmt)).all())


# Monthly statistics (handlers.reports): aggregates computed by the database.


async def loan_figures_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime, as_of: datetime
) -> dict[str, int]:
    """Of the loans handed out in [start, end): ``lent``, ``returned``, ``overdue`` (returned after
    their due time, or still out past it at ``as_of``: the same-day rule, 001 L1041, L1335)."""
    t = _LOANS.c
    overdue = and_(
        t.due_at.is_not(None),
        or_(
            and_(t.returned_at.is_not(None), t.returned_at > t.due_at),
            and_(t.returned_at.is_(None), t.status == "out", t.due_at <= as_of),
        ),
    )
    stmt = sa_select(
        func.count().label("lent"),
        spans.count_if(t.returned_at.is_not(None)).label("returned"),
        spans.count_if(overdue).label("overdue"),
    ).where(t.site_id == site_id, t.out_at >= start, t.out_at < end)
    connection = await session.connection()
    row = (await connection.execute(stmt)).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


def loans_in_period(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> AsyncIterator[Sequence[Row[Any]]]:
    """A site's loans handed out in [start, end), oldest first, each with its key's code, label, kind."""
    t, k = _LOANS.c, table_of(Key).c
    stmt = (
        sa_select(*(chunks.raw_time(column) for column in _LOANS.c), k.code.label("key"), k.label, k.kind)
        .join(table_of(Key), k.id == t.key_id)
        .where(t.site_id == site_id, t.out_at >= start, t.out_at < end)
        .order_by(t.out_at, t.id)
    )
    return chunks.rows(session, stmt)
