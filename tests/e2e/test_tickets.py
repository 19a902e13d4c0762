"""End to end: residents' tickets through the real runner and the fake Bot API — relay both ways
(text and photos) with the staff member's identity never reaching the resident, the rating, and a
forged rating."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from storage.clock import utcnow
from storage.models import Callback, Ticket, Timer
from tests.support.e2e import GROUP, STAFF, SUPERVISOR, RunningBot, button, setup_site

RESIDENT, NEIGHBOUR = 5001, 5002


async def test_relay_both_ways_rating_and_forged_rating(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(RESIDENT, "卫生间的灯坏了，麻烦安排人修一下", chat=RESIDENT)
    await bot.reply_to(RESIDENT, "T1")
    [card] = await bot.reply_to(GROUP, "报修 T1")
    card_id = card.result["message_id"]

    bot.say(STAFF, "师傅下午两点上门", reply_to_message_id=card_id)
    [relayed] = await bot.reply_to(RESIDENT, "下午两点")
    assert "客户服务中心" in relayed.params["text"] and f"U{STAFF}" not in relayed.params["text"]
    await bot.reply_to(GROUP, "已以客户服务中心名义转达")

    bot.say(RESIDENT, "好的我在家", chat=RESIDENT, reply_to_message_id=relayed.result["message_id"])
    [back] = await bot.reply_to(GROUP, "好的我在家")
    bot.say(STAFF, "收到", reply_to_message_id=back.result["message_id"])
    await bot.reply_to(RESIDENT, "收到")

    # Photos both ways: the resident's reaches the group, a staff photo reply reaches the resident.
    bot.say(RESIDENT, "", chat=RESIDENT, photo=True)
    [resident_photo] = await bot.fake.wait_for("sendPhoto", lambda c: c.params.get("chat_id") == GROUP)
    bot.say(STAFF, "修好后的样子", reply_to_message_id=resident_photo.result["message_id"], photo=True)
    [staff_photo] = await bot.fake.wait_for("sendPhoto", lambda c: c.params.get("chat_id") == RESIDENT)
    assert "客户服务中心" in staff_photo.params["caption"] and f"U{STAFF}" not in staff_photo.params["caption"]

    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, card_id, button(card, "已处理")))
    [ask] = await bot.reply_to(RESIDENT, "请您对本次服务评价")
    assert "久等" not in ask.params["text"]  # resolved within its deadline: no apology for a wait
    bot.say(NEIGHBOUR, "/my", chat=NEIGHBOUR)
    [mine] = await bot.reply_to(NEIGHBOUR, "没有")  # /my shows only one's own: none
    forged = bot.fake.user_click(NEIGHBOUR, NEIGHBOUR, mine.result["message_id"], button(ask, "满意"))
    bot.fake.push_update(forged)
    answers = await bot.fake.wait_for("answerCallbackQuery", lambda c: "不是您的" in c.params.get("text", ""))
    assert answers
    rate = button(ask, "不满意")
    bot.fake.push_update(bot.fake.user_click(RESIDENT, RESIDENT, ask.result["message_id"], rate))
    await bot.reply_to(SUPERVISOR, "不满意")
    async with bot.db().session() as session:
        ticket = (await session.exec(select(Ticket))).one()
    assert (ticket.status, ticket.reopened) == ("reopened", 1)
    everything_to_resident = " ".join(m.get("text") or m.get("caption") or "" for m in bot.fake.sent_messages(RESIDENT))
    assert f"U{STAFF}" not in everything_to_resident and str(STAFF) not in everything_to_resident


async def test_missed_on_site_deadline_pings_and_phone_callback(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(RESIDENT, "家里水管爆了，水漫出来了，紧急！", chat=RESIDENT)
    [card] = await bot.reply_to(GROUP, "T1")
    async with bot.db().session() as session:  # as if 15 minutes passed with nobody on site
        await session.exec(update(Ticket).values(deadline_at=utcnow()))  # type: ignore[call-overload]
        await session.exec(update(Timer).where(col(Timer.kind) == "tk.sla").values(due_at=utcnow()))  # type: ignore[call-overload]
    [ping] = await bot.reply_to(SUPERVISOR, "15分钟内仍无人到场", timeout=10)
    assert "T1" in ping.params["text"]
    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, card.result["message_id"], button(card, "已处理")))
    [ask] = await bot.reply_to(RESIDENT, "请您对本次服务评价")
    assert "对不起让您久等了" in ask.params["text"]  # past the promised deadline: the apology is due
    bot.say(STAFF, "/callback 1 电话 满意 已电话确认")
    await bot.reply_to(GROUP, "T1 回访：满意")
    async with bot.db().session() as session:
        ticket = (await session.exec(select(Ticket))).one()
    assert (ticket.status, ticket.satisfaction) == ("closed", "satisfied")
    bot.say(STAFF, "/callback 1 满意")  # the same result again: refused, with what is on record
    [again] = await bot.reply_to(GROUP, "已登记过")
    assert "满意" in again.params["text"] and "电话" in again.params["text"]
    async with bot.db().session() as session:
        made = (await session.exec(select(Callback).where(col(Callback.state) == "done"))).all()
    assert len(made) == 1
