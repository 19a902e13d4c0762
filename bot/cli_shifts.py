"""``dutydesk roster import``, ``dutydesk shift set|remove|list`` and ``dutydesk policy show|set``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_verbs import Verb

if TYPE_CHECKING:
    from bot.config import Settings

SITE_HELP = "site code (may be omitted while there is only one site)"


def _configure_roster(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    roster = sub.add_parser("roster", help="the duty roster (值班表)")
    actions = roster.add_subparsers(dest="action", required=True)
    load = actions.add_parser("import", help="load a CSV or XLSX roster (columns date, shift, staff)")
    load.add_argument("file", help="the CSV or XLSX file; it replaces the roster of the dates it names")
    load.add_argument("--site", help=SITE_HELP)


def _run_roster(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.shifts import operator as shift_admin  # imported when the verb runs, not to build the parser

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return cli_db.refuse(f"cannot read {path}: {exc.strerror or exc}")
    return cli_db.report(args, settings, lambda db: shift_admin.import_roster(db, data, path.name, args.site))


def _configure_shift(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shift = sub.add_parser(
        "shift", help="a site's shifts (default 早班 08:00-16:00, 中班 16:00-00:00, 夜班 00:00-08:00)"
    )
    actions = shift.add_subparsers(dest="action", required=True)
    put = actions.add_parser("set", help="define or change a shift")
    put.add_argument("code", help="short code used in the roster file, e.g. D, N, A")
    put.add_argument("--name", required=True, help="the name staff see, e.g. 白班")
    put.add_argument("--start", required=True, help="start time HH:MM in the site's timezone")
    put.add_argument("--end", required=True, help="end time HH:MM; earlier than --start means the next morning")
    put.add_argument("--site", help=SITE_HELP)
    remove = actions.add_parser("remove", help="remove a shift the site defined")
    remove.add_argument("code", help="the shift's code")
    remove.add_argument("--site", help=SITE_HELP)
    show = actions.add_parser("list", help="list the site's shifts")
    show.add_argument("--site", help=SITE_HELP)


def _run_shift(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.shifts import operator as shift_admin  # imported when the verb runs, not to build the parser

    if args.action == "set":
        return cli_db.report(
            args,
            settings,
            lambda db: shift_admin.set_shift(
                db, code=args.code, name=args.name, start=args.start, end=args.end, site_code=args.site
            ),
        )
    if args.action == "remove":
        return cli_db.report(
            args, settings, lambda db: shift_admin.remove_shift(db, code=args.code, site_code=args.site)
        )
    return cli_db.report(args, settings, lambda db: shift_admin.list_shifts(db, args.site))


def _configure_policy(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    policy = sub.add_parser("policy", help="a site's policy settings, with the clause each comes from")
    actions = policy.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="every setting, its value and its clause")
    show.add_argument("--site", help=SITE_HELP)
    put = actions.add_parser("set", help="change one setting for a site")
    put.add_argument("key", help="the setting, e.g. takeover_grace_minutes (see policy show)")
    put.add_argument("value", help="the new value: a number, or true/false")
    put.add_argument("--site", help=SITE_HELP)


def _run_policy(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.shifts import operator as shift_admin  # imported when the verb runs, not to build the parser

    if args.action == "set":
        return cli_db.report(
            args, settings, lambda db: shift_admin.set_policy(db, key=args.key, raw=args.value, site_code=args.site)
        )
    return cli_db.report(args, settings, lambda db: shift_admin.show_policy(db, args.site))


VERBS = [
    Verb("roster", _configure_roster, _run_roster),
    Verb("shift", _configure_shift, _run_shift),
    Verb("policy", _configure_policy, _run_policy),
]
