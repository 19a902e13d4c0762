"""`dutydesk keys import FILE [--site CODE]`: load the key register from a CSV or XLSX file
(columns code,label,kind,location,copies). Every row is checked first; a bad row loads nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_verbs import Verb

if TYPE_CHECKING:
    from bot.config import Settings


def _configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="manage the key register")
    actions = keys.add_subparsers(dest="action", required=True)
    load = actions.add_parser("import", help="load keys from a CSV or XLSX file (code,label,kind,location,copies)")
    load.add_argument("file", help="the CSV or XLSX file")
    load.add_argument("--site", help="site code (may be omitted while there is only one site)")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio  # imported here, not at the top: `dutydesk --version` stays quick

    path = Path(args.file)
    if not path.is_file():
        print(f"dutydesk: no such file: {path}", file=sys.stderr)
        return 2
    return asyncio.run(_import(settings, path.read_bytes(), path.name, args.site))


async def _import(settings: Settings, data: bytes, filename: str, site_code: str | None) -> int:
    from handlers.core.operator import AdminError
    from handlers.keys.operator import import_file
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        await db.migrate()
        lines = await import_file(db, data, filename, site_code)
    except AdminError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(lines)
    return 0


KEYS = Verb("keys", _configure, _run)
