"""Urgent (紧急) incidents are not silent (000 L131, L258, L309): the on-duty supervisor is pinged at
once (not the managers), again at the policy interval until someone acknowledges, and an open urgent
incident blocks the handover like a major one (000 L131)."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.messages import Chat, User
from storage.models import EscalationNotice, Handover, Incident
from tests.support import ADMIN, GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.shifts import site_with_roster, upload

NIGHT_SUPERVISOR = User(id=202, name="夜班主管何生", language="zh-hans")
ILLNESS = "/log 3栋有老人突然发病，已叫救护车"  # read as urgent (medical), not major


async def incident(h: DeskHarness) -> Incident:
    async with h.desk.db.session() as session:
        return (await session.exec(select(Incident))).one()


async def test_urgent_pings_the_supervisor_at_once_and_repeats_until_acknowledged(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    out = await h.send(ILLNESS)
    assert "紧急" in text_of(out)
    assert "已通知 1 位：主管 1 位" in text_of(out)  # the card says who was told
    rows = await h.outbox()
    assert {r.chat_id for r in rows if r.chat_id > 0} == {SUPERVISOR.id}  # not the managers
    ping = next(r for r in rows if r.chat_id == SUPERVISOR.id)
    assert "紧急事件 #1" in ping.text and "000 L131" in ping.text
    ack = ping.buttons[0][0]["data"]

    # Nothing before the interval (15 minutes by default); then the supervisor again, still not the manager.
    assert await h.desk.sweep(h.clock.advance(minutes=10)) == 0
    seen = len(await h.outbox())
    assert await h.desk.sweep(h.clock.advance(minutes=6)) == 1
    again = (await h.outbox())[seen:]
    assert {r.chat_id for r in again if r.chat_id > 0} == {SUPERVISOR.id}
    assert any("第2次" in r.text for r in again)
    assert any(r.chat_id == GROUP.id and "紧急事件 #1 仍无人确认" in r.text for r in again)

    # The supervisor acknowledges: the group is told, the repeats stop.
    acked = await h.press(ack, user=SUPERVISOR, chat=Chat(id=SUPERVISOR.id, private=True))
    assert "紧急事件 #1" in (acked.toast or "")
    seen = len(await h.outbox())
    assert (await h.outbox())[seen - 1].chat_id == GROUP.id
    await h.desk.sweep(h.clock.advance(hours=2))
    assert [r for r in (await h.outbox())[seen:] if r.chat_id == SUPERVISOR.id] == []
    row = await incident(h)
    assert (row.escalation, row.acknowledged_by) == ("acknowledged", SUPERVISOR.id)


async def test_urgent_reaches_the_supervisor_rostered_on_the_shift_going_on(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.join(NIGHT_SUPERVISOR, "supervisor")
    # The three default shifts (000 L474): 早班 08:00-16:00, 中班 16:00-00:00, 夜班 00:00-08:00.
    roster = f"date,shift,staff\n2026-11-23,早班,{SUPERVISOR.id}\n2026-11-23,中班,{NIGHT_SUPERVISOR.id}\n"
    assert "✅" in await upload(h, roster)
    seen = len(await h.outbox())
    await h.send(ILLNESS)  # 10:00 on the 23rd: the day shift
    assert {r.chat_id for r in (await h.outbox())[seen:] if r.chat_id > 0} == {SUPERVISOR.id}
    h.clock.advance(hours=12)  # 22:00: the 中班
    seen = len(await h.outbox())
    await h.send("/log 5栋有住户突然发病，已叫救护车")
    assert {r.chat_id for r in (await h.outbox())[seen:] if r.chat_id > 0} == {NIGHT_SUPERVISOR.id}


async def test_urgent_with_no_supervisor_reaches_the_manager(harness: DeskHarness) -> None:
    h = harness
    await h.send("/setup HG 华庭花园", ADMIN)
    await h.join(STAFF, "staff")
    await h.join(MANAGER, "manager")
    await h.send(ILLNESS)
    assert {r.chat_id for r in await h.outbox() if r.chat_id > 0} == {MANAGER.id}


async def test_raised_to_urgent_pings_and_raised_to_major_goes_up_the_whole_chain(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = await h.send("/log 2栋电梯门关不上，已报工程部")  # normal: nobody pinged
    assert [r for r in await h.outbox() if r.chat_id > 0] == []
    picker = await h.press(button_data(out, "改级别"))
    await h.press(button_data(picker, "紧急"))
    assert {r.chat_id for r in await h.outbox() if r.chat_id > 0} == {SUPERVISOR.id}
    # A staff member cannot lower it before anyone acknowledged (the pings would stop unheard).
    picker = await h.press(button_data(out, "改级别"))
    assert picker.alert and "紧急" in (picker.toast or "")

    await h.send("/major 1")
    assert {r.chat_id for r in await h.outbox() if r.chat_id > 0} == {SUPERVISOR.id, MANAGER.id}
    row = await incident(h)
    assert (row.severity, row.escalation) == ("major", "pending")
    # Later rounds are the major event's: the manager is in them, on the major interval (10 minutes).
    await h.desk.sweep(h.clock.advance(minutes=11))
    async with h.desk.db.session() as session:
        notices = (await session.exec(select(EscalationNotice))).all()
    assert MANAGER.id in {n.telegram_id for n in notices if n.level == 2}


async def test_closing_an_urgent_incident_stops_the_pings(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send(ILLNESS)
    said = text_of(await h.send("/close 1 救护车已接走病人"))
    assert "结案" in said
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=1))
    assert [r for r in (await h.outbox())[seen:] if "第2次" in r.text] == []
    told = [r for r in (await h.outbox())[:seen] if r.chat_id == SUPERVISOR.id and "结案" in r.text]
    assert told and "紧急事件 #1" in told[0].text


async def test_an_open_urgent_incident_blocks_the_handover(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    await h.send(ILLNESS)  # #1, urgent
    blocked = await h.send("/handover 一切正常")
    assert "不能交班" in text_of(blocked) and "#1" in text_of(blocked) and "000 L131" in text_of(blocked)
    assert "重大或紧急事件 #1" in text_of(blocked)  # an urgent blocker is not called 重大 alone
    async with h.desk.db.session() as session:
        assert [r.status for r in (await session.exec(select(Handover))).all()] == ["blocked"]
    await h.send("/close 1 救护车已接走病人")
    again = await h.send("/handover 已处理")
    assert button_data(again, "接班")
