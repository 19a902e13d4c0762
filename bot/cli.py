"""The `dutydesk` command line (SPEC §6): run, classify, export, staff add|list|remove, chat."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from pydantic import ValidationError

from bot import cli_inbox, cli_outbox, cli_patrols, cli_shifts, cli_staff
from bot.cli_keys import KEYS
from bot.cli_verbs import Verb
from bot.config import Settings
from bot.prompts import PromptError

# Verbs that features add, each in its own module (bot/cli_<feature>.py): add yours here.
VERBS: list[Verb] = [*cli_staff.VERBS, *cli_shifts.VERBS, KEYS, *cli_patrols.VERBS, cli_outbox.VERB, cli_inbox.VERB]
DATABASE_HELP = cli_staff.DATABASE_HELP


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dutydesk")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dutydesk", description="DutyDesk (值班台) duty-desk bot")
    parser.add_argument("--version", action="version", version=f"dutydesk {_version()}", help="print the version")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot (long polling)")
    run.add_argument(
        "--engine", choices=("aiogram", "ptb"), help="Telegram library to run on (default: DUTYDESK_ENGINE, aiogram)"
    )
    classify = sub.add_parser("classify", help="classify TEXT, or one message per line of standard input")
    classify.add_argument("text", nargs="?", metavar="TEXT", help="the message (default: read lines from stdin)")
    classify.add_argument(
        "--speaker", choices=("staff", "resident"), default="staff", help="read as staff in the group (default)"
    )
    export = sub.add_parser("export", help="write records as JSON lines or CSV (UTF-8 with BOM, opens in Excel)")
    export.add_argument("kind", metavar="KIND", help="what to export: incidents, tickets, and the kinds features add")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="output format (default jsonl)")
    export.add_argument("--output", "-o", metavar="FILE", help="file to write (default: standard output)")
    export.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    chat = sub.add_parser("chat", help="offline console playing a duty group and a private chat")
    chat.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    for verb in VERBS:
        verb.configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["loc"]:
            print(f"dutydesk: bad setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}", file=sys.stderr)
        else:  # a rule over several settings (e.g. WEBHOOK_URL needs WEBHOOK_SECRET): its message names them
            print(f"dutydesk: bad settings: {first['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args, settings)
    except PromptError as exc:  # the LLM step is configured but cannot work: say so, do not guess
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        return _run(settings, args.engine)
    if args.command == "classify":
        from bot.cli_classify import run_classify

        return run_classify(args.text, settings, sys.stdin, sys.stdout, speaker=args.speaker)
    if args.command == "export":
        settings = settings.model_copy(update={"database_url": args.database or settings.database_url})
        return _export(settings, args.kind, args.format, args.output)
    if args.command == "chat":
        from bot.engines.console import run_console

        return asyncio.run(run_console(settings, database=args.database or settings.database_url))
    for verb in VERBS:
        if args.command == verb.name:
            return verb.run(args, settings)
    return 2


def _run(settings: Settings, engine: str) -> int:
    problem = settings.token_problem()
    if problem:
        print(f"dutydesk: {problem}", file=sys.stderr)
        return 2
    if engine:
        settings = settings.model_copy(update={"dutydesk_engine": engine})
    from bot.engines.base import TokenRefused
    from bot.logs import configure, scrub, secrets_of
    from bot.runner import StartupError, run_bot

    configure(settings)
    try:
        asyncio.run(run_bot(settings))
    except KeyboardInterrupt:
        pass
    except (TokenRefused, StartupError) as exc:  # an error's text may quote a request URL, token and all
        print(f"dutydesk: {scrub(str(exc), secrets_of(settings))}", file=sys.stderr)
        return 1
    except Exception:  # logged through the redacting handler: the token never reaches stderr raw
        logging.getLogger("dutydesk").exception("the bot stopped on an unexpected error")
        print("dutydesk: the bot stopped on an unexpected error (see the log above)", file=sys.stderr)
        return 1
    return 0


async def _export_rows(settings: Settings, kind: str) -> list[dict[str, object]]:
    from handlers.exports import rows_for
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            return await rows_for(session, kind)
    finally:
        await db.dispose()


def _export(settings: Settings, kind: str, fmt: str, output: str | None) -> int:
    from handlers.exports import export_kinds

    kinds = export_kinds()
    if kind not in kinds:
        print(f"dutydesk: cannot export {kind!r}; kinds: {', '.join(kinds)}", file=sys.stderr)
        return 2
    rows = asyncio.run(_export_rows(settings, kind))
    # CSV gets a BOM so that Excel reads it as UTF-8 (Chinese would show as garbage); JSONL stays plain.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    try:
        with open(output, "w", encoding=encoding, newline="") if output else contextlib.nullcontext(sys.stdout) as out:
            if fmt == "csv" and not output:
                out.write("\ufeff")
            _write(out, fmt, list(kinds[kind].fields), rows)
            out.flush()
    except BrokenPipeError:  # `dutydesk export … | head`: the reader has had enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    print(f"dutydesk: exported {len(rows)} {kind}", file=sys.stderr)
    return 0


def _write(out: TextIO, fmt: str, fields: list[str], rows: list[dict[str, object]]) -> None:
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)


if __name__ == "__main__":
    raise SystemExit(main())
