"""End to end: a patrol round pinged by the running bot's ticker, started by a button, its
checkpoints signed by a tap, a photo replying to the card and a shared location (one too far)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers.patrols.plans import resolve_site, save, spec_of
from storage.clock import utcnow
from storage.models import PatrolCheck, PatrolRound
from tests.support.e2e import GROUP, STAFF, RunningBot, button, setup_site

ROOF = (22.5431, 114.0579)


async def add_plan_due_now(bot: RunningBot) -> None:
    """A plan with a round due this minute, as if it had been added yesterday."""
    minute = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
    checkpoints = [
        "地下车库",
        {"name": "消防泵房", "proof": "photo"},
        {"name": "天台", "proof": "location", "lat": ROOF[0], "lon": ROOF[1], "radius": 30},
    ]
    db = bot.db()
    async with db.session() as session:
        site = await resolve_site(session, "HG")
        spec = spec_of(1, {"name": "消防巡查", "at": minute}, checkpoints)
        await save(session, site, [spec], now=utcnow() - timedelta(days=1))
    await db.dispose()


async def test_round_pinged_and_signed_by_tap_photo_and_location(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    await add_plan_due_now(bot)
    [ping] = await bot.reply_to(GROUP, "巡查时间到", timeout=10)
    card_id = ping.result["message_id"]
    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, card_id, button(ping, "开始巡查")))
    [started] = await bot.fake.wait_for("editMessageText", lambda c: "进行中" in c.params["text"])
    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, card_id, button(started, "地下车库")))
    await bot.fake.wait_for("editMessageText", lambda c: "✅ 地下车库" in c.params["text"])
    bot.fake.push_update(bot.fake.user_message(GROUP, STAFF, "", reply_to_message_id=card_id, photo=True))
    await bot.reply_to(GROUP, "「消防泵房」已签到")
    far = {"location": {"latitude": ROOF[0] + 0.0018, "longitude": ROOF[1]}}
    bot.fake.push_update(bot.fake.user_message(GROUP, STAFF, extra=far))
    await bot.reply_to(GROUP, "离「天台」还有 200 米")
    near = {"location": {"latitude": ROOF[0], "longitude": ROOF[1] + 0.0001}}
    bot.fake.push_update(bot.fake.user_message(GROUP, STAFF, extra=near))
    await bot.reply_to(GROUP, "「天台」已签到")
    [card] = await bot.fake.wait_for("editMessageText", lambda c: "✅ 天台" in c.params["text"])
    assert card.params["message_id"] == card_id  # the card is edited in place, also for a location
    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, card_id, button(card, "巡查完毕")))
    await bot.fake.wait_for("editMessageText", lambda c: "已完成" in c.params["text"])
    db = bot.db()
    async with db.session() as session:
        rnd = (await session.exec(select(PatrolRound))).first()
        proofs = [c.proof for c in (await session.exec(select(PatrolCheck))).all()]
    await db.dispose()
    assert rnd is not None and (rnd.status, rnd.done_by) == ("done", STAFF)
    assert sorted(proofs) == ["location", "photo", "tap"]


async def test_finding_opens_incident_and_recheck_follows_close(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    await add_plan_due_now(bot)
    [ping] = await bot.reply_to(GROUP, "巡查时间到", timeout=10)
    card_id = ping.result["message_id"]
    finding = bot.fake.user_message(GROUP, STAFF, "消防泵房门锁坏了", reply_to_message_id=card_id, photo=True)
    bot.fake.push_update(finding)
    await bot.reply_to(GROUP, "巡查发现已记录为 #1")
    bot.say(STAFF, "/close 1 已换新锁")
    [reminder] = await bot.reply_to(GROUP, "请到现场复查", timeout=10)
    assert "#1" in reminder.params["text"] and "已换新锁" in reminder.params["text"]
    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, reminder.result["message_id"], button(reminder, "已复查")))
    await bot.fake.wait_for("editMessageText", lambda c: "#1 已复查" in c.params["text"])
