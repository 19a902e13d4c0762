"""Operator actions from the command line (``dutydesk staff add``), kept free of any transport."""

from __future__ import annotations

from handlers.context import ROLES
from storage.db import Database
from storage.repos import sites


class AdminError(Exception):
    """A refusal with the reason an operator needs to fix the call."""


async def add_staff(db: Database, *, telegram_id: int, role: str, site_code: str | None) -> tuple[str, str]:
    """Give a person a role at a site; the site may be omitted while there is only one.
    Returns (site name, role) for the confirmation."""
    if role not in ROLES:
        raise AdminError(f"role must be one of {', '.join(ROLES)}")
    async with db.session() as session:
        if site_code:
            site = await sites.by_code(session, code=site_code)
            if site is None:
                raise AdminError(f"no site with code {site_code!r}")
        else:
            every = await sites.all_sites(session)
            if not every:
                raise AdminError("no site yet: send /setup CODE Name in the duty group first")
            if len(every) > 1:
                raise AdminError("several sites exist; name one with --site " + "/".join(s.code for s in every))
            site = every[0]
        await sites.set_role(session, telegram_id=telegram_id, site_id=site.id or 0, role=role, added_by=None)
        return site.name, role
