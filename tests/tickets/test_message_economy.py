"""Message economy (docs/usage.md "Message economy"): one action changes its card in place and adds
at most one new message to the duty group; what only the actor needs is the button's toast or a
private message; a resident's follow-ups within a few minutes are acknowledged once.

Telegram lets a bot send about 20 messages a minute to one group: every extra message delays the
next real one. Counted here: the outbox rows to the duty group that are sends (a message, a photo,
a file), not edits and not a button's answer, for each action."""

from __future__ import annotations

from handlers.core.messages import Chat
from storage.models import Outbox
from tests.support import GROUP, RESIDENT, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.economy import NEW, Meter
from tests.support.tickets import COMPLAINT, REPAIR, Wire, data, to

PRIVATE = Chat(RESIDENT.id, True)


async def opened(h: DeskHarness, wire: Wire, text: str = REPAIR) -> Outbox:
    await h.setup_site()
    await wire.take()
    await h.dm(text, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    return card


async def resolved_and_asked(h: DeskHarness, wire: Wire, card: Outbox) -> Outbox:
    await h.press(data(card, "已处理"), message_id=card.message_id or 0)
    [ask] = to(await wire.take(), RESIDENT.id)
    return ask


async def test_an_unsatisfied_rating_adds_one_group_message(harness: DeskHarness) -> None:
    h, wire, meter = harness, Wire(harness), Meter(harness)
    card = await opened(h, wire)
    ask = await resolved_and_asked(h, wire, card)
    await meter.mark()
    await h.press(data(ask, "不满意"), user=RESIDENT, chat=PRIVATE)
    rows = await meter.since()
    group = [r for r in rows if r.chat_id == GROUP.id]
    [new] = [r for r in group if r.method in NEW]
    [edit] = [r for r in group if r.method == "edit"]
    assert edit.edit_message_id == card.message_id and "重新处理中" in edit.text  # the old card, in place
    # the one new message says all of it: the rating, the reopened card with its buttons, who was told
    assert "不满意" in new.text and "T1" in new.text and new.buttons and "已处理" in str(new.buttons)
    assert SUPERVISOR.id in {r.chat_id for r in rows}
    assert "主管" in new.text


async def test_vip_adds_one_group_message(harness: DeskHarness) -> None:
    h, wire, meter = harness, Wire(harness), Meter(harness)
    await opened(h, wire, COMPLAINT)
    await meter.mark()
    out = await h.send("/vip 1")
    [new] = await meter.group_sends()
    assert "特急" in new.text and "主管" in new.text  # marked, and whom it reached, in one message
    assert text_of(out) == new.text


async def test_a_ticket_registered_by_phone_posts_only_its_card(harness: DeskHarness) -> None:
    h, meter = harness, Meter(harness)
    await h.setup_site()
    await meter.mark()
    await h.send("/ticket 电话 3栋1201业户来电：厨房水管漏水")
    [card] = await meter.group_sends()
    assert "T1" in card.text and "漏水" in card.text and "派工" in str(card.buttons)


async def test_a_residents_follow_ups_are_acknowledged_once_in_a_few_minutes(harness: DeskHarness) -> None:
    h, wire, meter = harness, Wire(harness), Meter(harness)
    await opened(h, wire)
    answers = []
    for i, text in enumerate(["补充：是主卫的灯", "灯一直在闪", "晚上八点后都在家"]):
        await meter.mark()
        answers.append(text_of(await h.dm(text, RESIDENT)))
        assert len(await meter.group_sends()) == 1, i  # each message reaches the group, once
        h.clock.advance(seconds=40)
    assert "已补充到您的 T1" in answers[0] and answers[1:] == ["", ""]
    # a few minutes later, the next one is acknowledged again
    h.clock.advance(minutes=10)
    assert "已补充到您的 T1" in text_of(await h.dm("还有，门铃也坏了", RESIDENT))


async def test_each_staff_action_on_a_card_adds_at_most_one_group_message(harness: DeskHarness) -> None:
    h, wire, meter = harness, Wire(harness), Meter(harness)
    card = await opened(h, wire)
    at = card.message_id or 0
    counts: dict[str, int] = {}
    await meter.mark()
    await h.press(data(card, "受理"), message_id=at)
    counts["受理"] = len(await meter.group_sends())
    picker = await h.press(data(card, "派工"), message_id=at)
    await meter.since()
    dispatched = await h.press(button_data(picker, SUPERVISOR.name), message_id=at)
    counts["派工"] = len(await meter.group_sends())
    await h.press(button_data(dispatched, "已到场"), message_id=at)
    counts["已到场"] = len(await meter.group_sends())
    await h.send("师傅已在现场", reply_to_message_id=card.message_id)
    counts["reply"] = len(await meter.group_sends())
    await h.press(button_data(dispatched, "已处理"), message_id=at)
    counts["已处理"] = len(await meter.group_sends())
    await h.send("/callback 1 电话 满意")
    counts["/callback"] = len(await meter.group_sends())
    assert counts == {"受理": 0, "派工": 0, "已到场": 0, "reply": 1, "已处理": 0, "/callback": 1}, counts
