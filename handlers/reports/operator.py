"""``dutydesk report monthly|quarterly|annual`` for the command line, free of any transport: the same
message, charts and workbook as the report timers send, written to a folder."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import handlers.reports.monthly as monthly
from handlers.core.context import ExportTable
from handlers.core.i18n import Translator
from handlers.core.operator import AdminError, site_for_cli
from handlers.core.prepared import Prepared
from handlers.reports.periods import FORMS, Kind, Month, Period, Quarter, Year
from storage.db import Database
from storage.repos import sites

EXAMPLES = {"month": "2026-11", "quarter": "2026-Q3", "year": "2026"}


def parse(kind: Kind, text: str) -> Period:
    """The period of ``kind`` written as ``text``; :class:`AdminError` naming the form for anything else."""
    found: Period | None = {"month": Month.parse, "quarter": Quarter.parse, "year": Year.parse}[kind](text)
    if found is None:
        raise AdminError(f"cli.report.bad_{kind}", text=text[:20], form=FORMS[kind], example=EXAMPLES[kind])
    return found


async def write_monthly(
    db: Database,
    month_text: str,
    site_code: str | None,
    out: Path,
    now: datetime,
    exports: Mapping[str, ExportTable] | None = None,
) -> str:
    """:func:`write_report` of a month (``YYYY-MM``)."""
    return await write_report(db, parse("month", month_text), site_code, out, now, exports)


async def write_report(
    db: Database,
    period: Period,
    site_code: str | None,
    out: Path,
    now: datetime,
    exports: Mapping[str, ExportTable] | None = None,
    t: Translator | None = None,
) -> str:
    """Write each site's report of the period (one site with ``site_code``) into ``out``: the message
        as ``CODE-PERIOD.txt``, the charts as PNG, the workbook as XLSX. Returns what was written, in
    ``t``'s language (the command line's; English by default)."""
    if not out.is_dir():  # noqa: ASYNC240  (one stat of the operator's folder)
        raise AdminError("cli.report.no_folder", folder=str(out))
    written: list[str] = []
    async with db.session() as session:
        chosen = [await site_for_cli(session, site_code)] if site_code else list(await sites.all_sites(session))
        if not chosen:
            raise AdminError("cli.no_site")
        for site, report in await monthly.compose(session, chosen, period, now, Prepared(inline=True), exports):
            text = out / f"{site.code}-{period.label}.txt"
            text.write_text(report.text + "\n", encoding="utf-8")
            written.append(text.name)
            for file in report.files:
                (out / file.name).write_bytes(file.data)
                written.append(file.name)
    said = t or Translator("en")
    return said("cli.report.wrote", count=len(written), folder=str(out), files=", ".join(written))
