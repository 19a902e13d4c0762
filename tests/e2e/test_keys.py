"""End to end against the fake Bot API: the key register, a loan, a refused double loan, the return
button, an outside loan approved in private, and an overdue ping from a timer row."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from storage.clock import utcnow
from storage.models import KeyLoan, Timer
from tests.e2e.test_telegram import GROUP, STAFF, SUPERVISOR, RunningBot, button, running, setup_site

__all__ = ["running"]


async def test_borrow_refuse_double_return_and_outside_loan_approved(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(SUPERVISOR, "/key_add 3-JF 3栋机房 plant")
    await bot.reply_to(GROUP, "已登记钥匙 3-JF")
    bot.say(SUPERVISOR, "/key_add 5-JF 5栋机房 plant")
    await bot.reply_to(GROUP, "已登记钥匙 5-JF")
    bot.say(STAFF, "/borrow 3-JF 修空调")
    [card] = await bot.reply_to(GROUP, "已借出 3-JF")
    bot.say(SUPERVISOR, "/borrow 3-JF")
    await bot.reply_to(GROUP, "未归还前不能再借")
    bot.fake.push_update(bot.fake.user_click(GROUP, SUPERVISOR, card.result["message_id"], button(card, "归还")))
    edited = await bot.fake.wait_for("editMessageText")
    assert "已归还 3-JF" in edited[0].params["text"] and "接收：U201" in edited[0].params["text"]

    bot.say(STAFF, "/lend 5-JF 王师傅 13800000000 修水管")
    await bot.reply_to(GROUP, "待批准 5-JF")
    [ping] = await bot.reply_to(SUPERVISOR, "钥匙借用待您批准")
    bot.fake.push_update(bot.fake.user_click(SUPERVISOR, SUPERVISOR, ping.result["message_id"], button(ping, "批准")))
    [lent] = await bot.reply_to(GROUP, "已借出 5-JF")
    assert "批准：U201" in lent.params["text"]

    async with bot.db().session() as session:  # the evening comes: the overdue timer is due
        await session.exec(update(Timer).where(col(Timer.kind) == "key_overdue").values(due_at=utcnow()))  # type: ignore[call-overload]
    await bot.reply_to(GROUP, "逾期未还：5-JF", timeout=10)
    async with bot.db().session() as session:
        statuses = sorted(loan.status for loan in (await session.exec(select(KeyLoan))).all())
    assert statuses == ["out", "returned"]
