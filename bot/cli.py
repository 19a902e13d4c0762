"""The `dutydesk` command line (SPEC §6): run, classify, export, staff add|list|remove, chat.

Start-up is kept cheap: this module and the verb modules import only the standard library and
light modules (``handlers.core.taxonomy`` for the choices) at the top, so building the parser
(``--version``, ``--help``) loads neither the settings nor the database layer; each verb imports what
it uses when it runs (tests/cli/test_export_safety.py checks it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import cli_db, cli_inbox, cli_outbox, cli_patrols, cli_shifts, cli_staff
from bot.cli_keys import KEYS
from bot.cli_reports import REPORT
from bot.cli_verbs import Verb, add_database

if TYPE_CHECKING:
    from bot.config import Settings

# Verbs that features add, each in its own module (bot/cli_<feature>.py): add yours here.
VERBS: list[Verb] = [
    *cli_staff.VERBS,
    *cli_shifts.VERBS,
    KEYS,
    *cli_patrols.VERBS,
    cli_outbox.VERB,
    cli_inbox.VERB,
    REPORT,
]
# What `dutydesk export KIND` writes, for `export -h` (listed here, not read from the features, so
# that --help loads no database layer; tests/cli/test_verbs.py checks it against the features' exports).
EXPORT_KINDS: dict[str, str] = {
    "incidents": "the duty log's incidents (事件), their handling notes and photos",
    "roster": "the duty roster (值班表): date, shift, person",
    "handovers": "handovers (交接班) with the report as posted",
    "orders": "standing orders (指令), who issued them and who marked them done",
    "duty_days": "duty days (值班日志) and who signed them",
    "shift_requests": "leave and swap requests (请假/调班) and their decisions",
    "keys": "the key register (钥匙)",
    "key_loans": "key loans (借还钥匙), one row per loan",
    "tickets": "residents' complaints, repairs and inquiries (工单)",
    "callbacks": "callbacks (回访) and the residents' ratings",
    "patrols": "patrol rounds (巡查), one row per round",
    "weekly_reviews": "the supervisor's weekly review (签阅) of patrols and callbacks",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dutydesk")
    except PackageNotFoundError:
        return "unknown"


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (argparse's own action wants it up front)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"dutydesk {_version()}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dutydesk", description="DutyDesk (值班台) duty-desk bot")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot (long polling)")
    run.add_argument(
        "--engine", choices=("aiogram", "ptb"), help="Telegram library to run on (default: DUTYDESK_ENGINE, aiogram)"
    )
    add_database(run)
    classify = sub.add_parser("classify", help="classify TEXT, or one message per line of standard input")
    classify.add_argument("text", nargs="?", metavar="TEXT", help="the message (default: read lines from stdin)")
    classify.add_argument(
        "--speaker", choices=("staff", "resident"), default="staff", help="read as staff in the group (default)"
    )
    kinds = "\n".join(f"  {kind:<16}{what}" for kind, what in EXPORT_KINDS.items())
    export = sub.add_parser(
        "export",
        help="write records as JSON lines, CSV (UTF-8 with BOM, opens in Excel) or an XLSX workbook",
        epilog=f"kinds:\n{kinds}\n\nthe columns of each kind: docs/exports.md",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Not argparse's choices: an unknown kind is refused in the operator's language, with the kinds.
    export.add_argument("kind", metavar="KIND", help="what to export (kinds: see below)")
    export.add_argument(
        "--format", choices=("jsonl", "csv", "xlsx"), default="jsonl", help="output format (default jsonl; xlsx: -o)"
    )
    export.add_argument(
        "--lang",
        choices=("zh-Hans", "zh-Hant", "en"),
        default="zh-Hans",
        help="xlsx: the language of the second header row, the field names translated (none for en)",
    )
    export.add_argument("--month", metavar="YYYY-MM", help="only the records of this month, on each site's calendar")
    export.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="only the records from this day on")
    export.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="only the records up to this day (included)")
    export.add_argument("--site", metavar="CODE", help="only this site's records (default: every site)")
    export.add_argument("--output", "-o", metavar="FILE", help="file to write, owner-only (default: standard output)")
    export.add_argument("--force", action="store_true", help="replace FILE if it exists (never through a symlink)")
    add_database(export)
    chat = sub.add_parser("chat", help="offline console playing a duty group and a private chat")
    add_database(chat)
    for verb in VERBS:
        verb.configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from pydantic import ValidationError

    from bot.config import Settings
    from bot.prompts import PromptError

    try:
        settings = Settings()
    except ValidationError as exc:  # said in DUTYDESK_LANGUAGE when the environment names a known one
        cli_db.use_language(os.environ.get("DUTYDESK_LANGUAGE", ""))
        first = exc.errors()[0]
        if first["loc"]:
            name = ".".join(map(str, first["loc"])).upper()
            return cli_db.refuse(cli_db.say("cli.bad_setting", name=name, why=first["msg"]))
        # a rule over several settings (e.g. WEBHOOK_URL needs WEBHOOK_SECRET): its message names them
        return cli_db.refuse(cli_db.say("cli.bad_settings", why=first["msg"].removeprefix("Value error, ")))
    cli_db.use_language(settings.dutydesk_language)
    problem = cli_db.folder_problem(args, settings)
    if problem:
        print(f"dutydesk: {problem}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args, settings)
    except PromptError as exc:  # the LLM step is configured but cannot work: say so, do not guess
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        if args.database:
            settings = settings.model_copy(update={"database_url": args.database})
        return _run(settings, args.engine)
    if args.command == "classify":
        from bot.cli_classify import run_classify

        return run_classify(args.text, settings, sys.stdin, sys.stdout, speaker=args.speaker)
    if args.command == "export":
        from bot.cli_export import run_export

        url, source = cli_db.url_of(args, settings), cli_db.source_of(args)
        from bot.cli_export import span_of

        span = span_of(args.month, args.start, args.end, args.site)
        if isinstance(span, str):
            return cli_db.refuse(span)
        return run_export(
            url, args.kind, args.format, args.output, force=args.force, source=source, language=args.lang, span=span
        )
    if args.command == "chat":
        import asyncio

        from bot.engines.console import run_console

        return asyncio.run(run_console(settings, database=args.database or settings.database_url))
    for verb in VERBS:
        if args.command == verb.name:
            return verb.run(args, settings)
    return 2


def _run(settings: Settings, engine: str) -> int:
    import asyncio  # imported here, not at the top: `dutydesk --version` stays quick
    import logging

    problem = settings.token_problem()
    if problem:
        print(f"dutydesk: {problem}", file=sys.stderr)
        return 2
    if engine:
        settings = settings.model_copy(update={"dutydesk_engine": engine})
    from bot.engines.base import TokenRefused
    from bot.errors import StartupError
    from bot.launch import run_bot
    from bot.logs import configure, scrub, secrets_of

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


if __name__ == "__main__":
    raise SystemExit(main())
