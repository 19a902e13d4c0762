"""``dutydesk staff add|list|remove``: who has a role at a site, from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.cli_verbs import Verb
from handlers.core.taxonomy import ROLES

if TYPE_CHECKING:
    from bot.config import Settings

DATABASE_HELP = "database URL (default: DATABASE_URL from the environment or .env, the same one `run` uses)"


def _configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = sub.add_parser("staff", help="list, add or remove the people who have a role at a site")
    actions = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="give TELEGRAM_ID a role at a site (replaces the role they had there)")
    add.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID", help="the person's Telegram user id (positive)")
    add.add_argument("--role", required=True, choices=ROLES, help="the role to give")
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
    import asyncio  # imported here, not at the top: `dutydesk --version` stays quick

    return asyncio.run(_staff(args, args.database or settings.database_url))


async def _staff(args: argparse.Namespace, url: str) -> int:
    from handlers.core.operator import AdminError, add_staff, list_staff, remove_staff
    from storage.db import Database

    db = Database(url)
    try:
        await db.migrate()
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
    except AdminError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    return 0


VERBS = [Verb("staff", _configure, _run)]
