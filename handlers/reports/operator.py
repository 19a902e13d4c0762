"""``dutydesk report monthly|quarterly|annual`` for the command line, free of any transport: the same
message, charts and workbook as the report timers send, written to a folder."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import handlers.reports.monthly as monthly
from handlers.core.context import ExportTable
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
        raise AdminError(f"bad {kind} {text[:20]!r}: write {FORMS[kind]}, e.g. {EXAMPLES[kind]}")
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
) -> str:
    """Write each site's report of the period (one site with ``site_code``) into ``out``: the message
    as ``CODE-PERIOD.txt``, the charts as PNG, the workbook as XLSX. Returns what was written."""
    if not out.is_dir():  # noqa: ASYNC240  (one stat of the operator's folder)
        raise AdminError(f"no such folder: {out}")
    written: list[str] = []
    async with db.session() as session:
        chosen = [await site_for_cli(session, site_code)] if site_code else list(await sites.all_sites(session))
        if not chosen:
            raise AdminError("no site yet: send /setup CODE Name in the duty group first")
        for site, report in await monthly.compose(session, chosen, period, now, Prepared(inline=True), exports):
            text = out / f"{site.code}-{period.label}.txt"
            text.write_text(report.text + "\n", encoding="utf-8")
            written.append(text.name)
            for file in report.files:
                (out / file.name).write_bytes(file.data)
                written.append(file.name)
    return f"wrote {len(written)} files to {out}: " + ", ".join(written)
