"""Real bot processes against the suite's fake Bot API, killed at chosen points (bot.faults).

A run pushes a burst of `/log` updates, starts `dutydesk run` as a child process (optionally with
``DUTYDESK_FAULT=point:k``), waits for it to die or finish, restarts it cleanly, and then counts
from the outside: updates pushed and confirmed (the fake's offset), updates handled and records
stored (the database), replies sent (the fake), duplicates and losses.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import func, select

from storage.db import Database
from storage.models import Inbox, Incident, Outbox, ProcessedUpdate
from tests.fakes.bot_api import FakeBotAPI
from tests.support import ADMIN, GROUP, STAFF, DeskHarness, FakeClock
from tests.support.desks import make_desk

MARK = re.compile(r"burst-(\d+)")


@dataclass
class Tally:
    pushed: int = 0
    confirmed: int = 0
    handled: int = 0
    stored: int = 0
    replied: int = 0
    duplicated_records: int = 0
    duplicated_replies: int = 0
    lost: int = 0
    stored_without_reply: int = 0
    outbox_left: int = 0
    in_flight: int = 0  # sent to Telegram when the process died, not yet marked sent: repeated
    inbox_left: int = 0
    exits: list[int] = field(default_factory=list)
    recovery: float = 0.0  # seconds from a restart (or a kill) to the last reply, where measured

    def row(self, name: str) -> str:
        return (
            f"{name:28} sent {self.pushed:4} confirmed {self.confirmed:4} stored {self.stored:4} "
            f"replied {self.replied:4} dup {self.duplicated_records}/{self.duplicated_replies} "
            f"lost {self.lost} no-reply {self.stored_without_reply} in-flight {self.in_flight} exits {self.exits}"
        )


async def prepare_site(db: Database, rules: object) -> None:
    """Site HG with its duty group (the fake's GROUP id) and staff, written through the desk."""
    from datetime import UTC, datetime

    clock = FakeClock(datetime.now(UTC))
    harness = DeskHarness(make_desk(db, rules, clock), clock)  # type: ignore[arg-type]
    await harness.setup_site()
    async with db.session() as session:  # the set-up's own replies are not part of the run
        await session.exec(Outbox.__table__.delete())  # type: ignore[attr-defined,call-overload]


RUNNING: list[asyncio.subprocess.Process] = []  # killed after each test (tests/faults/conftest.py)


class BotProcess:
    def __init__(self, fake: FakeBotAPI, database_url: str, workdir: Path) -> None:
        self.fake, self.database_url, self.workdir = fake, database_url, workdir
        self.process: asyncio.subprocess.Process | None = None
        self.stderr = b""
        self._reader: asyncio.Task[bytes] | None = None

    def env(self, fault: str | None, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DUTYDESK_", "LLM_"))}
        env.update(
            {
                "BOT_TOKEN": self.fake.token,
                "TELEGRAM_API_URL": self.fake.base_url,
                "DATABASE_URL": self.database_url,
                "ADMIN_IDS": str(ADMIN.id),
                "TICK_SECONDS": "0.2",
                "POLLING_TIMEOUT": "1",
                "INBOX_LEASE_SECONDS": "2",
                "CLAIM_STALE_SECONDS": "3",
                "CHAT_PER_SECOND": "0",
                "GROUP_PER_MINUTE": "0",
                **extra,
            }
        )
        if fault:
            env["DUTYDESK_FAULT"] = fault
        return env

    async def start(self, fault: str | None = None, **extra: str) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=str(self.workdir),
            env=self.env(fault, **extra),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        RUNNING.append(self.process)

    def drain(self) -> None:
        """Read the log while the process runs (a long run would fill the pipe and block it)."""
        assert self.process is not None and self.process.stderr is not None
        self._reader = asyncio.create_task(self.process.stderr.read())

    async def wait(self, timeout: float = 60) -> int:  # noqa: ASYNC109
        assert self.process is not None and self.process.stderr is not None
        reader = self._reader or self.process.stderr.read()
        self._reader = None
        err = await asyncio.wait_for(reader, timeout)
        self.stderr += err
        code = await asyncio.wait_for(self.process.wait(), timeout)
        return code

    async def terminate(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)


def push_burst(fake: FakeBotAPI, n: int, start: int = 0) -> list[int]:
    return [
        fake.push_update(fake.user_message(GROUP.id, STAFF.id, f"/log 3栋大堂漏水 burst-{i}", first_name="小李"))
        for i in range(start, start + n)
    ]


def replies_by_mark(fake: FakeBotAPI) -> Counter[int]:
    counts: Counter[int] = Counter()
    for call in fake.calls_of("sendMessage"):
        if call.params.get("chat_id") == GROUP.id:
            found = MARK.search(str(call.params.get("text", "")))
            if found:
                counts[int(found.group(1))] += 1
    return counts


async def wait_for_replies(fake: FakeBotAPI, n: int, timeout: float = 60, repeated: int = 0) -> None:  # noqa: ASYNC109
    """Until n records have their reply, and the ``repeated`` in-flight ones were sent again."""

    def done() -> bool:
        replies = replies_by_mark(fake)
        return len(replies) >= n and sum(replies.values()) >= n + repeated

    await fake.wait_until(done, timeout=timeout)


async def in_flight(fake: FakeBotAPI, db: Database) -> int:
    """After a crash: outbox rows the dead process was sending that Telegram (the fake) did receive.
    Telegram cannot tell the bot so; they are sent again after the restart."""
    received = set(replies_by_mark(fake))
    async with db.session() as session:
        sending = (await session.exec(select(Outbox).where(Outbox.state == "sending"))).all()
    marks = {int(m.group(1)) for row in sending if (m := MARK.search(row.text))}
    return len(marks & received)


async def tally(fake: FakeBotAPI, db: Database, pushed: list[int], exits: list[int], in_flight: int = 0) -> Tally:
    pending = {u["update_id"] for u in fake.pending_updates}
    replies = replies_by_mark(fake)
    async with db.session() as session:
        situations = [i.situation for i in (await session.exec(select(Incident))).all()]
        handled = (await session.exec(select(func.count()).select_from(ProcessedUpdate))).one()
        outbox_left = (await session.exec(select(func.count()).select_from(Outbox).where(Outbox.state != "sent"))).one()
        inbox_left = (await session.exec(select(func.count()).select_from(Inbox))).one()
        for row in (await session.exec(select(Outbox).where(Outbox.state != "sent"))).all():
            print("left in the outbox:", row.id, row.state, row.method, row.purpose, row.chat_id, row.text[:40])
    marks = Counter(int(m.group(1)) for s in situations if (m := MARK.search(s)))
    wanted = set(range(len(pushed)))
    return Tally(
        pushed=len(pushed),
        confirmed=len([u for u in pushed if u not in pending]),
        handled=int(handled),
        stored=len(marks),
        replied=len(replies),
        duplicated_records=sum(c - 1 for c in marks.values()),
        duplicated_replies=sum(c - 1 for c in replies.values()),
        lost=len(wanted - set(marks)),
        stored_without_reply=len(set(marks) - set(replies)),
        outbox_left=int(outbox_left),
        inbox_left=int(inbox_left),
        in_flight=in_flight,
        exits=exits,
    )
