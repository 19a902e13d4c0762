"""``dutydesk outbox``: what the bot could not send yet, or gave up on, and why. Nothing
is dropped in silence: a failed message stays here until someone retries it or lets it go."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_verbs import Queue, Subparsers, Verb

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database

# --retry failed: every message in OutboxState.FAILED (the word is the state's; this module does not
# import the database layer, to keep `dutydesk --help` quick)
QUEUE = Queue(every="failed")


def _configure(sub: Subparsers) -> None:
    parser = sub.add_parser("outbox", help="messages not sent yet or given up on, and why; retry them")
    parser.add_argument(
        "--all", action="store_true", help="also messages simply waiting their turn (default: stuck or failed only)"
    )
    QUEUE.configure(parser, retry="send message ID again (or 'failed': every failed one)")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return QUEUE.run(args, settings, _outbox)


async def _outbox(db: Database, args: argparse.Namespace) -> int:
    from storage.clock import utcnow
    from storage.repos import outbox

    async with db.session() as session:
        if args.retry:
            row_id = QUEUE.retried(args)
            count = await outbox.retry(session, row_id=row_id)
            print(cli_db.say("cli.outbox.retried", count=count))
            return 0 if count or row_id is None else 2
        rows = await outbox.problems(session, now=utcnow(), everything=args.all, limit=args.limit)
    if not rows:
        print(cli_db.say("cli.outbox.empty" if args.all else "cli.outbox.none_stuck"))
    for row in rows:
        text = " ".join(row.text.split())[:50]
        error = (row.last_error or "").replace("\n", " ")[:80]
        when = row.next_try_at.isoformat(timespec="seconds")
        print(
            f"{row.id}\t{row.state}\t{row.purpose or row.method}\tchat {row.chat_id}\t"
            f"{cli_db.say('cli.queue.tries', count=row.attempts)}\t{cli_db.say('cli.outbox.next', when=when)}\t"
            f"{error or '-'}\t{text}"
        )
    return 0


VERB = Verb("outbox", _configure, _run)
