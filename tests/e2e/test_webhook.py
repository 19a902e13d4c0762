"""End to end in webhook mode, once per engine: the bot sets its webhook with the secret, the fake
Bot API pushes updates to it (as Telegram does), and the bot's own server stores each update in the
inbox before answering 200; a request without the secret is refused and stores nothing."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from bot.engines.factory import ENGINES
from storage.db import Database
from storage.models import Inbox, Incident, ProcessedUpdate
from tests.fakes.bot_api import FakeBotAPI
from tests.support.e2e import GROUP, STAFF, RunningBot, setup_site
from tests.support.webhook import SECRET, free_port, webhook_settings


@pytest.fixture(params=ENGINES)
async def hooked(tmp_path: Path, migrated_sqlite: Path, request: pytest.FixtureRequest) -> AsyncIterator[RunningBot]:
    hook = webhook_settings(free_port())
    async with (
        FakeBotAPI(can_read_all_group_messages=True, allow_http_webhook=True) as fake,
        RunningBot(fake, tmp_path / "hook.db", engine=request.param, template=migrated_sqlite, **hook) as bot,
    ):
        yield bot


async def test_webhook_mode_answers_and_refuses_strangers(hooked: RunningBot) -> None:
    bot = hooked
    [hook] = bot.fake.calls_of("setWebhook")
    assert hook.params["secret_token"] == SECRET and hook.params["url"] == bot.settings.webhook_url
    assert not bot.fake.calls_of("getUpdates")
    await setup_site(bot)
    bot.say(STAFF, "/log 3栋大堂天花漏水")
    await bot.reply_to(GROUP, "#1")
    assert bot.fake.deliveries and all(d.status == 200 for d in bot.fake.deliveries)

    forged = bot.fake.user_message(GROUP, STAFF, "/log 伪造的更新", first_name="U101")
    forged["update_id"] = 999_999
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(bot.settings.webhook_url, json=forged, headers=headers) as response:
                assert response.status == 401
        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(bot.settings.webhook_url, data=b"{not json", headers=good) as response:
            assert response.status == 400
        async with http.post(bot.settings.webhook_url, data=json.dumps([1]), headers=good) as response:
            assert response.status == 400
        health_url = bot.settings.webhook_url.replace("/telegram", "/healthz")
        async with http.get(health_url) as response:
            assert response.status == 200
    async with bot.db().session() as session:
        assert (await session.exec(select(func.count()).select_from(Inbox))).one() == 0
        assert (await session.get(ProcessedUpdate, 999_999)) is None
        assert len((await session.exec(select(Incident))).all()) == 1


async def test_database_outage_answers_503_and_telegram_delivers_again(
    hooked: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never 200 for an update that was not stored: while the database is away the webhook and
    /healthz answer 503, and the fake (Telegram) POSTs the update again until it is stored."""
    bot = hooked
    await setup_site(bot)

    @contextlib.asynccontextmanager
    async def away(self: Database) -> AsyncIterator[None]:
        raise OperationalError("SELECT 1", None, ConnectionRefusedError("the database is away"))
        yield  # pragma: no cover

    with monkeypatch.context() as outage:
        outage.setattr(Database, "session", away)
        update_id = bot.say(STAFF, "/log 停电期间的记录")
        await bot.fake.wait_until(
            lambda: len([d for d in bot.fake.deliveries if d.update_id == update_id]) >= 2, timeout=10
        )
        assert {d.status for d in bot.fake.deliveries if d.update_id == update_id} == {503}
        health = bot.settings.webhook_url.replace("/telegram", "/healthz")
        async with aiohttp.ClientSession() as http, http.get(health) as response:
            assert response.status == 503
    await bot.reply_to(GROUP, "#1", timeout=15)
    assert [d.status for d in bot.fake.deliveries if d.update_id == update_id][-1] == 200


@pytest.mark.parametrize("engine", ENGINES)
async def test_polling_removes_a_webhook_left_from_an_earlier_run(
    tmp_path: Path, migrated_sqlite: Path, engine: str
) -> None:
    async with FakeBotAPI(can_read_all_group_messages=True, allow_http_webhook=True) as fake:
        fake.webhook = {"url": "https://old.example.com/telegram", "secret_token": "old"}
        bot = RunningBot(fake, tmp_path / "polling.db", engine=engine, template=migrated_sqlite)
        await bot.start()  # waits for a getUpdates, which the fake refuses (409) while a webhook is set
        try:
            assert fake.webhook is None and fake.calls_of("deleteWebhook")
            bot.say(STAFF, "/help")
            await fake.wait_for("sendMessage", timeout=8)
        finally:
            await bot.stop()
