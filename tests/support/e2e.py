"""End to end: the real runner (`run_bot`) started and stopped like a process, on one SQLite file and the
suite's fake Bot API; the chats' people, a site set up through the chat, and a card's buttons."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from bot.launch import run_bot
from storage.db import Database
from tests.fakes.bot_api import Call, FakeBotAPI

ADMIN, STAFF, SUPERVISOR, STRANGER = 1, 101, 201, 999
GROUP = -100777


class RunningBot:
    """Starts and stops `run_bot` like a process would, on one database and one fake server.

    ``template``: a migrated SQLite file (the suite's ``migrated_sqlite``) copied to ``db_path``
    first, so the bot starts on a current schema: its start-up checks the revision in-process and
    runs no migration child (a new database's migration at start: tests/test_packaging.py and
    tests/cli/test_export_safety.py)."""

    def __init__(
        self, fake: FakeBotAPI, db_path: Path, engine: str = "aiogram", *, template: Path | None = None, **settings: Any
    ) -> None:
        self.fake = fake
        if template is not None:
            shutil.copy(template, db_path)
        self.settings = Settings(
            dutydesk_engine=engine,
            _env_file=None,  # type: ignore[call-arg]
            bot_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url,
            database_url=f"sqlite+aiosqlite:///{db_path}",
            admin_ids=frozenset({ADMIN}),
            tick_seconds=0.2,
            polling_timeout=1,
            **{
                "group_per_minute": 0,
                "chat_per_second": 0,
                **settings,
            },  # the fake has no limits unless a test models them
        )
        self.task: asyncio.Task[None] | None = None
        self.stop_event = asyncio.Event()

    async def start(self) -> None:
        self.stop_event = asyncio.Event()
        before = len(self.fake.calls)
        self.task = asyncio.create_task(run_bot(self.settings, stop=self.stop_event))
        method = "setWebhook" if self.settings.webhook_url else "getUpdates"

        def started() -> bool:
            """This start's webhook is set, or its first long poll is in flight (waiting for it to
            return would wait out polling_timeout: the workers and the ticker already run)."""
            return any(c.method == method and (c.ok or not c.done) for c in self.fake.calls[before:])

        await self.fake.wait_until(started, timeout=45)

    async def __aenter__(self) -> RunningBot:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        """Stopped as a fixture's teardown: a failure to stop cleanly does not mask the test's result."""
        with contextlib.suppress(Exception):
            await self.stop()

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, timeout=15)
            self.task = None

    def say(self, user: int, text: str, chat: int = GROUP, **kw: Any) -> int:
        return self.fake.push_update(
            self.fake.user_message(chat, user, text, first_name=f"U{user}", chat_title="华庭值班群", **kw)
        )

    async def reply_to(self, chat: int, containing: str, *, count: int = 1, timeout: float = 8) -> list[Call]:  # noqa: ASYNC109
        return await self.fake.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") == chat and containing in c.params.get("text", ""),
            count=count,
            timeout=timeout,
        )

    def db(self) -> Database:
        return Database(self.settings.database_url)


def button(call: Call, label_part: str) -> str:
    markup = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for b in row:
            if label_part in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label_part!r} in {markup}")


async def setup_site(bot: RunningBot) -> None:
    bot.say(ADMIN, "/setup HG 华庭花园")
    await bot.reply_to(GROUP, "华庭花园")
    for user, role in ((STAFF, "staff"), (SUPERVISOR, "supervisor")):
        bot.say(ADMIN, f"/invite {role}")
        calls = await bot.reply_to(GROUP, "start=", count=1 if role == "staff" else 2)
        code = calls[-1].params["text"].rsplit("start=", 1)[1].strip()
        bot.say(user, f"/start {code}", chat=user)
        await bot.reply_to(user, "✅")
