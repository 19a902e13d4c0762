"""Contractors never borrow directly, and keys not back get a reason (issue 18, points 9-10): an
outsider's loan names the outsider and the staff member who signs and answers for it (000 L516,
L573; 001 L295); the overdue chase asks why a key is not back and the daily key report shows it
(000 L514, L571); a loan is for several keys or a quantity (001 L1041)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import col, select

from handlers.core.messages import Chat, Reply, User
from storage.models import Key, KeyLoan
from tests.support import GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, text_of
from tests.support.keys import STAFF2, key_site

ENGINEER = User(id=104, name="工程部老刘", username="laoliu", language="zh-hans")


async def loans(h: DeskHarness) -> list[KeyLoan]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(KeyLoan).order_by(col(KeyLoan.id)))).all())


async def texts_to(h: DeskHarness, chat_id: int, since: int = 0) -> list[str]:
    return [row.text for row in await h.outbox() if row.chat_id == chat_id and (row.id or 0) > since]


async def last_id(h: DeskHarness) -> int:
    rows = await h.outbox()
    return (rows[-1].id or 0) if rows else 0


# Point 9 ---------------------------------------------------------------------------------------


async def test_an_outsider_is_named_and_the_staff_member_who_signs_answers_for_the_key(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    card = text_of(await h.send("/lend 5-JF 王师傅 13800000000 修水管", STAFF2))
    assert "借用人：王师傅（外部） 13800000000，由 值班员小王 签字借用并负责" in card
    [loan] = await loans(h)
    assert (loan.borrower_id, loan.borrower_name, loan.outsider_name, loan.external) == (
        STAFF2.id,
        STAFF2.name,
        "王师傅",
        True,
    )
    [ping] = [row for row in await h.outbox() if row.chat_id == SUPERVISOR.id and row.purpose == "approval"]
    assert "施工人员不得直接借用" in ping.text
    await h.press(ping.buttons[0][0]["data"], SUPERVISOR)
    assert "王师傅（外部） 13800000000，由 值班员小王 签字借用并负责" in text_of(await h.send("/keys"))
    mark = await last_id(h)
    await h.desk.sweep(h.clock.advance(hours=8))  # 18:00: the one who signed is chased
    assert any("逾期未还：5-JF" in text for text in await texts_to(h, STAFF2.id, mark))


async def test_a_colleague_named_with_at_signs_for_the_outsider(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    await h.join(ENGINEER, "staff")
    assert "不是本项目的员工" in text_of(await h.send("/lend 3-JF 李师傅 @nobody 修空调"))
    card = text_of(await h.send("/lend 3-JF 李师傅 @laoliu 13900000000 修空调"))
    assert "李师傅（外部） 13900000000，由 工程部老刘 签字借用并负责（登记：值班员小李）" in card
    [loan] = await loans(h)
    assert (loan.borrower_id, loan.lent_by, loan.outsider_name) == (ENGINEER.id, STAFF.id, "李师傅")
    assert loan.purpose == "修空调"
    assert "用法" in text_of(await h.send("/lend 3-JF @laoliu"))  # the outsider must be named


# Point 10 --------------------------------------------------------------------------------------


async def test_the_overdue_chase_asks_why_and_the_daily_report_shows_the_reason(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    await h.send("/borrow 3-JF 修空调")
    await h.send("/borrow V-1201 带看", STAFF2)
    mark = await last_id(h)
    await h.desk.sweep(h.clock.advance(hours=8))  # 18:00
    [chase] = [row for row in await h.outbox() if row.chat_id == STAFF.id and (row.id or 0) > mark]
    assert "请回复本消息说明未还原因" in chase.text and chase.ref_kind == "key_loan"
    await h.desk.link_sent(STAFF.id, 700, Reply("", link=("key_loan", chase.ref_id or 0)))
    private = Chat(id=STAFF.id, private=True)
    said = await h.send("空调维修未完，工程部明早归还", STAFF, chat=private, reply_to_message_id=700, reply_to_bot="")
    assert "已记录 3-JF 3栋机房 未还原因：空调维修未完，工程部明早归还" in text_of(said)
    assert "已记录" in text_of(await h.send("/key_late V-1201 业主未看完，明早送回", STAFF2))
    await h.send("/return V-1201")
    await h.desk.sweep(h.clock.advance(hours=3))  # 21:00: the daily key report
    [report] = [text for text in await texts_to(h, GROUP.id) if "钥匙日报" in text]
    assert "⏰ 3-JF 3栋机房 — 值班员小李" in report and "未还原因：空调维修未完，工程部明早归还" in report
    mark = await last_id(h)
    h.clock.now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 next morning: the supervisors
    await h.desk.sweep()
    assert any("未还原因：空调维修未完" in text for text in await texts_to(h, SUPERVISOR.id, mark))


async def test_a_key_late_without_a_reason_is_reported_as_not_given(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    await h.send("/borrow 3-JF")
    assert "用法" in text_of(await h.send("/key_late 3-JF"))
    assert "没有借出" in text_of(await h.send("/key_late 5-JF 不知道"))
    await h.desk.sweep(h.clock.advance(hours=11))  # 21:00
    [report] = [text for text in await texts_to(h, GROUP.id) if "钥匙日报" in text]
    assert "未还原因：未说明（请查明）" in report


async def test_a_loan_of_several_keys_or_a_quantity(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    async with h.desk.db.session() as session:
        await session.exec(update(Key).where(col(Key.code) == "3-JF").values(copies=2))  # type: ignore[call-overload]
    out = await h.send("/borrow 3-JF*2 5-JF 修空调")
    assert len(out.replies) == 2
    assert "已借出 3-JF 3栋机房" in out.replies[0].text and "数量：2 把" in out.replies[0].text
    assert "已借出 5-JF 5栋机房" in out.replies[1].text and "数量" not in out.replies[1].text
    assert [(loan.quantity, loan.purpose) for loan in await loans(h)] == [(2, "修空调"), (1, "修空调")]
    assert "只有 1 把" in text_of(await h.send("/borrow V-1201 3把 带看", STAFF2))
    assert "3-JF 3栋机房 ×2 — 值班员小李" in text_of(await h.send("/keys"))
    back = await h.send("/return 3-JF 5-JF 完好", MANAGER)
    assert "已归还 3-JF 3栋机房 ×2" in back.replies[0].text and "已归还 5-JF" in back.replies[1].text
    assert [loan.status for loan in await loans(h)] == ["returned", "returned"]


async def test_a_reply_to_a_loan_card_before_its_due_time_is_no_reason(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    await h.send("/borrow 3-JF")
    await h.desk.link_sent(GROUP.id, 800, Reply("", link=("key_loan", 1)))
    said = await h.send("收到", STAFF2, reply_to_message_id=800, reply_to_bot="")
    assert "未还原因" not in text_of(said)
    assert (await loans(h))[0].late_reason is None
