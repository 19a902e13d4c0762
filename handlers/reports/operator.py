"""``dutydesk report monthly`` for the command line, free of any transport: the same message, charts
and workbook as the monthly timer sends, written to a folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import handlers.reports.monthly as monthly
from handlers.core.operator import AdminError, site_for_cli
from handlers.core.prepared import Prepared
from handlers.reports.periods import Month
from storage.db import Database
from storage.repos import sites


async def write_monthly(
    db: Database,
    month_text: str,
    site_code: str | None,
    out: Path,
    now: datetime,
) -> str:
    """Write each site's report of the month (one site with ``site_code``) into ``out``: the message
    as ``CODE-YYYY-MM.txt``, the charts as PNG, the workbook as XLSX. Returns what was written."""
    month = Month.parse(month_text)
    if month is None:
        raise AdminError(f"bad month {month_text!r}: write YYYY-MM, e.g. 2026-11")
    if not out.is_dir():  # noqa: ASYNC240  (one stat of the operator's folder)
        raise AdminError(f"no such folder: {out}")
    written: list[str] = []
    async with db.session() as session:
        chosen = [await site_for_cli(session, site_code)] if site_code else list(await sites.all_sites(session))
        if not chosen:
            raise AdminError("no site yet: send /setup CODE Name in the duty group first")
        for site, report in await monthly.compose(session, chosen, month, now, Prepared(inline=True)):
            text = out / f"{site.code}-{month.label}.txt"
            text.write_text(report.text + "\n", encoding="utf-8")
            written.append(text.name)
            for file in report.files:
                (out / file.name).write_bytes(file.data)
                written.append(file.name)
    return f"wrote {len(written)} files to {out}: " + ", ".join(written)
