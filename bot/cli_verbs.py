"""The shape of a `dutydesk` verb, so each feature's command-line verbs live in their own module
(``bot/cli_<feature>.py``) and ``bot/cli.py`` only lists them; and the options verbs share, said once.

Only the standard library is imported here (``--help`` stays quick); a verb imports what it uses
when it runs."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from bot import cli_db
from handlers.core.i18n import Translator

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # what a verb adds its parser to
SITE_HELP = "site code (may be omitted while there is only one site)"


@dataclass(frozen=True, slots=True)
class Verb:
    """``configure`` adds the verb's parser (with help for every option); ``run`` gets the parsed
    arguments and the settings and returns the exit code (2 for a usage or input error)."""

    name: str
    configure: Callable[[Subparsers], None]
    run: Callable[[argparse.Namespace, Settings], int]


def actions(sub: Subparsers, name: str, help: str, *, metavar: str | None = None) -> Subparsers:
    """A verb of several actions (``dutydesk staff add|list|remove``): add each action's parser to
    what this returns; ``args.action`` names the one given."""
    return sub.add_parser(name, help=help).add_subparsers(dest="action", required=True, metavar=metavar)


def add_site(parser: argparse.ArgumentParser, help: str = SITE_HELP) -> None:
    parser.add_argument("--site", metavar="CODE", help=help)


def add_database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", metavar="URL", help=cli_db.DATABASE_HELP)


# Loads a file's bytes (its name tells its format) into a site (None: the only one); returns what to
# tell the operator in the command line's language (the Translator), or raises AdminError naming every bad row.
Loader = Callable[["Database", bytes, str, "str | None", Translator], Awaitable[str]]


def add_file_import(sub: Subparsers, name: str, help: str, *, load: str, file: str) -> None:
    """A verb whose one action loads a file into a site: ``dutydesk <name> import FILE [--site CODE]``."""
    parser = actions(sub, name, help).add_parser("import", help=load)
    parser.add_argument("file", help=file)
    add_site(parser)
    add_database(parser)


def run_file_import(args: argparse.Namespace, settings: Settings, loader: Loader) -> int:
    """Read ``args.file`` (an unreadable one is refused before the database is opened), then load it."""
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return cli_db.refuse(cli_db.say("cli.cannot_read", path=path, why=exc.strerror or exc))
    return cli_db.report(args, settings, lambda db: loader(db, data, path.name, args.site, cli_db.translator()))


@dataclass(frozen=True, slots=True)
class Queue:
    """A verb that lists the rows of a queue (``dutydesk outbox``, ``dutydesk inbox``), at most
    ``--limit``, and sends them through again with ``--retry ID`` or ``--retry <every>`` (every row
    given up on)."""

    every: str  # the word of --retry that means every row given up on

    def configure(self, parser: argparse.ArgumentParser, *, retry: str) -> None:
        parser.add_argument("--retry", metavar="ID", help=retry)
        parser.add_argument("--limit", type=int, default=50, help="show at most this many (default 50)")
        add_database(parser)

    def run(
        self,
        args: argparse.Namespace,
        settings: Settings,
        work: Callable[[Database, argparse.Namespace], Awaitable[int]],
    ) -> int:
        """Refuse a --retry that names no row and a --limit under 1; else ``work`` on the database."""
        if args.retry and args.retry != self.every and not args.retry.isdigit():
            return cli_db.refuse(cli_db.say("cli.queue.bad_retry", every=self.every, given=args.retry))
        if args.limit < 1:
            return cli_db.refuse(cli_db.say("cli.queue.bad_limit", given=args.limit))
        return cli_db.run(args, settings, lambda db: work(db, args))

    def retried(self, args: argparse.Namespace) -> int | None:
        """The row ``--retry`` names; None when it asks for every one."""
        return None if args.retry == self.every else int(args.retry)
