"""What every feature's command-line operator actions share, free of any transport: the refusal
(:class:`AdminError`), the site a ``--site`` option names, a Telegram id's check, the import caps."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from handlers.core.policy import Policy
from handlers.core.uploads import Caps
from storage.db import Database
from storage.models import Site
from storage.repos import sites


class AdminError(Exception):
    """A refusal with the reason an operator needs to fix the call. ``key`` and ``params`` make the
    message in the operator's language (``text(t)``; a param that is itself a refusal is said in the
    same language); ``str()`` is the English one. A key missing from the catalogues is shown as it is."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        return self.text(Translator("en"))

    def text(self, t: Translator) -> str:
        return t(self.key, **{name: said(value, t) for name, value in self.params.items()})


def said(value: object, t: Translator) -> object:
    """``value`` in ``t``'s language when it can say itself (an AdminError, a TableError), else as it is."""
    text = getattr(value, "text", None)
    return text(t) if callable(text) else value


def check_id(telegram_id: int) -> None:
    """Telegram user ids are positive (group ids are negative; 0 is nobody)."""
    if telegram_id <= 0:
        raise AdminError("cli.not_user_id", id=telegram_id)


async def site_for_cli(session: AsyncSession, site_code: str | None) -> Site:
    """The site named by code, or the only one while there is only one (every `--site` option)."""
    if site_code:
        site = await sites.by_code(session, code=site_code)
        if site is None:
            codes = "/".join(s.code for s in await sites.all_sites(session)) or "-"
            raise AdminError("cli.no_such_site", code=site_code, codes=codes)
        return site
    every = await sites.all_sites(session)
    if not every:
        raise AdminError("cli.no_site")
    if len(every) > 1:
        raise AdminError("cli.several_sites", codes="/".join(s.code for s in every))
    return every[0]


async def import_caps(db: Database, site_code: str | None) -> Caps:
    """The file-import caps of the site a command-line import names, read in a session of its own
    so the file is read outside any transaction, within the same caps as in the chat."""
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        return Caps.of(Policy.for_site(site.policy))
