"""End to end against the fake Bot API: the key register from a file, a loan, a refused double loan,
the return button, an outside loan approved in private, and an overdue ping from a timer row."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from storage.clock import utcnow
from storage.models import Key, KeyLoan, Timer
from tests.support.e2e import GROUP, STAFF, SUPERVISOR, RunningBot, button, setup_site


def send_file(bot: RunningBot, user: int, data: bytes, name: str, caption: str = "/keys_import") -> None:
    stored = bot.fake._store_file(data, "documents", name.rsplit(".", 1)[1])
    document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": name}
    entities = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
    message = bot.fake.user_message(
        GROUP,
        user,
        "",
        first_name=f"U{user}",
        extra={"document": document, "caption": caption, "caption_entities": entities},
    )
    message.pop("text", None)
    bot.fake.push_update(message)


async def test_key_register_from_a_file_sent_to_the_group(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    send_file(
        bot, SUPERVISOR, b"code,label,kind\n3-JF,3\xe6\xa0\x8b\xe6\x9c\xba\xe6\x88\xbf,plant\n,x,unit\n", "bad.csv"
    )
    await bot.reply_to(GROUP, "第 3 行")
    send_file(bot, SUPERVISOR, "code,label,kind,location,copies\n3-JF,3栋机房,plant,钥匙柜,2\n".encode(), "keys.csv")
    await bot.reply_to(GROUP, "已导入 1 把钥匙")
    async with bot.db().session() as session:
        keys = (await session.exec(select(Key))).all()
    assert [(k.code, k.label, k.copies) for k in keys] == [("3-JF", "3栋机房", 2)]


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
    [pending] = await bot.reply_to(GROUP, "待批准 5-JF")
    [ping] = await bot.reply_to(SUPERVISOR, "钥匙借用待您批准")
    bot.fake.push_update(bot.fake.user_click(SUPERVISOR, SUPERVISOR, ping.result["message_id"], button(ping, "批准")))
    # the 待批准 card itself becomes the lent card (no new message, no 撤销 left behind)
    [lent] = await bot.fake.wait_for("editMessageText", lambda c: "已借出 5-JF" in c.params.get("text", ""))
    assert "批准：U201" in lent.params["text"] and lent.params["message_id"] == pending.result["message_id"]
    assert "撤销" not in str(lent.params.get("reply_markup"))

    async with bot.db().session() as session:  # the evening comes: the overdue timer is due
        await session.exec(update(Timer).where(col(Timer.kind) == "key_overdue").values(due_at=utcnow()))  # type: ignore[call-overload]
    await bot.reply_to(GROUP, "逾期未还：5-JF", timeout=10)
    async with bot.db().session() as session:
        statuses = sorted(loan.status for loan in (await session.exec(select(KeyLoan))).all())
    assert statuses == ["out", "returned"]
