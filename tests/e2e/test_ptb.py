"""End to end under the python-telegram-bot engine: the same runner, inbox, outbox and handlers as
aiogram, through PTB's HTTPX layer against the fake Bot API. (Until the suite in test_telegram.py
is parametrised by engine; running it with DUTYDESK_ENGINE=ptb passes as well.)"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import Incident
from tests.e2e.test_telegram import GROUP, STAFF, SUPERVISOR, RunningBot, button, setup_site
from tests.fakes.bot_api import FakeBotAPI


@pytest.fixture
async def running_ptb(tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with FakeBotAPI(can_read_all_group_messages=True) as fake:
        bot = RunningBot(fake, tmp_path / "e2e-ptb.db")
        bot.settings = bot.settings.model_copy(update={"dutydesk_engine": "ptb"})
        await bot.start()
        try:
            yield bot
        finally:
            with contextlib.suppress(Exception):
                await bot.stop()


async def test_log_escalate_and_acknowledge_under_ptb(running_ptb: RunningBot) -> None:
    bot = running_ptb
    scopes = {c.params["scope"]["type"] for c in bot.fake.calls_of("setMyCommands")}
    assert scopes == {"all_group_chats", "all_private_chats"}
    await setup_site(bot)
    bot.say(STAFF, "/log 3栋大堂天花漏水，已通知维修")
    [card] = await bot.reply_to(GROUP, "#1")
    assert button(card, "改类别")
    bot.say(STAFF, "/log 5栋12楼起火，浓烟很大，有人被困")
    [ping] = await bot.reply_to(SUPERVISOR, "重大事件 #2")
    bot.fake.push_update(bot.fake.user_click(SUPERVISOR, SUPERVISOR, ping.result["message_id"], button(ping, "确认")))
    await bot.reply_to(GROUP, "已确认重大事件 #2")
    [answer] = await bot.fake.wait_for("answerCallbackQuery")
    assert "已确认" in answer.params.get("text", "")
    async with bot.db().session() as session:
        major = (await session.exec(select(Incident).where(Incident.number == 2))).one()
    assert (major.escalation, major.acknowledged_by) == ("acknowledged", SUPERVISOR)
