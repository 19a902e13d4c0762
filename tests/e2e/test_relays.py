"""End to end, relays to residents through the real runner and the fake Bot API (which refuses
over-long texts and captions counted in UTF-16, like Telegram): a long relay arrives in parts, signed;
a relay refused as too long is not "the resident blocked the bot" and is not confirmed; a staff
document reaches the resident as that document; photos and replies nothing takes are answered."""

from __future__ import annotations

from tests.fakes.bot_api.errors import utf16_len
from tests.support.e2e import GROUP, STAFF, STRANGER, RunningBot, setup_site

RESIDENT = 5001
RELAYED = "已以客户服务中心名义转达"
BLOCKED = "无法私信"  # the duty group's notice of someone who cannot be reached


async def ticket_card(bot: RunningBot) -> int:
    await setup_site(bot)
    bot.say(RESIDENT, "卫生间的灯坏了，麻烦安排人修一下", chat=RESIDENT)
    [card] = await bot.reply_to(GROUP, "报修 T1")
    return int(card.result["message_id"])


def to_group(bot: RunningBot) -> list[str]:
    return [m.get("text", "") for m in bot.fake.sent_messages(GROUP)]


async def test_a_long_relay_arrives_in_parts_signed_at_the_end(running: RunningBot) -> None:
    bot = running
    card_id = await ticket_card(bot)
    text = "\n".join(["👍 师傅明天上午十点上门检修，请留人在家。"] * 250)  # 6000 UTF-16 units, 5250 characters
    bot.say(STAFF, text, reply_to_message_id=card_id)
    await bot.reply_to(GROUP, RELAYED, timeout=10)
    parts = [
        c
        for c in bot.fake.calls_of("sendMessage", ok=None)
        if c.params.get("chat_id") == RESIDENT and "👍" in c.params.get("text", "")
    ]
    assert len(parts) >= 2 and all(c.ok for c in parts)
    assert all(utf16_len(c.params["text"]) <= 4096 for c in parts)
    assert "".join(c.params["text"] for c in parts).count("👍") == 250  # nothing cut
    assert parts[-1].params["text"].endswith("华庭花园客户服务中心")
    assert not [t for t in to_group(bot) if BLOCKED in t]


async def test_a_caption_refused_as_too_long_is_neither_blocked_nor_relayed(running: RunningBot) -> None:
    bot = running
    card_id = await ticket_card(bot)
    too_long = "Bad Request: message caption is too long"
    bot.fake.fail_next("sendPhoto", status=400, retry_after=None, description=too_long)
    bot.say(STAFF, "修好后的样子", reply_to_message_id=card_id, photo=True)
    [told] = await bot.reply_to(GROUP, "未能转达业户", timeout=10)
    assert "过长" in told.params["text"]
    assert not [t for t in to_group(bot) if BLOCKED in t or RELAYED in t]


async def test_a_staff_document_reaches_the_resident_as_that_document(running: RunningBot) -> None:
    bot = running
    card_id = await ticket_card(bot)
    update = bot.fake.user_message(
        GROUP,
        STAFF,
        "维修报价单，请查收",
        first_name=f"U{STAFF}",
        reply_to_message_id=card_id,
        document=("报价单.pdf", b"%PDF-1.4 quote"),
    )
    bot.fake.push_update(update)
    [document] = await bot.fake.wait_for("sendDocument", lambda c: c.params.get("chat_id") == RESIDENT, timeout=10)
    caption = document.params["caption"]
    assert "维修报价单" in caption and "客户服务中心" in caption and f"U{STAFF}" not in caption
    assert document.params["document"] == update["message"]["document"]["file_id"]
    await bot.reply_to(GROUP, RELAYED)


async def test_photos_and_replies_nothing_takes_are_answered(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(STAFF, "/log 3栋大堂天花漏水")
    [card] = await bot.reply_to(GROUP, "#1")
    bot.say(STRANGER, "现场照片", reply_to_message_id=card.result["message_id"], photo=True)
    answered = await bot.reply_to(GROUP, "没有附到任何记录")
    assert answered[0].params.get("reply_parameters") or answered[0].params.get("reply_to_message_id")

    [setup_reply] = [c for c in bot.fake.calls_of("sendMessage") if "华庭花园" in c.params.get("text", "")][:1]
    bot.say(STAFF, "好的，明白", reply_to_message_id=setup_reply.result["message_id"])
    [unlinked] = await bot.reply_to(GROUP, "没有关联任何记录")
    assert "/ticket" in unlinked.params["text"]
