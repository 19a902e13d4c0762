"""The "which key?" picker has 取消 like every picker (issue 19 point 5): it puts the draft card back
as it was, nothing recorded, and the key can still be chosen after."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Key, KeyLoan
from tests.support import SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.keys import key_site


async def test_which_key_picker_cancels_back_to_the_draft(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/key_add 3-JF-E 3栋机房东 plant", SUPERVISOR)
    await harness.send("/key_add 3-JF-W 3栋机房西 plant", SUPERVISOR)
    async with harness.desk.db.session() as session:
        plain = (await session.exec(select(Key).where(Key.code == "3-JF"))).one()
        plain.label = "3栋大堂"
        session.add(plain)
    card = await harness.send("借了3栋机房钥匙去修空调")
    asked = await harness.press(button_data(card, "记录"))
    assert "哪一把" in text_of(asked)
    back = await harness.press(button_data(asked, "取消"))
    assert back.replies[0].edit and "哪一把" not in text_of(back)
    assert button_data(back, "记录") and button_data(back, "忽略")
    async with harness.desk.db.session() as session:
        assert not (await session.exec(select(KeyLoan))).all()
    again = await harness.press(button_data(back, "记录"))
    assert "已借出 3-JF-W" in text_of(await harness.press(button_data(again, "3栋机房西")))
