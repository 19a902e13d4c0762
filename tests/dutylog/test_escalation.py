"""Major incidents go up the chain at once, repeat until acknowledged, and chase the written report."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from handlers.core.messages import Chat
from storage.clock import utcnow
from storage.models import EscalationNotice, Incident, Outbox
from storage.repos import outbox
from tests.support import (
    ADMIN,
    GROUP,
    MANAGER,
    STAFF,
    SUPERVISOR,
    DeskHarness,
    button_data,
    text_of,
)


async def fresh_outbox(h: DeskHarness, seen: int) -> list[Outbox]:
    return (await h.outbox())[seen:]


async def test_major_pings_chain_at_once_and_repeats_until_acknowledged(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    out = await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    assert out.notified > 0
    rows = await h.outbox()
    private = {r.chat_id for r in rows if r.chat_id > 0}
    assert private == {SUPERVISOR.id, MANAGER.id}
    ping = next(r for r in rows if r.chat_id == SUPERVISOR.id)
    assert "重大事件 #1" in ping.text and "不得拖延" in ping.text
    ack_data = ping.buttons[0][0]["data"]
    # The reply in the duty group says who was told, once; the group gets no second message about it.
    assert "已通知 2 位：主管 1 位、经理 1 位" in text_of(out)
    assert not [r for r in rows if r.chat_id == GROUP.id]

    # Nothing is due before the interval; after 10 minutes the chain is pinged again, with admins added.
    assert await h.desk.sweep(h.clock.advance(minutes=5)) == 0
    seen = len(rows)
    assert await h.desk.sweep(h.clock.advance(minutes=6)) == 1
    again = await fresh_outbox(h, seen)
    assert {r.chat_id for r in again if r.chat_id > 0} == {SUPERVISOR.id, MANAGER.id, ADMIN.id}
    assert any("第2次" in r.text for r in again)

    # The manager acknowledges from the private ping; the group is told who; the repeats stop.
    acked = await h.press(ack_data, user=MANAGER, chat=Chat(id=MANAGER.id, private=True), message_id=50)
    assert "已确认" in (acked.toast or "") and acked.replies[0].edit
    seen = len(await h.outbox())
    told = await fresh_outbox(h, seen - 1)
    assert told[0].chat_id == GROUP.id and "经理张生" in told[0].text and "#1" in told[0].text
    h.clock.advance(minutes=30)
    await h.desk.sweep()
    assert not [r for r in await fresh_outbox(h, seen) if r.chat_id in (SUPERVISOR.id, MANAGER.id)]
    # A second press is told who acknowledged, and changes nothing.
    late = await h.press(ack_data, user=SUPERVISOR, chat=Chat(id=SUPERVISOR.id, private=True))
    assert "经理张生" in (late.toast or "")
    async with h.desk.db.session() as session:
        row = (await session.exec(select(Incident))).one()
        notices = (await session.exec(select(EscalationNotice))).all()
    assert (row.escalation, row.acknowledged_by) == ("acknowledged", MANAGER.id)
    assert sorted({(n.level, n.telegram_id) for n in notices}) == [
        (1, SUPERVISOR.id),
        (1, MANAGER.id),
        (2, ADMIN.id),
        (2, SUPERVISOR.id),
        (2, MANAGER.id),
    ]


async def test_staff_cannot_acknowledge(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋有人打架，有人受伤流血")
    await h.send("/major 1")
    ping = next(r for r in await h.outbox() if r.chat_id == SUPERVISOR.id)
    denied = await h.press(ping.buttons[0][0]["data"], user=STAFF, chat=Chat(id=STAFF.id, private=True))
    assert denied.alert
    assert "只有主管" in text_of(await h.send("/ack 1")) or "没有权限" in text_of(await h.send("/ack 1"))
    async with h.desk.db.session() as session:
        assert (await session.exec(select(Incident))).one().escalation == "pending"


async def test_major_button_and_command_escalate_once(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = await h.send("/log 电梯异响")
    await h.press(button_data(out, "标为重大"))
    again = await h.send("/major 1")
    assert "已是重大事件" in text_of(again)
    pings = [r for r in await h.outbox() if r.chat_id == SUPERVISOR.id]
    assert len(pings) == 1


async def test_no_supervisor_warns_the_group(harness: DeskHarness) -> None:
    h = harness
    await h.send("/setup HG 华庭花园", ADMIN)
    await h.join(STAFF, "staff")
    await h.send("/log 地下室水管爆裂，水浸到膝盖")
    said = text_of(await h.send("/major 1"))
    assert "没有登记主管" in said and "已通知" not in said
    assert said.count("没有登记主管") == 1 and not [r for r in await h.outbox() if r.chat_id == GROUP.id]


async def test_written_report_reminded_each_morning_until_filed(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await h.send("/log 车库有车辆起火，火势蔓延")
    await h.send("/major 1")
    await h.send("/ack 1", SUPERVISOR)
    # 10:00 Shanghai on the 23rd: the reminder is due 09:00 on the 24th, and again on the 25th.
    await h.desk.sweep(h.clock.advance(hours=22))
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=1, minutes=1))
    reminders = [r for r in await fresh_outbox(h, seen) if "请提交" in r.text]
    assert {r.chat_id for r in reminders} == {STAFF.id, SUPERVISOR.id}
    assert "/incident_report 1" in reminders[0].text and not reminders[0].buttons
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(days=1))
    assert len([r for r in await fresh_outbox(h, seen) if "请提交" in r.text]) == 2
    filed = await h.send("/incident_report 1 车辆起火已扑灭，无人受伤 损失：一辆车烧毁", STAFF)
    assert "书面报告" in text_of(filed)
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(days=1))
    assert [r for r in await fresh_outbox(h, seen) if "书面报告" in r.text] == []
    assert "已由 值班员小李" in text_of(await h.send("/report_filed 1 again 损失：无"))


async def test_major_pings_go_before_routine_replies_already_waiting(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    for i in range(30):  # a busy group: their cards wait in the outbox
        await h.send(f"/log 3栋大堂天花漏水 {i}")
    await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    async with h.desk.db.session() as session:
        first = await outbox.claim(session, now=utcnow() + timedelta(seconds=1), token="t", limit=2)
    assert {row.chat_id for row in first} == {SUPERVISOR.id, MANAGER.id}
    assert all("重大事件" in row.text for row in first)
