"""What every feature's command-line operator actions share, free of any transport: the refusal
(:class:`AdminError`), the site a ``--site`` option names, a Telegram id's check, the import caps."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.policy import Policy
from handlers.core.uploads import Caps
from storage.db import Database
from storage.models import Site
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
