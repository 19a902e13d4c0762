"""Sites, people and their roles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, Person, Site


async def by_chat(session: AsyncSession, *, chat_id: int) -> Site | None:
    return (await session.exec(select(Site).where(Site.duty_chat_id == chat_id))).first()


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


async def next_number(session: AsyncSession, *, site_id: int) -> int:
    """Take the next #N of a site atomically (one UPDATE … RETURNING, safe across processes)."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Site)
        .where(col(Site.id) == site_id)
        .values(next_number=col(Site.next_number) + 1)
        .returning(col(Site.next_number))
    )
    return int(result.scalar_one()) - 1


async def touch_person(
    session: AsyncSession,
    *,
    telegram_id: int,
    name: str,
    username: str | None,
    language: str | None,
    private: bool,
) -> Person:
    """Remember a person's name; ``reachable`` once they have written to the bot in private."""
    person = await session.get(Person, telegram_id)
    if person is None:
        person = Person(telegram_id=telegram_id, name=name, username=username, language=language, reachable=private)
        session.add(person)
        return person
    if (person.name, person.username, person.language) != (name, username, language) or (
        private and not person.reachable
    ):
        person.name, person.username, person.language = name, username, language
        person.reachable = person.reachable or private
        session.add(person)
    return person


async def person(session: AsyncSession, *, telegram_id: int) -> Person | None:
    return await session.get(Person, telegram_id)


async def roles_of(session: AsyncSession, *, telegram_id: int) -> dict[int, str]:
    """site_id → role of one person."""
    rows = (await session.exec(select(Member).where(Member.telegram_id == telegram_id))).all()
    return {row.site_id: row.role for row in rows}


async def set_role(session: AsyncSession, *, telegram_id: int, site_id: int, role: str, added_by: int | None) -> Member:
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
