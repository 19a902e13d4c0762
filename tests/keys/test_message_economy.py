"""Key cards stay current (issue 19 points 1-2, docs/usage.md "Message economy"): an approved outside
loan edits its 待批准 card into the lent card instead of posting a new one beside it (whose 撤销 would
stay behind); a witness button goes once that kind of witness is complete (000 L506)."""

from __future__ import annotations

from handlers.core.messages import Chat
from storage.models import Outbox
from storage.models.plumbing import OutboxState
from tests.support import GROUP, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.economy import Meter
from tests.support.keys import GUARD, STAFF2, key_site


async def sent_as(h: DeskHarness, row: Outbox, message_id: int) -> None:
    """The delivery sent the row as message ``message_id``."""
    async with h.desk.db.session() as session:
        row.message_id, row.state = message_id, OutboxState.SENT
        session.add(await session.merge(row))


async def approval_pings(h: DeskHarness, chat_id: int) -> list[Outbox]:
    return [row for row in await h.outbox() if row.chat_id == chat_id and row.purpose == "approval"]


def labels(row: Outbox) -> set[str]:
    return {button["label"] for line in row.buttons for button in line}


async def test_an_approved_outside_loan_edits_its_pending_card(harness: DeskHarness) -> None:
    h, meter = harness, Meter(harness)
    await key_site(h)
    await h.send("/lend 5-JF 王师傅 13800000000 修水管")
    [pending] = [r for r in await h.outbox(replies=True) if r.chat_id == GROUP.id and "待批准 5-JF" in r.text]
    await sent_as(h, pending, 7001)
    [ping] = await approval_pings(h, SUPERVISOR.id)
    await meter.mark()
    done = await h.press(ping.buttons[0][0]["data"], SUPERVISOR, chat=Chat(id=SUPERVISOR.id, private=True))
    assert "已批准" in text_of(done)
    rows = [r for r in await meter.since() if r.chat_id == GROUP.id]
    [edit] = rows  # no new message in the group
    assert edit.method == "edit" and edit.edit_message_id == 7001
    assert "已借出 5-JF" in edit.text and "批准：主管陈姐" in edit.text
    assert labels(edit) == {"归还"}  # 撤销 is gone with the pending card


async def test_an_outside_loan_approved_before_its_card_was_sent_gets_a_new_card(harness: DeskHarness) -> None:
    h, meter = harness, Meter(harness)
    await key_site(h)
    await h.send("/lend 5-JF 王师傅 13800000000 修水管")
    [ping] = await approval_pings(h, SUPERVISOR.id)
    await meter.mark()
    await h.press(ping.buttons[0][0]["data"], SUPERVISOR, chat=Chat(id=SUPERVISOR.id, private=True))
    [card] = await meter.group_sends()
    assert "已借出 5-JF" in card.text


async def test_the_witness_button_goes_when_its_witnesses_are_complete(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    card = await h.send("/borrow S-0802 开门")
    await h.press(button_data(card, "客服见证"), STAFF2)
    second = await h.press(button_data(card, "客服见证"), SUPERVISOR)
    buttons = {b.label for line in second.replies[0].buttons for b in line}
    assert "客服见证" not in buttons and "保安见证" in buttons  # two of two customer-service witnesses
    guard = await h.press(button_data(card, "保安见证"), GUARD)
    buttons = {b.label for line in guard.replies[0].buttons for b in line}
    assert not {"客服见证", "保安见证"} & buttons  # complete, though the approvals are still to come
