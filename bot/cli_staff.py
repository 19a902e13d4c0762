"""``dutydesk staff add|list|remove``: who has a role at a site, from the command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_db import DATABASE_HELP
from bot.cli_verbs import Verb
from handlers.core.taxonomy import ROLES
from storage.codes import Role

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database


def _configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = sub.add_parser("staff", help="list, add or remove the people who have a role at a site")
    actions = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="give TELEGRAM_ID a role at a site (replaces the role they had there)")
    add.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID", help="the person's Telegram user id (positive)")
    add.add_argument("--role", required=True, choices=[str(role) for role in ROLES], help="the role to give")
    add.add_argument("--site", metavar="CODE", help="site code (may be omitted while there is only one site)")
    add.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    listing = actions.add_parser("list", help="print the people of one site, or of every site, one a line")
    listing.add_argument("--site", metavar="CODE", help="only this site (default: every site)")
    listing.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    remove = actions.add_parser("remove", help="take TELEGRAM_ID's role at a site away, effective at once")
    remove.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID", help="the person's Telegram user id")
    remove.add_argument("--site", metavar="CODE", help="site code (may be omitted while there is only one site)")
    remove.add_argument("--database", metavar="URL", help=DATABASE_HELP)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return cli_db.run(args, settings, lambda db: _staff(db, args))


async def _staff(db: Database, args: argparse.Namespace) -> int:
    from handlers.setup.operator import add_staff, list_staff, remove_staff

    if args.action == "add":
        name, role = await add_staff(db, telegram_id=args.telegram_id, role=args.role, site_code=args.site)
        print(f"{args.telegram_id} is now {role} at {name}")
    elif args.action == "remove":
        name, role = await remove_staff(db, telegram_id=args.telegram_id, site_code=args.site)
        print(f"{args.telegram_id} is no longer {role} at {name}")
    else:
        for code, telegram_id, role, person, username in await list_staff(db, site_code=args.site):
            handle = f" @{username}" if username else ""
            print(f"{code}\t{telegram_id}\t{role}\t{person}{handle}")
    return 0


VERBS = [Verb(Role.STAFF, _configure, _run)]
