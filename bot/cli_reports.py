"""`dutydesk report monthly --month YYYY-MM [--site CODE] --out DIR`: the monthly statistics (the
message, four PNG charts and the XLSX workbook the managers get on the 1st) written to a folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_db import DATABASE_HELP
from bot.cli_verbs import Verb

if TYPE_CHECKING:
    from bot.config import Settings


def _configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="write the monthly statistics (message, PNG charts, XLSX)")
    kinds = report.add_subparsers(dest="period", required=True)
    monthly = kinds.add_parser("monthly", help="one month's report of each site (or of --site)")
    monthly.add_argument("--month", required=True, metavar="YYYY-MM", help="the month, e.g. 2026-11")
    monthly.add_argument("--site", metavar="CODE", help="only this site (default: every site)")
    monthly.add_argument("--out", required=True, metavar="DIR", help="existing folder to write the files into")
    monthly.add_argument("--database", metavar="URL", help=DATABASE_HELP)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.reports.operator import write_monthly  # imported when the verb runs, not to build the parser
    from storage.clock import utcnow

    return cli_db.report(args, settings, lambda db: write_monthly(db, args.month, args.site, Path(args.out), utcnow()))


REPORT = Verb("report", _configure, _run)
