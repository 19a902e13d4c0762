"""The one way a `dutydesk` verb opens the database: the URL from ``--database`` or DATABASE_URL,
the schema brought up to date when it is behind (a current one costs one SELECT, no migration
child: :meth:`storage.db.Database.migrate`), the engine disposed at the end; a refusal the operator
can act on (an :class:`~handlers.core.operator.AdminError`, a bad URL, a database that cannot be
reached) is one line on stderr and exit status 2, never a traceback.

Messages are said in the language of DUTYDESK_LANGUAGE (zh-Hans by default, zh-Hant, en; the
``cli.*`` catalogue texts and each feature's ``<feature>.cli.*``): :func:`use_language` once the
settings are read, then :func:`say` and :func:`refuse`. argparse's own help and usage stay English.

Only the standard library and the catalogues are imported here: building the parser (``--version``,
``--help``) loads neither the settings nor the database layer; what a verb uses is imported when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from handlers.core.i18n import DEFAULT, LANGUAGES, Translator

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database

DATABASE_HELP = "database URL (default: DATABASE_URL from the environment or .env, the same one `run` uses)"
_SPOKEN = [Translator(DEFAULT)]  # the command line's language: one process, one operator


def use_language(language: str) -> None:
    """Say every message from now on in ``language`` (DUTYDESK_LANGUAGE; an unknown one: zh-Hans)."""
    _SPOKEN[0] = Translator(language if language in LANGUAGES else DEFAULT)


def translator() -> Translator:
    """The command line's language, for an operator action that builds its own message."""
    return _SPOKEN[0]


def say(key: str, **values: object) -> str:
    """A catalogue text in the command line's language."""
    return _SPOKEN[0](key, **values)


class Refused(Exception):
    """The database cannot be used: ``key`` and ``values`` say why, in one line."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def text(self, t: Translator) -> str:
        return t(self.key, **self.values)

    def __str__(self) -> str:
        return self.text(Translator("en"))


def refuse(message: object) -> int:
    """Say a refusal in one line on stderr, in the command line's language when it can say itself
    (``text(t)``: an AdminError, a TableError, a :class:`Refused`); the exit status of a usage or input error (2)."""
    text = getattr(message, "text", None)
    print(f"dutydesk: {text(translator()) if callable(text) else message}", file=sys.stderr)
    return 2


def url_of(args: argparse.Namespace, settings: Settings) -> str:
    """The database a verb works on: ``--database`` when the verb has it and it is given, else DATABASE_URL."""
    return getattr(args, "database", None) or settings.database_url


def source_of(args: argparse.Namespace) -> str:
    """Where the verb's database URL comes from, for a message that tells the operator what to fix."""
    return "--database" if getattr(args, "database", None) else "DATABASE_URL"


def folder_problem(args: argparse.Namespace, settings: Settings) -> str | None:
    """A SQLite database in a folder that does not exist, named with --database (a typo), or read
    by `export` (there is nothing to export): said, instead of making an empty database there."""
    if args.command == "run":
        return None  # the bot makes its data folder on first start
    url = getattr(args, "database", None)
    if not url and args.command == "export":
        url = settings.database_url
    if not url:
        return None
    from storage.db import missing_folder

    folder = missing_folder(url)
    return say("cli.no_folder", folder=folder, source=source_of(args)) if folder else None


@asynccontextmanager
async def opened(url: str, *, source: str = "DATABASE_URL", read_only: bool = False) -> AsyncIterator[Database]:
    """The database at ``url``, migrated when behind, disposed when the block ends. :class:`Refused`
    when the URL is not one, or the database cannot be opened or migrated (``source`` names where
    the URL came from, for the operator to fix)."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import Database

    try:
        db = Database(url, read_only=read_only)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise Refused("cli.bad_url", source=source, why=_problem(exc)) from None
    except OSError as exc:
        raise Refused("cli.cannot_open", source=source, why=_problem(exc)) from None
    try:
        try:
            await db.migrate()
        except (OSError, SQLAlchemyError, RuntimeError) as exc:  # RuntimeError: the migration child failed
            raise Refused("cli.cannot_open", source=source, why=_problem(exc)) from None
        yield db
    finally:
        await db.dispose()


def run(
    args: argparse.Namespace,
    settings: Settings,
    work: Callable[[Database], Awaitable[int]],
    *,
    refusals: tuple[type[Exception], ...] = (),
) -> int:
    """Run ``work`` on the verb's database (see :func:`opened`) and return its exit status. A
    :class:`Refused`, an :class:`~handlers.core.operator.AdminError` or one of ``refusals`` (a
    feature's own refusal, e.g. a patrol plan's) is said in one line, exit status 2."""
    import asyncio

    from handlers.core.operator import AdminError

    async def go() -> int:
        async with opened(url_of(args, settings), source=source_of(args)) as db:
            return await work(db)

    known: tuple[type[Exception], ...] = (Refused, AdminError, *refusals)
    try:
        return asyncio.run(go())
    except known as exc:
        return refuse(exc)


def report(
    args: argparse.Namespace,
    settings: Settings,
    action: Callable[[Database], Awaitable[str]],
    *,
    refusals: tuple[type[Exception], ...] = (),
) -> int:
    """:func:`run` for an operator action that returns what to tell the operator: printed, exit 0."""

    async def work(db: Database) -> int:
        print(await action(db))
        return 0

    return run(args, settings, work, refusals=refusals)


def _problem(exc: BaseException) -> str:
    """The telling line of an error (a migration child's output ends with the driver's error;
    SQLAlchemy's pointer to its documentation is passed over)."""
    lines = [line for line in str(exc).strip().splitlines() if not line.startswith("(Background on this error")]
    for line in reversed(lines):
        if "Error" in line or "error" in line:
            return line.strip()[:200]
    return lines[0][:200] if lines else type(exc).__name__
