"""The `dutydesk` command line (SPEC §6): run, classify, export, staff add, chat."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot import cli_patrols
from bot.cli_verbs import Verb
from bot.config import Settings

# Verbs that features add, each in its own module (bot/cli_<feature>.py): add yours here.
VERBS: list[Verb] = [*cli_patrols.VERBS]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dutydesk", description="DutyDesk (值班台) duty-desk bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling)")
    run.add_argument(
        "--engine", choices=("aiogram", "ptb"), help="Telegram library to run on (default: DUTYDESK_ENGINE, aiogram)"
    )
    classify = sub.add_parser("classify", help="classify TEXT, or one message per line of standard input")
    classify.add_argument("text", nargs="?")
    classify.add_argument("--speaker", choices=("staff", "resident"), default="staff")
    export = sub.add_parser("export", help="write records as JSON lines or CSV")
    export.add_argument("kind", help="incidents | tickets")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    staff = sub.add_parser("staff", help="manage staff roles")
    staff_sub = staff.add_subparsers(dest="action", required=True)
    add = staff_sub.add_parser("add", help="give TELEGRAM_ID a role at a site")
    add.add_argument("telegram_id", type=int)
    add.add_argument("--role", required=True, choices=("staff", "supervisor", "manager", "admin"))
    add.add_argument("--site", help="site code (may be omitted while there is only one site)")
    chat = sub.add_parser("chat", help="offline console playing a duty group and a private chat")
    chat.add_argument("--database", help="database URL (default: a console database under ./data/)")
    for verb in VERBS:
        verb.configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"dutydesk: bad setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}", file=sys.stderr)
        return 2
    if args.command == "run":
        return _run(settings, args.engine)
    if args.command == "classify":
        from bot.cli_classify import run_classify

        return run_classify(args.text, settings, sys.stdin, sys.stdout, speaker=args.speaker)
    if args.command == "export":
        return _export(settings, args.kind, args.format, args.output)
    if args.command == "staff":
        return asyncio.run(_staff_add(settings, args.telegram_id, args.role, args.site))
    if args.command == "chat":
        from bot.engines.console import run_console

        return asyncio.run(run_console(settings, database=args.database))
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
    from bot.logs import configure
    from bot.runner import StartupError, run_bot

    configure(settings)
    try:
        asyncio.run(run_bot(settings))
    except KeyboardInterrupt:
        pass
    except (TokenRefused, StartupError) as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
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
    with open(output, "w", encoding="utf-8", newline="") if output else contextlib.nullcontext(sys.stdout) as handle:
        if fmt == "jsonl":
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(handle, fieldnames=list(kinds[kind].fields))
            writer.writeheader()
            writer.writerows(rows)
    print(f"dutydesk: exported {len(rows)} {kind}", file=sys.stderr)
    return 0


async def _staff_add(settings: Settings, telegram_id: int, role: str, site: str | None) -> int:
    from handlers.admin import AdminError, add_staff
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        await db.migrate()
        name, role = await add_staff(db, telegram_id=telegram_id, role=role, site_code=site)
    except AdminError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(f"{telegram_id} is now {role} at {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
