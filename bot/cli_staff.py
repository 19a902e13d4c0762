"""``dutydesk staff add|list|remove``: who has a role at a site, from the command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_verbs import Subparsers, Verb, actions, add_database, add_site
from handlers.core.taxonomy import ROLES

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database


def _configure(sub: Subparsers) -> None:
    staff = actions(sub, "staff", "list, add or remove the people who have a role at a site", metavar="ACTION")
    add = staff.add_parser("add", help="give TELEGRAM_ID a role at a site (replaces the role they had there)")
    add.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID", help="the person's Telegram user id (positive)")
    add.add_argument("--role", required=True, choices=[str(role) for role in ROLES], help="the role to give")
    add_site(add)
    add_database(add)
    listing = staff.add_parser("list", help="print the people of one site, or of every site, one a line")
    add_site(listing, "only this site (default: every site)")
    add_database(listing)
    remove = staff.add_parser("remove", help="take TELEGRAM_ID's role at a site away, effective at once")
    remove.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID", help="the person's Telegram user id")
    add_site(remove)
    add_database(remove)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return cli_db.run(args, settings, lambda db: _staff(db, args))


async def _staff(db: Database, args: argparse.Namespace) -> int:
    from handlers.setup.operator import add_staff, list_staff, remove_staff

    if args.action == "add":
        name, role = await add_staff(db, telegram_id=args.telegram_id, role=args.role, site_code=args.site)
        print(cli_db.say("cli.staff.added", id=args.telegram_id, role=cli_db.say(f"role.{role}"), site=name))
    elif args.action == "remove":
        name, role = await remove_staff(db, telegram_id=args.telegram_id, site_code=args.site)
        print(cli_db.say("cli.staff.removed", id=args.telegram_id, role=cli_db.say(f"role.{role}"), site=name))
    else:
        for code, telegram_id, role, person, username in await list_staff(db, site_code=args.site):
            handle = f" @{username}" if username else ""
            print(f"{code}\t{telegram_id}\t{role}\t{person}{handle}")
    return 0


VERBS = [Verb("staff", _configure, _run)]
