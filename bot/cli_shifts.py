"""``dutydesk roster import``, ``dutydesk shift set|remove|list`` and ``dutydesk policy show|set``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_verbs import Subparsers, Verb, actions, add_database, add_file_import, add_site, run_file_import

if TYPE_CHECKING:
    from bot.config import Settings


def _configure_roster(sub: Subparsers) -> None:
    add_file_import(
        sub,
        "roster",
        "the duty roster (值班表)",
        load="load a CSV or XLSX roster (columns date, shift, staff)",
        file="the CSV or XLSX file; it replaces the roster of the dates it names",
    )


def _run_roster(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.shifts import operator as shift_admin  # imported when the verb runs, not to build the parser

    return run_file_import(args, settings, shift_admin.import_roster)


def _configure_shift(sub: Subparsers) -> None:
    shift = actions(sub, "shift", "a site's shifts (default 早班 08:00-16:00, 中班 16:00-00:00, 夜班 00:00-08:00)")
    put = shift.add_parser("set", help="define or change a shift")
    put.add_argument("code", help="short code used in the roster file, e.g. D, N, A")
    put.add_argument("--name", required=True, help="the name staff see, e.g. 白班")
    put.add_argument("--start", required=True, help="start time HH:MM in the site's timezone")
    put.add_argument("--end", required=True, help="end time HH:MM; earlier than --start means the next morning")
    add_site(put)
    add_database(put)
    remove = shift.add_parser("remove", help="remove a shift the site defined")
    remove.add_argument("code", help="the shift's code")
    add_site(remove)
    add_database(remove)
    show = shift.add_parser("list", help="list the site's shifts")
    add_site(show)
    add_database(show)


def _run_shift(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.shifts import operator as shift_admin  # imported when the verb runs, not to build the parser

    t = cli_db.translator()
    if args.action == "set":
        return cli_db.report(
            args,
            settings,
            lambda db: shift_admin.set_shift(
                db, code=args.code, name=args.name, start=args.start, end=args.end, site_code=args.site, t=t
            ),
        )
    if args.action == "remove":
        return cli_db.report(
            args, settings, lambda db: shift_admin.remove_shift(db, code=args.code, site_code=args.site, t=t)
        )
    return cli_db.report(args, settings, lambda db: shift_admin.list_shifts(db, args.site))


def _configure_policy(sub: Subparsers) -> None:
    policy = actions(sub, "policy", "a site's policy settings, with the clause each comes from")
    show = policy.add_parser("show", help="a table of every setting: its value, what it means and its clause")
    add_site(show)
    add_database(show)
    put = policy.add_parser("set", help="change one setting for a site")
    put.add_argument("key", help="the setting, e.g. takeover_grace_minutes (see policy show)")
    put.add_argument("value", help="the new value: a number, or true/false")
    add_site(put)
    add_database(put)


def _run_policy(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.shifts import operator as shift_admin  # imported when the verb runs, not to build the parser

    t = cli_db.translator()
    if args.action == "set":
        return cli_db.report(
            args,
            settings,
            lambda db: shift_admin.set_policy(db, key=args.key, raw=args.value, site_code=args.site, t=t),
        )
    return cli_db.report(args, settings, lambda db: shift_admin.show_policy(db, args.site, t))


VERBS = [
    Verb("roster", _configure_roster, _run_roster),
    Verb("shift", _configure_shift, _run_shift),
    Verb("policy", _configure_policy, _run_policy),
]
