"""Staff from the command line (``dutydesk staff add|list|remove``), free of any transport; a
refusal is an :class:`~handlers.core.operator.AdminError` with the reason."""

from __future__ import annotations

from handlers.core.context import ROLES
from handlers.core.operator import AdminError, check_id, site_for_cli
from storage.codes import Role, role_or_none
from storage.db import Database
from storage.models import require_id
from storage.repos import sites


async def add_staff(db: Database, *, telegram_id: int, role: str, site_code: str | None) -> tuple[str, Role]:
    """Give a person a role at a site; the site may be omitted while there is only one.
    Returns (site name, role) for the confirmation."""
    check_id(telegram_id)
    chosen = role_or_none(role)
    if chosen is None:
        raise AdminError("cli.staff.bad_role", role=role, roles=", ".join(ROLES))
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        await sites.set_role(session, telegram_id=telegram_id, site_id=require_id(site), role=chosen, added_by=None)
        return site.name, chosen


async def list_staff(db: Database, *, site_code: str | None) -> list[tuple[str, int, Role, str, str | None]]:
    """(site code, telegram id, role, name, username) of every member, of one site or of all."""
    async with db.session() as session:
        chosen = [await site_for_cli(session, site_code)] if site_code else list(await sites.all_sites(session))
        out = []
        for site in chosen:
            for member, person in await sites.staff_of(session, site_id=require_id(site)):
                name = person.name if person else ""
                out.append((site.code, member.telegram_id, member.role, name, person.username if person else None))
        return out


async def remove_staff(db: Database, *, telegram_id: int, site_code: str | None) -> tuple[str, Role]:
    """Take a person's role at a site away (effective at once); returns (site name, the role they had)."""
    check_id(telegram_id)
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        found = [m for m, _ in await sites.staff_of(session, site_id=require_id(site)) if m.telegram_id == telegram_id]
        if not found:
            raise AdminError("cli.staff.no_role", id=telegram_id, site=site.code)
        await sites.remove_member(session, member=found[0])
        return site.name, found[0].role
