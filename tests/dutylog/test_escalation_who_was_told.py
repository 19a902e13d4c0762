"""Escalation tells the truth and follows the record: who may stand it down, who was told."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.messages import Chat
from storage.models import Incident, Outbox, Timer
from tests.support import ADMIN, GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, button_data, text_of


async def the_incident(h: DeskHarness) -> Incident:
    async with h.desk.db.session() as session:
        return (await session.exec(select(Incident))).one()


async def pending_escalation_timers(h: DeskHarness) -> list[Timer]:
    async with h.desk.db.session() as session:
        rows = await session.exec(select(Timer).where(Timer.kind == "escalate", Timer.state == "pending"))
        return list(rows.all())


async def new_rows(h: DeskHarness, seen: int) -> list[Outbox]:
    return (await h.outbox())[seen:]


async def test_staff_cannot_lower_or_close_an_unacknowledged_major_incident(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    card = await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    assert (await the_incident(h)).escalation == "pending"
    denied = await h.press(button_data(card, "改级别"))
    assert denied.alert and "只有主管或以上" in (denied.toast or "")
    forged = await h.press(f"1|inc.setsev|{(await the_incident(h)).id}|normal")  # the picker's data, typed
    assert forged.alert and "只有主管或以上" in (forged.toast or "")
    refused = text_of(await h.send("/close 1 已扑灭"))
    assert "只有主管或以上可以结案" in refused
    row = await the_incident(h)
    assert (row.severity, row.status, row.escalation) == ("major", "open", "pending")
    assert len(await pending_escalation_timers(h)) == 1


async def test_a_supervisor_closing_stops_the_repeats_and_tells_everyone_pinged(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    await h.desk.sweep(h.clock.advance(minutes=11))  # round 2 reached the admin as well
    seen = len(await h.outbox())
    closed = text_of(await h.send("/close 1 已扑灭，无人受伤", SUPERVISOR))
    assert "#1 已结案" in closed
    told = await new_rows(h, seen)
    lines = {r.chat_id: r.text for r in told}
    assert set(lines) == {MANAGER.id, ADMIN.id}  # the one who closed it needs no message
    assert all(text.count("\n") == 0 and "主管陈姐" in text and "结案" in text for text in lines.values())
    assert await pending_escalation_timers(h) == []
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=30))
    assert not [r for r in await new_rows(h, seen) if "提醒" in r.text and "重大事件 #1" in r.text]


async def test_a_supervisor_lowering_stops_repeats_and_the_report_reminder(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    card = await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    picker = await h.press(button_data(card, "改级别"), user=SUPERVISOR)
    seen = len(await h.outbox())
    lowered = await h.press(button_data(picker, "紧急"), user=SUPERVISOR)
    assert "紧急" in text_of(lowered)
    told = await new_rows(h, seen)
    assert {r.chat_id for r in told} == {MANAGER.id}
    assert "改为「紧急」" in told[0].text and "主管陈姐" in told[0].text
    row = await the_incident(h)
    assert (row.severity, row.escalation) == ("urgent", "stopped")
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(days=1, hours=1))  # past the repeat and the 09:00 reminder
    assert await new_rows(h, seen) == []


async def test_marking_major_again_says_since_when_and_who_was_told(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    card = await h.send("/log 电梯异响")
    first = await h.press(button_data(card, "标为重大"))
    assert "已通知 2 位：主管 1 位、经理 1 位" in text_of(first)
    seen = len(await h.outbox())
    h.clock.advance(minutes=3)
    again = await h.press(button_data(card, "标为重大"))  # the old card still shows the button
    assert "已是重大事件" in (again.toast or "") and "11-23 10:00" in (again.toast or "")
    assert "已通知 2 位" in (again.toast or "")
    by_command = text_of(await h.send("/major 1"))
    assert "11-23 10:00 已上报" in by_command and "主管 1 位、经理 1 位" in by_command
    assert await new_rows(h, seen) == []


async def test_nobody_to_tell_is_said_once_and_never_claims_anyone_was_told(harness: DeskHarness) -> None:
    h = harness
    await h.send("/setup HG 华庭花园", ADMIN)
    await h.join(STAFF, "staff")
    await h.join(MANAGER, "manager")  # a manager but no supervisor: say exactly that one was told
    said = text_of(await h.send("/log 5栋12楼起火，浓烟很大，有住户被困"))
    assert "已通知 1 位：经理 1 位" in said and "主管和经理" not in said


async def test_ack_in_the_group_answers_once(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    seen = len(await h.outbox())
    out = await h.send("/ack 1", SUPERVISOR)
    assert len(out.replies) == 1 and "主管陈姐" in text_of(out) and "已确认重大事件 #1" in text_of(out)
    assert [r for r in await new_rows(h, seen) if r.chat_id == GROUP.id] == []
    # From the private ping, the group is told and the presser gets their own answer.
    await h.send("/log 3栋地下车库有车辆起火，火势蔓延")
    ping = next(r for r in await h.outbox() if r.chat_id == MANAGER.id and "#2" in r.text)
    seen = len(await h.outbox())
    private = await h.press(ping.buttons[0][0]["data"], user=MANAGER, chat=Chat(id=MANAGER.id, private=True))
    assert "您已确认" in (private.toast or "")
    assert ["经理张生" in r.text for r in await new_rows(h, seen) if r.chat_id == GROUP.id] == [True]


async def test_global_admins_join_the_repeats(harness: DeskHarness) -> None:
    """README: admins join from the second round, including those only in ADMIN_IDS."""
    h = harness
    await h.setup_site()
    await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    assert ADMIN.id not in {r.chat_id for r in await h.outbox()}
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=11))
    second = await new_rows(h, seen)
    assert {r.chat_id for r in second if r.chat_id > 0} == {SUPERVISOR.id, MANAGER.id, ADMIN.id}
    group = [r.text for r in second if r.chat_id == GROUP.id]
    assert group and "已通知 3 位：主管 1 位、经理 1 位、管理员 1 位" in group[0]
    ping = next(r for r in second if r.chat_id == ADMIN.id)
    acked = await h.press(ping.buttons[0][0]["data"], user=ADMIN, chat=Chat(id=ADMIN.id, private=True))
    assert "已确认" in (acked.toast or "")


async def test_after_lowering_staff_may_change_severity_and_nobody_is_told_twice(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    card = await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    picker = await h.press(button_data(card, "改级别"), user=SUPERVISOR)
    await h.press(button_data(picker, "紧急"), user=SUPERVISOR)
    seen = len(await h.outbox())
    picker = await h.press(button_data(card, "改级别"), user=STAFF)
    assert not picker.alert
    assert "一般" in text_of(await h.press(button_data(picker, "一般"), user=STAFF))
    assert "#1 已结案" in text_of(await h.send("/close 1 已处理", STAFF))
    assert await new_rows(h, seen) == []
