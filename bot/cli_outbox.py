"""``dutydesk outbox``: what the bot could not send yet, or gave up on, and why. Nothing
is dropped in silence: a failed message stays here until someone retries it or lets it go."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_db import DATABASE_HELP
from bot.cli_verbs import Verb

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database


def _configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("outbox", help="messages not sent yet or given up on, and why; retry them")
    parser.add_argument(
        "--all", action="store_true", help="also messages simply waiting their turn (default: stuck or failed only)"
    )
    parser.add_argument("--retry", metavar="ID", help="send message ID again (or 'failed': every failed one)")
    parser.add_argument("--limit", type=int, default=50, help="show at most this many (default 50)")
    parser.add_argument("--database", metavar="URL", help=DATABASE_HELP)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.retry and args.retry != "failed" and not args.retry.isdigit():
        return cli_db.refuse("--retry takes a message id or 'failed'")
    return cli_db.run(args, settings, lambda db: _outbox(db, args))


async def _outbox(db: Database, args: argparse.Namespace) -> int:
    from storage.clock import utcnow
    from storage.repos import outbox

    async with db.session() as session:
        if args.retry:
            count = await outbox.retry(session, row_id=None if args.retry == "failed" else int(args.retry))
            print(f"{count} message(s) will be sent again")
            return 0 if count or args.retry == "failed" else 2
        rows = await outbox.problems(session, now=utcnow(), everything=args.all, limit=args.limit)
    if not rows:
        print("nothing stuck: every message was sent" if not args.all else "the outbox is empty")
    for row in rows:
        text = " ".join(row.text.split())[:50]
        error = (row.last_error or "").replace("\n", " ")[:80]
        when = row.next_try_at.isoformat(timespec="seconds")
        print(
            f"{row.id}\t{row.state}\t{row.purpose or row.method}\tchat {row.chat_id}\t"
            f"tries {row.attempts}\tnext {when}\t{error or '-'}\t{text}"
        )
    return 0


VERB = Verb("outbox", _configure, _run)
