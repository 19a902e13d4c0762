"""``dutydesk inbox``: updates waiting to be handled, or (``--dead``) those set aside after failing
too often, with why; ``--retry`` puts one back. A row set aside is kept, never dropped."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_db import DATABASE_HELP
from bot.cli_verbs import Verb

if TYPE_CHECKING:  # imported when the verb runs: `dutydesk --version` and --help stay quick
    from bot.config import Settings
    from storage.db import Database


def _configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("inbox", help="updates waiting or set aside after failing too often; retry them")
    parser.add_argument("--dead", action="store_true", help="show the updates set aside (default: those waiting)")
    parser.add_argument(
        "--retry", metavar="ID", help="put set-aside update ID back to be handled (or 'dead': every one set aside)"
    )
    parser.add_argument("--limit", type=int, default=50, help="show at most this many (default 50)")
    parser.add_argument("--database", metavar="URL", help=DATABASE_HELP)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.retry and args.retry != "dead" and not args.retry.isdigit():
        return cli_db.refuse("--retry takes an update id or 'dead'")
    if args.limit < 1:
        return cli_db.refuse("--limit must be at least 1")
    return cli_db.run(args, settings, lambda db: _inbox(db, args))


async def _inbox(db: Database, args: argparse.Namespace) -> int:
    from storage.repos import inbox

    async with db.session() as session:
        if args.retry:
            count = await inbox.requeue(session, update_id=None if args.retry == "dead" else int(args.retry))
            if not count and args.retry != "dead":
                return cli_db.refuse(f"no update {args.retry} is set aside (see dutydesk inbox --dead)")
            print(f"{count} update(s) will be handled again")
            return 0
        rows = await inbox.listing(session, dead=args.dead, limit=args.limit)
    if not rows:
        print("nothing set aside" if args.dead else "the inbox is empty: every update was handled")
    for row in rows:
        when = (row.dead_at or row.received_at).isoformat(timespec="seconds")
        error = (row.last_error or "-").replace("\n", " ")[:80]
        print(f"{row.update_id}\t{when}\ttries {row.attempts}\t{error}\t{_summary(row.payload)}")
    return 0


def _summary(payload: str) -> str:
    """Chat, sender and the start of the text (or the file's name) of a stored Telegram update."""
    try:
        update = json.loads(payload)
    except ValueError:
        return "(unreadable)"
    body = next((update[k] for k in ("message", "edited_message", "callback_query") if k in update), None)
    if not isinstance(body, dict):
        return "(no message)"
    chat = (body.get("chat") or (body.get("message") or {}).get("chat") or {}).get("id")
    sender = (body.get("from") or {}).get("id")
    document = (body.get("document") or {}).get("file_name")
    text = body.get("text") or body.get("caption") or body.get("data") or ""
    shown = " ".join(f"{text} {document or ''}".split())[:50]
    return f"chat {chat}\tfrom {sender}\t{shown}"


VERB = Verb("inbox", _configure, _run)
