"""End to end: a resident's flood of photos, with Telegram's 20 messages a minute per group on (in the
fake and in the bot's delivery): the duty group gets one summary per batch, not a message per photo,
the ticket keeps every photo, a staff member's /log in the middle is answered at once, and the
summary's button brings the photos to the staff member's private chat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from handlers.tickets.residents import PHOTOS_AT_ONCE
from storage.clock import utcnow
from storage.models import TicketMessage, Timer
from tests.fakes.bot_api import Call, FakeBotAPI
from tests.support.e2e import GROUP, STAFF, RunningBot, button, setup_site

RESIDENT = 5001
PHOTOS = 60
TO_GROUP = ("sendMessage", "sendPhoto", "sendMediaGroup", "sendDocument")


@pytest.fixture(params=["aiogram", "ptb"])
async def limited(tmp_path: Path, migrated_sqlite: Path, request: pytest.FixtureRequest) -> AsyncIterator[RunningBot]:
    """The bot with Telegram's group limit on, against a fake that enforces it too (429 past it)."""
    async with (
        FakeBotAPI(can_read_all_group_messages=True, group_limit_per_minute=20) as fake,
        RunningBot(
            fake, tmp_path / "flood.db", engine=request.param, group_per_minute=20, template=migrated_sqlite
        ) as bot,
    ):
        yield bot


async def stored_photos(bot: RunningBot) -> int:
    async with bot.db().session() as session:
        rows = (await session.exec(select(TicketMessage).where(col(TicketMessage.photo_file_id).is_not(None)))).all()
    return len(rows)


def to_group(call: Call) -> bool:
    return call.method in TO_GROUP and call.ok and call.params.get("chat_id") == GROUP


async def test_photo_flood_reaches_the_group_in_one_batch_and_staff_go_first(limited: RunningBot) -> None:
    bot = limited
    await setup_site(bot)
    bot.say(RESIDENT, "卫生间天花板漏水，麻烦派人来看看", chat=RESIDENT)
    await bot.reply_to(GROUP, "报修 T1")
    before_flood = len(bot.fake.calls)
    for _ in range(PHOTOS // 2):
        bot.say(RESIDENT, "", chat=RESIDENT, photo=True)
    bot.say(STAFF, "/log 3栋大堂门禁失灵，已报修")
    for _ in range(PHOTOS - PHOTOS // 2):
        bot.say(RESIDENT, "", chat=RESIDENT, photo=True)
    [log_reply] = await bot.reply_to(GROUP, "门禁", timeout=15)

    for _ in range(150):  # every photo stored on the ticket (the inbox is worked through in a few seconds)
        if await stored_photos(bot) == PHOTOS:
            break
        await asyncio.sleep(0.1)
    assert await stored_photos(bot) == PHOTOS

    async with bot.db().session() as session:  # the batch window ends now rather than in a minute
        await session.exec(update(Timer).where(col(Timer.kind) == "tk.relay").values(due_at=utcnow()))  # type: ignore[call-overload]
    [summary] = await bot.reply_to(GROUP, "连续发来", timeout=20)
    await asyncio.sleep(1.0)  # anything else the flood would send to the group comes now

    flood = [c for c in bot.fake.calls[before_flood:] if to_group(c) and c is not log_reply]
    # the minute's first few photos, then one summary line for the rest
    assert [c.method for c in flood] == ["sendPhoto"] * PHOTOS_AT_ONCE + ["sendMessage"]
    assert bot.fake.calls.index(log_reply) < bot.fake.calls.index(flood[-1])  # staff were not held up
    assert f"×{PHOTOS - PHOTOS_AT_ONCE}" in summary.params["text"]  # the summary counts the photos it stands for

    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, summary.result["message_id"], button(summary, "照片")))
    shown = await bot.fake.wait_for("sendPhoto", lambda c: c.params.get("chat_id") == STAFF, count=PHOTOS, timeout=30)
    assert len({c.params["photo"] for c in shown}) == PHOTOS  # every photo the ticket keeps, once each
