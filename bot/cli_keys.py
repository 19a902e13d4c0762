"""`dutydesk keys import FILE [--site CODE]`: load the key register from a CSV or XLSX file
(columns code,label,kind,location,copies). Every row is checked first; a bad row loads nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_verbs import Subparsers, Verb, actions, add_site

if TYPE_CHECKING:
    from bot.config import Settings


def _configure(sub: Subparsers) -> None:
    load = actions(sub, "keys", "manage the key register").add_parser(
        "import", help="load keys from a CSV or XLSX file (code,label,kind,location,copies)"
    )
    load.add_argument("file", help="the CSV or XLSX file")
    add_site(load)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.keys.operator import import_file  # imported when the verb runs, not to build the parser

    path = Path(args.file)
    if not path.is_file():
        return cli_db.refuse(f"no such file: {path}")
    data = path.read_bytes()
    return cli_db.report(args, settings, lambda db: import_file(db, data, path.name, args.site))


KEYS = Verb("keys", _configure, _run)
