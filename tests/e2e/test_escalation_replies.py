"""End to end: over the Bot API, the escalation reply says who was told, and /ack in the
duty group is answered there once."""

from __future__ import annotations

from tests.support.e2e import GROUP, STAFF, SUPERVISOR, RunningBot, setup_site


async def test_escalation_says_who_and_ack_in_group_answers_once(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(STAFF, "/log 5栋12楼起火，浓烟很大，有人被困")
    await bot.reply_to(SUPERVISOR, "重大事件 #1")
    await bot.reply_to(GROUP, "已通知 1 位：主管 1 位")
    bot.say(SUPERVISOR, "/ack 1")
    await bot.reply_to(GROUP, "已确认重大事件 #1")
    bot.say(STAFF, "/incidents")  # a later reply: anything about #1 was sent before it
    await bot.reply_to(GROUP, "未结事件")
    acks = [c for c in bot.fake.calls_of("sendMessage") if "已确认重大事件 #1" in c.params.get("text", "")]
    assert len(acks) == 1
