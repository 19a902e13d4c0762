"""Key loans in the duty group: borrow, return, refusals, outside borrowers, sealed keys."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.messages import Chat
from storage.models import KeyLoan, KeyWitness
from tests.support import GROUP, MANAGER, STAFF, STRANGER, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.keys import GUARD, STAFF2, key_site
from tests.support.shifts import TWO_SHIFTS, set_shifts, upload


async def loans(h: DeskHarness) -> list[KeyLoan]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(KeyLoan).order_by(KeyLoan.id))).all())  # type: ignore[arg-type]


async def test_borrow_shows_due_time_and_return_button_then_return_closes_it(harness: DeskHarness) -> None:
    await key_site(harness)
    out = await harness.send("/borrow 3-JF 修空调")
    card = text_of(out)
    assert "已借出 3-JF 3栋机房" in card and "应还：11-23 18:00" in card and "当天借当天还" in card
    returned = await harness.press(button_data(out, "归还"), STAFF2)
    assert "已归还 3-JF" in text_of(returned) and "接收：值班员小王" in text_of(returned)
    [loan] = await loans(harness)
    assert loan.status == "returned" and loan.returned_to == STAFF2.id and loan.purpose == "修空调"
    assert "没有借出" in text_of(await harness.send("/return 3-JF"))
    second_tap = await harness.press(button_data(out, "归还"))
    assert "没有借出" in (second_tap.toast or "") and not second_tap.replies


async def test_the_borrower_returning_is_the_returner_and_the_staff_on_duty_receives(harness: DeskHarness) -> None:
    await key_site(harness)
    await set_shifts(harness, *TWO_SHIFTS)
    assert "✅" in await upload(harness, "date,shift,staff\n2026-11-23,白班,102\n")  # 值班员小王 on the day shift
    out = await harness.send("/borrow 3-JF 修空调")  # STAFF borrows, and brings it back himself
    returned = text_of(await harness.press(button_data(out, "归还")))
    assert f"借用人：{STAFF.name}" in returned and "接收：值班员小王" in returned
    [loan] = await loans(harness)
    assert (loan.borrower_id, loan.returned_to) == (STAFF.id, STAFF2.id)
    out = await harness.send("/borrow 5-JF 巡查", STAFF2)  # the one on duty has nobody else to hand it to
    returned = text_of(await harness.press(button_data(out, "归还"), STAFF2))
    assert "接收：值班员小王" not in returned and "无其他人当值" in returned
    assert (await loans(harness))[1].returned_to is None


async def test_a_key_out_cannot_be_lent_again_and_says_who_holds_it(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/borrow 3-JF")
    again = text_of(await harness.send("/borrow 3-jf 再借", STAFF2))
    assert "已借出" in again and "值班员小李" in again and "10:00" in again
    assert "已借出" in text_of(await harness.send("/lend 3-JF 王师傅", STAFF2))
    assert len(await loans(harness)) == 1
    listing = text_of(await harness.send("/keys"))
    assert "3-JF 3栋机房 — 值班员小李" in listing and "应还 11-23 18:00" in listing


async def test_return_with_condition_and_key_history(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/borrow 3-JF 修空调")
    harness.clock.advance(hours=2)
    out = text_of(await harness.send("/return 3-JF 完好无损", SUPERVISOR))
    assert "状况：完好无损" in out and "接收：主管陈姐，11-23 12:00" in out
    about = text_of(await harness.send("/key 3-JF"))
    assert "3栋机房" in about and "值班员小李 — 已归还" in about
    assert "目前没有钥匙在外" in text_of(await harness.send("/keys"))


async def test_bad_input_gets_clear_replies_and_writes_nothing(harness: DeskHarness) -> None:
    await key_site(harness)
    assert "没有编号为 9-XX" in text_of(await harness.send("/borrow 9-XX"))
    assert "用法" in text_of(await harness.send("/borrow"))
    assert "用法" in text_of(await harness.send("/lend 3-JF"))
    assert "没有编号为 9-XX" in text_of(await harness.send("/return 9-XX"))
    assert "尚未登记" in text_of(await harness.send("/borrow 3-JF", STRANGER))
    assert "主管" in text_of(await harness.send("/key_add 7-JF 7栋机房 plant"))  # staff may not add keys
    assert "用法" in text_of(await harness.send("/key_add 7-JF 7栋机房 garage", SUPERVISOR))
    for forged in ("1|key.ret|999", "1|key.ret|x", "1|key.ok", "1|key.wit|-1"):
        assert "已失效" in ((await harness.press(forged)).toast or "")
    assert await loans(harness) == []


async def test_a_return_button_with_an_extra_argument_is_stale_and_the_key_stays_out(harness: DeskHarness) -> None:
    await key_site(harness)
    data = button_data(await harness.send("/borrow 3-JF"), "归还")
    for forged in (f"{data}|1", f"{data}|"):
        out = await harness.press(forged)
        assert "已失效" in (out.toast or "") and not out.replies
    assert [loan.status for loan in await loans(harness)] == ["out"]
    assert "已归还 3-JF" in text_of(await harness.press(data))


async def test_outside_borrower_waits_for_a_supervisor_and_a_forged_approve_is_refused(harness: DeskHarness) -> None:
    await key_site(harness)
    out = text_of(await harness.send("/lend 5-JF 王师傅 13800000000 修水管"))
    assert "待批准" in out and "王师傅（外部） 13800000000" in out and "还需：主管批准" in out
    [ping] = [row for row in await harness.outbox() if row.chat_id == SUPERVISOR.id]
    assert ping.priority == 0 and ping.purpose == "approval" and "外部人员借钥匙须经领导签字批准" in ping.text
    approve = ping.buttons[0][0]["data"]
    forged = await harness.press(approve, STAFF2)
    assert forged.alert and "只有主管" in (forged.toast or "")
    stranger = await harness.press(approve, STRANGER)
    assert stranger.alert
    assert (await loans(harness))[0].status == "pending"
    assert "已有待批准" in text_of(await harness.send("/borrow 5-JF", STAFF2))  # not handed out meanwhile
    assert "没有借出" in text_of(await harness.send("/return 5-JF"))
    done = await harness.press(approve, SUPERVISOR, chat=Chat(id=SUPERVISOR.id, private=True))
    assert "已批准" in text_of(done) and done.replies[0].edit
    [loan] = await loans(harness)
    assert loan.status == "out" and loan.approved_by == SUPERVISOR.id and loan.external and loan.phone == "13800000000"
    group = [row.text for row in await harness.outbox() if row.chat_id == GROUP.id]
    assert any("已借出 5-JF" in text and "批准：主管陈姐" in text for text in group)
    again = await harness.press(approve, MANAGER)
    assert "已处理" in (again.toast or "")


async def test_outside_loan_refused(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/lend V-1201 链家李生 带看")
    [ping] = [row for row in await harness.outbox() if row.chat_id == SUPERVISOR.id]
    refused = await harness.press(ping.buttons[0][1]["data"], SUPERVISOR)
    assert "已拒绝" in text_of(refused)
    [loan] = await loans(harness)
    assert loan.status == "refused" and loan.phone is None and loan.purpose == "带看"
    assert any("拒绝了 V-1201" in row.text for row in await harness.outbox() if row.chat_id == GROUP.id)
    assert "已借出" in text_of(await harness.send("/borrow V-1201"))  # free again


async def test_sealed_key_needs_manager_two_staff_and_a_guard_as_witnesses(harness: DeskHarness) -> None:
    await key_site(harness)
    out = await harness.send("/borrow S-0802 业户忘带钥匙，开门")
    card = text_of(out)
    assert "待批准 S-0802" in card and "还需：经理批准" in card and "客服见证 0/2" in card and "保安见证 0/1" in card
    assert not [row for row in await harness.outbox() if row.chat_id == SUPERVISOR.id]
    [ping] = [row for row in await harness.outbox() if row.chat_id == MANAGER.id]
    assert "封存钥匙须由经理报总经理批准" in ping.text and ping.priority == 0
    approve = ping.buttons[0][0]["data"]
    assert (await harness.press(approve, SUPERVISOR)).alert  # a supervisor is not enough for a sealed key
    witness, guard = button_data(out, "客服见证"), button_data(out, "保安见证")
    assert (await harness.press(witness, STRANGER)).alert
    own = await harness.press(witness, STAFF)
    assert own.alert and "不能为自己的借用作见证" in (own.toast or "")
    first = await harness.press(witness, STAFF2)
    assert "客服见证 1/2" in text_of(first) and "值班员小王（客服）" in text_of(first)
    twice = await harness.press(guard, STAFF2)
    assert twice.alert and "已经见证过" in (twice.toast or "")
    second = await harness.press(guard, GUARD)
    assert "保安见证" not in text_of(second).split("还需")[-1] and "还需：经理批准" in text_of(second)
    assert (await loans(harness))[0].status == "pending"
    approved = text_of(await harness.press(approve, MANAGER))
    assert "已批准" in approved and "客服见证 1/2" in approved
    assert (await loans(harness))[0].status == "pending"  # one customer-service witness is still missing
    await harness.press(witness, SUPERVISOR)
    [loan] = await loans(harness)
    assert loan.status == "out" and loan.approved_by == MANAGER.id
    async with harness.desk.db.session() as session:
        rows = (await session.exec(select(KeyWitness))).all()
    assert sorted((w.name, w.kind) for w in rows) == sorted(
        [(STAFF2.name, "staff"), (GUARD.name, "guard"), (SUPERVISOR.name, "staff")]
    )
    late = await harness.press(witness, MANAGER)
    assert "已处理" in (late.toast or "")


async def test_sealed_key_witnesses_last_activates_in_the_group_card(harness: DeskHarness) -> None:
    await key_site(harness)
    out = await harness.send("/borrow S-0802 紧急开门")
    [ping] = [row for row in await harness.outbox() if row.chat_id == MANAGER.id]
    await harness.press(ping.buttons[0][0]["data"], MANAGER)
    await harness.press(button_data(out, "客服见证"), STAFF2)
    await harness.press(button_data(out, "保安见证"), GUARD)
    last = await harness.press(button_data(out, "客服见证"), SUPERVISOR)
    assert "已借出 S-0802" in text_of(last) and last.replies[0].edit and button_data(last, "归还")
    assert "见证：值班员小王（客服）、保安老周（保安）、主管陈姐（客服）" in text_of(last)
    assert (await loans(harness))[0].status == "out"


async def test_a_waiting_loan_can_be_withdrawn_by_its_writer_or_a_supervisor(harness: DeskHarness) -> None:
    await key_site(harness)
    out = await harness.send("/lend 5-JF 王师傅")
    denied = await harness.press(button_data(out, "撤销"), STAFF2)
    assert denied.alert and (await loans(harness))[0].status == "pending"
    done = await harness.press(button_data(out, "撤销"))
    assert "已撤销 5-JF" in text_of(done) and done.replies[0].edit
    assert (await loans(harness))[0].status == "refused"
    [ping] = [row for row in await harness.outbox() if row.chat_id == SUPERVISOR.id]
    assert "已处理" in ((await harness.press(ping.buttons[0][0]["data"], SUPERVISOR)).toast or "")
    sealed = await harness.send("/borrow S-0802 开门", STAFF2)
    assert "已撤销" in text_of(await harness.press(button_data(sealed, "撤销"), SUPERVISOR))
    assert "已借出 5-JF" in text_of(await harness.send("/borrow 5-JF"))  # the key is free again


def test_key_texts_have_the_same_keys_and_placeholders_in_every_language() -> None:
    import re
    import tomllib

    from handlers.core.i18n import HANDLERS, LANGUAGES, _flatten

    def shape(language: str) -> dict[str, set[str]]:
        with (HANDLERS / "keys" / "locales" / f"{language}.toml").open("rb") as handle:
            texts = _flatten(tomllib.load(handle))
        return {key: set(re.findall(r"{(\w+)}", text)) for key, text in texts.items()}

    shapes = [shape(language) for language in LANGUAGES]
    assert all(s == shapes[0] for s in shapes[1:])
