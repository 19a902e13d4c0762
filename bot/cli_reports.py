"""`dutydesk report monthly|quarterly|annual`: the statistics of a month (``--month YYYY-MM``), a
quarter (``--quarter YYYY-Qn``) or a year (``--year YYYY``) - the message, four PNG charts and the
XLSX workbook the managers get - written to a folder. A bad period is refused in one line naming
the form, exit 2, before the database is opened."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_db import DATABASE_HELP
from bot.cli_verbs import Verb

if TYPE_CHECKING:
    from bot.config import Settings

# verb → (option, form, example, what it writes)
PERIODS = {
    "monthly": ("month", "YYYY-MM", "2026-11", "one month's statistics: 4 charts, the registers' rows"),
    "quarterly": ("quarter", "YYYY-Qn", "2026-Q3", "a quarter's summary (000 L76): charts and figures by month"),
    "annual": ("year", "YYYY", "2026", "a year's summary (000 L76): charts and figures by month"),
}


def _configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report",
        help="write a site's statistics of a month, quarter or year (message, PNG charts, XLSX)",
        description="Write each site's report of a period into a folder: CODE-PERIOD.txt (the message "
        "the managers get), four PNG charts and CODE-PERIOD.xlsx. Rates carry their numerator and "
        "denominator; every figure is compared with the period before.",
    )
    kinds = report.add_subparsers(dest="period", required=True, metavar="monthly|quarterly|annual")
    for verb, (option, form, example, what) in PERIODS.items():
        parser = kinds.add_parser(verb, help=what, description=f"{what}. Example: dutydesk report {verb} "
                                  f"--{option} {example} --out reports/")  # fmt: skip
        parser.add_argument(f"--{option}", required=True, metavar=form, help=f"the {option}, e.g. {example}")
        parser.add_argument("--site", metavar="CODE", help="only this site (default: every site)")
        parser.add_argument("--out", required=True, metavar="DIR", help="existing folder to write the files into")
        parser.add_argument("--database", metavar="URL", help=DATABASE_HELP)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.features import registry
    from handlers.core.operator import AdminError
    from handlers.reports.operator import parse, write_report  # imported when the verb runs, not to build the parser
    from storage.clock import utcnow

    kind = {"monthly": "month", "quarterly": "quarter", "annual": "year"}[args.period]
    try:
        period = parse(kind, getattr(args, kind))  # type: ignore[arg-type]  # one of the three kinds
    except AdminError as exc:
        return cli_db.refuse(exc)
    exports = registry().exports  # the registers of other features in a month's workbook
    t = cli_db.translator()
    return cli_db.report(
        args, settings, lambda db: write_report(db, period, args.site, Path(args.out), utcnow(), exports, t)
    )


REPORT = Verb("report", _configure, _run)
