"""The key import for the command line (``dutydesk keys import``), kept free of any transport."""

from __future__ import annotations

from handlers.core.i18n import Translator
from handlers.core.operator import AdminError, import_caps, site_for_cli
from handlers.core.uploads import TableError, read_table
from handlers.keys.register import load
from storage.db import Database
from storage.models import require_id
from storage.repos import keys


async def import_file(db: Database, data: bytes, filename: str, site_code: str | None, t: Translator) -> str:
    """Load the file into a site's register; returns the confirmation line, in ``t``'s language.
    Raises AdminError with every bad row (by line) when any row is bad, and then nothing is written."""
    try:
        rows = read_table(data, filename, await import_caps(db, site_code))
    except TableError as exc:
        raise AdminError("cli.file_refused", name=filename, why=exc) from exc
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        problems = await load(session, site, rows)
        if problems:
            detail = "; ".join(t("cli.bad_line", line=line, what=t(f"keys.bad.{what}")) for line, what in problems[:20])
            raise AdminError("cli.keys.bad_rows", name=filename, count=len(problems), detail=detail)
        total = await keys.count_for_site(session, site_id=require_id(site))
        return t("cli.keys.imported", count=len(rows), site=site.code, total=total)
