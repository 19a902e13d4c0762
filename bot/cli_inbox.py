"""``dutydesk inbox``: updates waiting to be handled, or (``--dead``) those set aside after failing
too often, with why; ``--retry`` puts one back. A row set aside is kept, never dropped."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_verbs import Queue, Subparsers, Verb

if TYPE_CHECKING:  # imported when the verb runs: `dutydesk --version` and --help stay quick
    from bot.config import Settings
    from storage.db import Database

QUEUE = Queue(every="dead")  # --retry dead: every update set aside


def _configure(sub: Subparsers) -> None:
    parser = sub.add_parser("inbox", help="updates waiting or set aside after failing too often; retry them")
    parser.add_argument("--dead", action="store_true", help="show the updates set aside (default: those waiting)")
    QUEUE.configure(parser, retry="put set-aside update ID back to be handled (or 'dead': every one set aside)")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return QUEUE.run(args, settings, _inbox)


async def _inbox(db: Database, args: argparse.Namespace) -> int:
    from storage.repos import inbox

    async with db.session() as session:
        if args.retry:
            update_id = QUEUE.retried(args)
            count = await inbox.requeue(session, update_id=update_id)
            if not count and update_id is not None:
                return cli_db.refuse(cli_db.say("cli.inbox.not_set_aside", id=update_id))
            print(cli_db.say("cli.inbox.retried", count=count))
            return 0
        rows = await inbox.listing(session, dead=args.dead, limit=args.limit)
    if not rows:
        print(cli_db.say("cli.inbox.none_dead" if args.dead else "cli.inbox.empty"))
    for row in rows:
        when = (row.dead_at or row.received_at).isoformat(timespec="seconds")
        error = (row.last_error or "-").replace("\n", " ")[:80]
        tries = cli_db.say("cli.queue.tries", count=row.attempts)
        print(f"{row.update_id}\t{when}\t{tries}\t{error}\t{_summary(row.payload)}")
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
