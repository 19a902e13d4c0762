"""A complaint not resolved at once: every 2 days the resident is told its progress — what was done,
the next step (001 L905 "不能及时解决的2天回访一次，说明情况，告知处理进程") — not only the duty group
reminded. The handler's reply to the reminder is that progress; without one, a status message."""

from __future__ import annotations

from storage.models import Outbox, TicketMessage
from tests.support import GROUP, RESIDENT, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.tickets import COMPLAINT, Wire, data, rows, to


def follow_ups(sent: list[Outbox], chat_id: int) -> list[Outbox]:
    return [r for r in to(sent, chat_id) if "跟进提醒" in r.text]


async def two_days_on(h: DeskHarness, wire: Wire) -> list[Outbox]:
    h.clock.advance(days=2, minutes=1)
    await h.desk.sweep()
    return await wire.take()


async def test_the_handlers_reply_to_the_reminder_is_the_residents_progress(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await wire.take()
    await h.dm(COMPLAINT, RESIDENT)
    await wire.take()
    [reminder] = follow_ups(await two_days_on(h, wire), GROUP.id)
    assert "回复本消息" in reminder.text and "4小时" in reminder.text
    line = "已联系楼上业主，约定晚上十点后停工；明天再上门确认"
    answered = await h.send(line, reply_to_message_id=reminder.message_id)
    assert "转达业户" in text_of(answered) or answered.replies[0].held
    [progress] = [r for r in to(await wire.take(), RESIDENT.id) if "处理进展" in r.text]  # (and 已受理)
    assert line in progress.text and "客户服务中心" in progress.text
    h.clock.advance(hours=4, minutes=1)
    await h.desk.sweep()
    assert to(await wire.take(), RESIDENT.id) == []  # told already: no status message on top


async def test_without_a_reply_the_resident_gets_a_status_message(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await wire.take()
    await h.dm(COMPLAINT, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    picker = await h.press(data(card, "派工"))
    await h.press(button_data(picker, SUPERVISOR.name))
    await wire.take()
    sent = await two_days_on(h, wire)
    assert follow_ups(sent, GROUP.id)
    assert follow_ups(sent, SUPERVISOR.id)  # the handler is asked in private too
    assert to(sent, RESIDENT.id) == []  # the handler has a few hours to write the line
    h.clock.advance(hours=4, minutes=1)
    await h.desk.sweep()
    sent = await wire.take()
    [status] = to(sent, RESIDENT.id)
    assert "处理进展" in status.text and "已安排工作人员处理" in status.text and "下一步" in status.text
    assert SUPERVISOR.name not in status.text  # never a staff name to the resident
    assert [r for r in to(sent, GROUP.id) if "一般进展说明" in r.text]
    assert [m for m in await rows(h, TicketMessage) if m.direction == "out" and "处理进展" in m.text]
    # every 2 days again, until it is resolved
    assert follow_ups(await two_days_on(h, wire), GROUP.id)
    h.clock.advance(hours=4, minutes=1)
    await h.desk.sweep()
    assert len(to(await wire.take(), RESIDENT.id)) == 1


async def test_a_phoned_in_complaint_asks_staff_to_phone(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.send("/ticket 电话 12栋1201 楼上装修太吵了，晚上十点还在打钻，投诉！")
    await wire.take()
    [reminder] = follow_ups(await two_days_on(h, wire), GROUP.id)
    assert "致电业户" in reminder.text
    h.clock.advance(hours=5)
    await h.desk.sweep()
    assert not [r for r in await wire.take() if "一般进展说明" in r.text]
