"""Sites, people and their roles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, bindparam
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.codes import Register, Role, role_or_none
from storage.models import Member, Person, RegisterCounter, Site, table_of

# Statements on the path of every update are built once (construction costs as much as running them).
_SITES = table_of(Site)
_SNAPSHOTS: dict[int, tuple[tuple[str, ...], Site]] = {}
_MEMBERS = table_of(Member)
_SITE_AND_ROLE = (
    core_select(_SITES, _MEMBERS.c.role)
    .outerjoin(_MEMBERS, and_(_MEMBERS.c.site_id == _SITES.c.id, _MEMBERS.c.telegram_id == bindparam("user")))
    .where(_SITES.c.duty_chat_id == bindparam("chat"))
)


def _take_number() -> dict[str, Any]:
    """Per dialect: one INSERT … ON CONFLICT DO UPDATE … RETURNING that creates a register's counter
    at 2 (handing out 1) or bumps it, atomically (SQLite ≥ 3.35 and PostgreSQL; safe across processes)."""
    table = table_of(RegisterCounter)
    out: dict[str, Any] = {}
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert)):
        stmt = insert(table).values(site_id=bindparam("site"), register=bindparam("register"), next_number=2)
        out[name] = stmt.on_conflict_do_update(
            index_elements=["site_id", "register"], set_={"next_number": table.c.next_number + 1}
        ).returning(table.c.next_number)
    return out


_NEXT_NUMBER = _take_number()


async def site_and_role(session: AsyncSession, *, chat_id: int, telegram_id: int) -> tuple[Site | None, Role | None]:
    """The site whose duty group this chat is, and the sender's role there, in one Core query.
    The site is a detached, read-only snapshot, reused while its row is unchanged but for its
    values (building one costs as much as the query); load the site with :func:`get` to change it."""
    connection = await session.connection()
    row = (await connection.execute(_SITE_AND_ROLE, {"chat": chat_id, "user": telegram_id})).first()
    if row is None:
        return None, None
    *site_values, role = tuple(row)
    # The JSON policy is a dict: compare by value. The record counters live in their own table
    # (register_counter), so taking a number leaves the snapshot valid.
    key = tuple(repr(v) for v in site_values)
    cached = _SNAPSHOTS.get(chat_id)
    if cached is None or cached[0] != key:
        values = row._asdict()
        values.pop("role")
        cached = (key, Site(**values))
        if len(_SNAPSHOTS) > 10_000:
            _SNAPSHOTS.clear()
        _SNAPSHOTS[chat_id] = cached
    return cached[1], role_or_none(role)


async def by_code(session: AsyncSession, *, code: str) -> Site | None:
    return (await session.exec(select(Site).where(col(Site.code) == code.upper()))).first()


async def get(session: AsyncSession, *, site_id: int) -> Site | None:
    return await session.get(Site, site_id)


async def all_sites(session: AsyncSession) -> Sequence[Site]:
    return (await session.exec(select(Site).order_by(col(Site.id)))).all()


async def create(session: AsyncSession, *, code: str, name: str, language: str, timezone: str) -> Site:
    site = Site(code=code.upper(), name=name, language=language, timezone=timezone)
    session.add(site)
    await session.flush()
    return site


async def next_number(session: AsyncSession, *, site_id: int, register: Register) -> int:
    """Take the next number of one register at a site (#N, TN, ON, RN), atomically: one upsert."""
    connection = await session.connection()
    statement = _NEXT_NUMBER[connection.dialect.name]
    row = await connection.execute(statement, {"site": site_id, "register": str(register)})
    return int(row.scalar_one()) - 1


async def touch_person(
    session: AsyncSession,
    *,
    telegram_id: int,
    name: str,
    username: str | None,
    language: str | None,
    private: bool,
) -> None:
    """Remember a person's name; ``reachable`` once they have written to the bot in private.
    An upsert, so two messages from a new person at once cannot collide."""
    connection = await session.connection()
    statement = _PERSON_UPSERT_PRIVATE if private else _PERSON_UPSERT
    values = {
        "telegram_id": telegram_id,
        "name": name,
        "username": username,
        "language": language,
        "reachable": private,
        "created_at": utcnow(),
    }
    await connection.execute(statement[connection.dialect.name], values)


def _person_upsert(private: bool) -> dict[str, Any]:
    table = table_of(Person)
    out: dict[str, Any] = {}
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert)):
        stmt = insert(table)
        update_values = {
            "name": stmt.excluded.name,
            "username": stmt.excluded.username,
            "language": stmt.excluded.language,
        }
        if private:
            update_values["reachable"] = stmt.excluded.reachable
        out[name] = stmt.on_conflict_do_update(index_elements=["telegram_id"], set_=update_values)
    return out


_PERSON_UPSERT = _person_upsert(private=False)
_PERSON_UPSERT_PRIVATE = _person_upsert(private=True)


async def person(session: AsyncSession, *, telegram_id: int) -> Person | None:
    return await session.get(Person, telegram_id)


async def people(session: AsyncSession, *, ids: Iterable[int]) -> dict[int, Person]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.exec(select(Person).where(col(Person.telegram_id).in_(wanted)))
    return {p.telegram_id: p for p in rows.all()}


async def by_username(session: AsyncSession, *, username: str) -> Person | None:
    rows = await session.exec(select(Person).where(col(Person.username).ilike(username)))
    return rows.first()


async def roles_of(session: AsyncSession, *, telegram_id: int) -> dict[int, Role]:
    """site_id → role of one person."""
    rows = (await session.exec(select(Member).where(Member.telegram_id == telegram_id))).all()
    return {row.site_id: row.role for row in rows}


async def set_role(
    session: AsyncSession, *, telegram_id: int, site_id: int, role: Role, added_by: int | None
) -> Member:
    member = (
        await session.exec(select(Member).where(Member.telegram_id == telegram_id, Member.site_id == site_id))
    ).first()
    if member is None:
        member = Member(telegram_id=telegram_id, site_id=site_id, role=role, added_by=added_by)
    else:
        member.role, member.added_by = role, added_by
    session.add(member)
    await session.flush()
    return member


async def members(session: AsyncSession, *, site_id: int, roles: Sequence[str]) -> Sequence[Member]:
    result = await session.exec(
        select(Member).where(Member.site_id == site_id, col(Member.role).in_(list(roles))).order_by(col(Member.id))
    )
    return result.all()


_HIGHEST_FIRST = {role: -role.rank for role in Role}  # a role this version does not know (0) comes last


async def staff_of(session: AsyncSession, *, site_id: int) -> list[tuple[Member, Person | None]]:
    """The members of a site with what is known of each person, highest role first."""
    rows = (
        await session.exec(
            select(Member, Person)
            .join(Person, col(Person.telegram_id) == col(Member.telegram_id), isouter=True)
            .where(Member.site_id == site_id)
            .order_by(col(Member.id))
        )
    ).all()
    return sorted(((member, person) for member, person in rows), key=lambda row: _HIGHEST_FIRST.get(row[0].role, 0))


async def remove_member(session: AsyncSession, *, member: Member) -> None:
    await session.delete(member)
    await session.flush()
