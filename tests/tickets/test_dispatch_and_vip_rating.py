"""What the dispatch and the callback tell: a dispatched person is asked to press only buttons their
message has; a second dispatch to the same person tells nobody again; a VIP's 基本满意 reopens the
ticket (000 L37: pursued until the resident is satisfied) but is reported as 基本满意, not 不满意."""

from __future__ import annotations

import re

from handlers.core.messages import Chat
from storage.models import Outbox
from tests.support import GROUP, RESIDENT, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.tickets import COMPLAINT, REPAIR, Wire, data, ticket, to


def promised(row: Outbox) -> set[str]:
    """The buttons a message asks its reader to press (「…」)."""
    return set(re.findall(r"「([^」]+)」", row.text.split("\n", 1)[0]))


def labels(row: Outbox) -> set[str]:
    return {button["label"] for line in row.buttons for button in line}


async def dispatch_to_supervisor(h: DeskHarness, wire: Wire, text: str) -> list[Outbox]:
    await h.dm(text, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    picker = await h.press(data(card, "派工"))
    await h.press(button_data(picker, SUPERVISOR.name))
    return await wire.take()


async def test_a_dispatched_complaint_asks_only_for_buttons_it_has(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await wire.take()
    [message] = to(await dispatch_to_supervisor(h, wire, COMPLAINT), SUPERVISOR.id)
    assert "已派给您" in message.text
    assert promised(message) and promised(message) <= labels(message), (promised(message), labels(message))
    assert "已到场" not in message.text  # a complaint's card has no 已到场
    # …and a reply to it reaches the resident, as it says
    private = Chat(SUPERVISOR.id, True)
    await h.send("已找楼上业主沟通，今晚起十点后停工", SUPERVISOR, private, reply_to_message_id=message.message_id)
    assert [r for r in to(await wire.take(), RESIDENT.id) if "十点后停工" in r.text]


async def test_a_dispatched_repair_asks_for_on_site_and_has_it(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await wire.take()
    [message] = to(await dispatch_to_supervisor(h, wire, REPAIR), SUPERVISOR.id)
    assert {"已到场", "已处理"} <= promised(message) <= labels(message)


async def test_dispatching_to_the_same_person_again_tells_nobody_again(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await wire.take()
    first = await dispatch_to_supervisor(h, wire, COMPLAINT)
    assert [r for r in to(first, RESIDENT.id) if "已安排工作人员处理" in r.text]
    assert to(first, SUPERVISOR.id)
    [card] = [r for r in await h.outbox() if r.chat_id == GROUP.id and r.buttons]
    picker = await h.press(data(card, "派工"))
    again = await h.press(button_data(picker, SUPERVISOR.name))
    assert "未重复通知" in (again.toast or "")
    sent = await wire.take()
    assert to(sent, RESIDENT.id) == [] and to(sent, SUPERVISOR.id) == []
    assert (await ticket(h)).dispatched_to == SUPERVISOR.name
    # another department is a real change of hands: the resident hears it is being handled
    picker = await h.press(data(card, "派工"))
    await h.press(button_data(picker, "工程部"))
    assert [r for r in to(await wire.take(), RESIDENT.id) if "已安排工作人员处理" in r.text]


async def test_a_vips_basic_satisfaction_reopens_it_reported_as_basic(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await h.send("/vip 1")
    await wire.take()
    [card] = [r for r in await h.outbox() if r.chat_id == GROUP.id and r.buttons]
    await h.press(data(card, "已处理"))
    [ask] = to(await wire.take(), RESIDENT.id)
    thanks = await h.press(data(ask, "基本满意"), user=RESIDENT, chat=Chat(RESIDENT.id, True))
    assert "继续跟进" in text_of(thanks) and "不满意" not in text_of(thanks)
    assert (await ticket(h)).status == "reopened"  # 000 L37: pursued until satisfied
    sent = await wire.take()
    [ping] = [r for r in to(sent, SUPERVISOR.id) if r.purpose == "escalation"]
    assert "基本满意" in ping.text and "不满意" not in ping.text
    [reopened] = [r for r in to(sent, GROUP.id) if "重新打开" in r.text]
    assert "基本满意" in reopened.text and "不满意" not in reopened.text
