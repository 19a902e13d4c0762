"""A key loan or return written as free text reads as one on its draft card (issue 19 point 8), and
the loan 记录 makes keeps the purpose, not the whole sentence."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.messages import Outcome
from storage.models import Key, KeyLoan
from tests.support import STAFF, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.keys import STAFF2, key_site


def labels(out: Outcome) -> list[str]:
    return [button.label for reply in out.replies for row in reply.buttons for button in row]


async def loans(h: DeskHarness) -> list[KeyLoan]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(KeyLoan).order_by(KeyLoan.id))).all())  # type: ignore[arg-type]


async def test_a_loan_card_reads_as_a_loan_and_records_the_purpose(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    card = await h.send("小李借3栋机房钥匙去修水泵", STAFF)
    assert text_of(card) == "🔑 借钥匙：3-JF 3栋机房 · 值班员小李 · 用途：修水泵"
    assert labels(card) == ["✅ 记录", "忽略"]  # no category to change: it is no incident
    done = await h.press(button_data(card, "记录"))
    assert "已借出 3-JF 3栋机房" in text_of(done)
    [loan] = await loans(h)
    assert (loan.borrower_id, loan.purpose) == (STAFF.id, "修水泵")

    back = await h.send("3栋机房钥匙已还", STAFF)
    assert text_of(back) == "🔑 还钥匙：3-JF 3栋机房 · 值班员小李" and labels(back) == ["✅ 记录", "忽略"]


async def test_the_purpose_without_borrower_key_and_verb_or_else_the_sentence(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    cantonese = await h.send("借咗3座機房鎖匙去整冷氣", STAFF2)
    assert "用途：整冷氣" in text_of(cantonese) and "其他" not in text_of(cantonese)
    await h.press(button_data(cantonese, "记录"), STAFF2)
    bare = await h.send("借5栋机房钥匙", STAFF)  # nothing but the key: the sentence is the purpose
    assert text_of(bare) == "🔑 借钥匙：5-JF 5栋机房 · 值班员小李 · 用途：借5栋机房钥匙"
    await h.press(button_data(bare, "记录"))
    assert [loan.purpose for loan in await loans(h)] == ["整冷氣", "借5栋机房钥匙"]


async def test_a_loan_card_naming_several_keys_asks_which_and_keeps_the_purpose(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    await h.send("/key_add 3-JF-E 3栋机房东 plant", SUPERVISOR)
    await h.send("/key_add 3-JF-W 3栋机房西 plant", SUPERVISOR)
    async with h.desk.db.session() as session:
        plain = (await session.exec(select(Key).where(Key.code == "3-JF"))).one()
        plain.label = "3栋大堂"
        session.add(plain)
    card = await h.send("借了3栋机房钥匙去抄电表", STAFF)
    assert text_of(card) == "🔑 借钥匙：3栋机房东、3栋机房西（记录时选一把） · 值班员小李 · 用途：抄电表"
    which = await h.press(button_data(card, "记录"))
    assert "是哪一把钥匙？" in text_of(which)
    await h.press(button_data(which, "3栋机房西"))
    [loan] = await loans(h)
    assert loan.purpose == "抄电表"


async def test_the_borrower_named_before_the_verb_when_they_are_staff(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    colleague = await h.send("值班员小王借3栋机房钥匙去修水泵", STAFF)  # written for a colleague
    assert text_of(colleague) == "🔑 借钥匙：3-JF 3栋机房 · 值班员小王 · 用途：修水泵"
    await h.press(button_data(colleague, "记录"))
    stranger = await h.send("张三借5栋机房钥匙去修水泵", STAFF)  # 张三 is no staff here: the author answers for it
    assert text_of(stranger) == "🔑 借钥匙：5-JF 5栋机房 · 值班员小李 · 用途：修水泵"
    await h.press(button_data(stranger, "记录"))
    assert [(loan.borrower_id, loan.purpose) for loan in await loans(h)] == [
        (STAFF2.id, "修水泵"),
        (STAFF.id, "修水泵"),
    ]
