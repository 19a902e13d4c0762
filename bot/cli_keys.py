"""`dutydesk keys import FILE [--site CODE]`: load the key register from a CSV or XLSX file
(columns code,label,kind,location,copies). Every row is checked first; a bad row loads nothing."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli_verbs import Subparsers, Verb, add_file_import, run_file_import

if TYPE_CHECKING:
    from bot.config import Settings


def _configure(sub: Subparsers) -> None:
    add_file_import(
        sub,
        "keys",
        "manage the key register",
        load="load keys from a CSV or XLSX file (code,label,kind,location,copies)",
        file="the CSV or XLSX file",
    )


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.keys.operator import import_file  # imported when the verb runs, not to build the parser

    return run_file_import(args, settings, import_file)


KEYS = Verb("keys", _configure, _run)
