"""A poison update in-process: handling it fails every time with an error the database
itself raises (a value it refuses) while the database answers. Each failure counts; after three the
update is set aside (kept), its sender told once, other chats answered meanwhile; `dutydesk inbox`
shows it with why, and puts it back on request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import DataError
from sqlmodel import select

from handlers.core.context import Context
from handlers.core.messages import Outcome
from handlers.core.router import Router
from storage.models import Inbox, Outbox
from tests.fakes.bot_api import FakeBotAPI
from tests.support.e2e import RunningBot

SENDER, OTHER = 4242, 4343
SET_ASIDE = "多次处理失败"  # handlers/core/locales/inbox.zh-Hans.toml


def refuse_poison(monkeypatch: pytest.MonkeyPatch) -> None:
    """The router raises what PostgreSQL raises for a too-long value, for messages saying POISON."""
    route = Router.route

    async def routed(self: Router, ctx: Context) -> Outcome:
        if "POISON" in ctx.msg.text:
            raise DataError("INSERT INTO incident …", {}, Exception("value too long for type character varying(500)"))
        return await route(self, ctx)

    monkeypatch.setattr(Router, "route", routed)


def told(fake: FakeBotAPI) -> list[Any]:
    return [
        c
        for c in fake.calls_of("sendMessage")
        if c.params.get("chat_id") == SENDER and SET_ASIDE in c.params.get("text", "")
    ]


async def test_an_update_failing_in_the_handler_is_set_aside_after_three_attempts(
    tmp_path: Path, migrated_sqlite: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    refuse_poison(monkeypatch)
    async with FakeBotAPI() as fake:
        bot = RunningBot(fake, tmp_path / "poison.db", template=migrated_sqlite, inbox_lease_seconds=1)
        async with bot:
            poison = bot.say(SENDER, "POISON 月报", chat=SENDER)
            bot.say(OTHER, "/help", chat=OTHER)
            await bot.reply_to(OTHER, "", timeout=15)  # another chat is answered meanwhile
            await bot.reply_to(SENDER, SET_ASIDE, timeout=30)
            bot.say(OTHER, "/help", chat=OTHER)
            await bot.reply_to(OTHER, "", count=2, timeout=15)  # and after
        db = bot.db()
        async with db.session() as session:
            row = (await session.exec(select(Inbox).where(Inbox.update_id == poison))).one()
            notices = (await session.exec(select(Outbox).where(Outbox.chat_id == SENDER))).all()
        await db.dispose()
    assert row.dead_at is not None and row.attempts == 3
    assert row.last_error is not None and "value too long" in row.last_error
    assert len(told(fake)) == 1 and len(notices) == 1  # told once


def test_cli_inbox_shows_updates_set_aside_and_retries_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    migrated_file: Callable[[Path], str],
) -> None:
    import asyncio

    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")  # the messages below are the English ones

    from bot.cli import main
    from storage.clock import utcnow
    from storage.db import Database
    from storage.repos import inbox

    url = migrated_file(tmp_path / "d.db")
    payload = '{"update_id": 7, "message": {"chat": {"id": 4242}, "from": {"id": 4242}, "text": "POISON 月报"}}'

    async def one_set_aside() -> None:
        from datetime import timedelta

        db = Database(url)
        async with db.session() as session:
            updates = [(7, payload), (8, payload)]
            await inbox.store(session, updates=updates, now=utcnow(), lease=timedelta(0), token="t")
            await inbox.failed(session, update_id=7, error="value too long", retry_at=utcnow())
            await inbox.set_aside(session, update_id=7, now=utcnow(), error="set aside after 3 attempts")
        await db.dispose()

    asyncio.run(one_set_aside())
    assert main(["inbox", "--dead", "--database", url]) == 0
    shown = capsys.readouterr().out.strip().splitlines()
    assert len(shown) == 1 and shown[0].startswith("7\t")
    assert "value too long" in shown[0] and "chat 4242" in shown[0] and "POISON 月报" in shown[0]
    assert main(["inbox", "--database", url]) == 0  # waiting: 8 only
    assert [line.split("\t")[0] for line in capsys.readouterr().out.strip().splitlines()] == ["8"]
    assert main(["inbox", "--retry", "8", "--database", url]) == 2  # 8 is not set aside
    assert "no update 8 is set aside" in capsys.readouterr().err
    assert main(["inbox", "--retry", "nonsense", "--database", url]) == 2
    assert "--retry takes an ID from the list or 'dead'" in capsys.readouterr().err
    assert main(["inbox", "--retry", "7", "--database", url]) == 0
    assert "1 update(s) will be handled again" in capsys.readouterr().out
    assert main(["inbox", "--dead", "--database", url]) == 0
    assert "nothing set aside" in capsys.readouterr().out
    assert main(["inbox", "--database", url]) == 0
    waiting = capsys.readouterr().out.strip().splitlines()
    assert waiting[0].split("\t")[2] == "tries 0"  # 7 again, with a fresh count of attempts
