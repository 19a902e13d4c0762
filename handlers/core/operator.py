"""Operator actions from the command line (``dutydesk staff add|list|remove``), free of any transport."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.context import ROLES
from handlers.core.policy import Policy
from handlers.core.uploads import Caps
from storage.db import Database
from storage.models import Site, require_id
from storage.repos import sites


class AdminError(Exception):
    """A refusal with the reason an operator needs to fix the call."""


def check_id(telegram_id: int) -> None:
    """Telegram user ids are positive (group ids are negative; 0 is nobody)."""
    if telegram_id <= 0:
        raise AdminError(f"{telegram_id} is not a Telegram user id (user ids are positive numbers)")


async def site_for_cli(session: AsyncSession, site_code: str | None) -> Site:
    """The site named by code, or the only one while there is only one (every `--site` option)."""
    if site_code:
        site = await sites.by_code(session, code=site_code)
        if site is None:
            raise AdminError(f"no site with code {site_code!r}")
        return site
    every = await sites.all_sites(session)
    if not every:
        raise AdminError("no site yet: send /setup CODE Name in the duty group first")
    if len(every) > 1:
        raise AdminError("several sites exist; name one with --site " + "/".join(s.code for s in every))
    return every[0]


async def import_caps(db: Database, site_code: str | None) -> Caps:
    """The file-import caps of the site a command-line import names, read in a session of its own
    so the file is read outside any transaction, within the same caps as in the chat."""
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        return Caps.of(Policy.for_site(site.policy))


async def add_staff(db: Database, *, telegram_id: int, role: str, site_code: str | None) -> tuple[str, str]:
    """Give a person a role at a site; the site may be omitted while there is only one.
    Returns (site name, role) for the confirmation."""
    check_id(telegram_id)
    if role not in ROLES:
        raise AdminError(f"role must be one of {', '.join(ROLES)}")
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        await sites.set_role(session, telegram_id=telegram_id, site_id=require_id(site), role=role, added_by=None)
        return site.name, role


async def list_staff(db: Database, *, site_code: str | None) -> list[tuple[str, int, str, str, str | None]]:
    """(site code, telegram id, role, name, username) of every member, of one site or of all."""
    async with db.session() as session:
        chosen = [await site_for_cli(session, site_code)] if site_code else list(await sites.all_sites(session))
        out = []
        for site in chosen:
            for member, person in await sites.staff_of(session, site_id=require_id(site)):
                name = person.name if person else ""
                out.append((site.code, member.telegram_id, member.role, name, person.username if person else None))
        return out


async def remove_staff(db: Database, *, telegram_id: int, site_code: str | None) -> tuple[str, str]:
    """Take a person's role at a site away (effective at once); returns (site name, the role they had)."""
    check_id(telegram_id)
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        found = [m for m, _ in await sites.staff_of(session, site_id=require_id(site)) if m.telegram_id == telegram_id]
        if not found:
            raise AdminError(f"{telegram_id} has no role at {site.code}")
        await sites.remove_member(session, member=found[0])
        return site.name, found[0].role
