"""Handover and takeover: the report compiled from the records, the block while a major incident is
open and a supervisor's override, the right person taking over, and the not-taken-over reminders."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from handlers.core.messages import Chat
from storage.models import Draft, Handover
from tests.support import GROUP, STAFF, STRANGER, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.shifts import NIGHT, site_with_roster

EVENING = datetime(2026, 11, 23, 11, 50, tzinfo=UTC)  # 19:50 in Shanghai, the day shift ends at 20:00


async def handovers(h: DeskHarness) -> list[Handover]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(Handover))).all())


async def test_report_from_the_records_and_takeover_by_the_rostered_person(any_harness: DeskHarness) -> None:
    h = any_harness
    await site_with_roster(h)
    await h.send("/order 今晚3栋消防检查，注意配合", SUPERVISOR)  # O1
    await h.send("/log 2栋电梯门关不上，已报工程部")  # #1 (orders count on their own), open
    h.clock.now = EVENING
    out = await h.send("/handover 对讲机2台齐全，钥匙5把，一切正常")
    report = text_of(out)
    assert "交班人：值班员小李（11-23 白班 08:00-20:00）" in report
    assert "接班：11-23 夜班 20:00-08:00 · 夜班小王" in report
    assert "#1 [一般] 2栋电梯" in report
    assert "【上级指令】1 条" in report and "O1 今晚3栋消防检查" in report
    assert "对讲机×2台" in report and "钥匙×5把" in report
    take = button_data(out, "接班")

    again = text_of(await h.send("/handover 再交一次"))
    assert "正在等待接班" in again and len(await handovers(h)) == 1

    # A stranger and the wrong person are refused with who is expected; the right one takes over.
    stranger = await h.press(take, STRANGER)
    assert stranger.alert and "夜班小王" in (stranger.toast or "")
    wrong = await h.press(take, SUPERVISOR)
    assert "应由 夜班小王 接班" in (wrong.toast or "")
    assert "不能接自己的班" in ((await h.press(take, STAFF)).toast or "")
    done = await h.press(take, NIGHT)
    assert "值班员小李 已交班给 夜班小王" in (done.toast or "")
    assert done.replies[0].edit and "已交班给" in done.replies[0].text and not done.replies[0].buttons
    row = (await handovers(h))[0]
    assert (row.status, row.outgoing_id, row.incoming_id) == ("taken_over", STAFF.id, NIGHT.id)
    assert row.handed_at == EVENING and row.taken_at == EVENING  # both confirmations, with their times
    assert "已由 夜班小王 接班" in ((await h.press(take, NIGHT)).toast or "")

    h.clock.advance(minutes=20)
    duty = text_of(await h.send("/duty"))
    assert "当班 11-23 夜班 20:00-08:00：夜班小王（11-23 19:50 接班）" in duty
    assert "目前没有待接的交班" in text_of(await h.send("/takeover", NIGHT))


async def test_major_incident_blocks_until_a_supervisor_overrides(any_harness: DeskHarness) -> None:
    h = any_harness
    await site_with_roster(h)
    await h.send("/log 5栋12楼起火，浓烟很大")  # #1, major
    h.clock.now = EVENING
    seen = len(await h.outbox())
    blocked = await h.send("/handover 一切正常")
    text = text_of(blocked)
    assert "不能交班" in text and "#1" in text and "000 L131" in text
    pings = [r for r in (await h.outbox())[seen:] if "交班因重大或紧急事件 #1" in r.text]
    # the manager, who takes the shift digest, reads it there (handlers.core.notices.DIGEST_ONLY)
    assert {r.chat_id for r in pings} == {SUPERVISOR.id}
    assert (await handovers(h))[0].status == "blocked"

    refused = await h.send("/takeover", NIGHT)
    assert "000 L131" in text_of(refused)
    assert "需要：主管" in text_of(await h.send("/allow_handover 我说可以", STAFF))
    assert "请写明放行原因" in text_of(await h.send("/allow_handover", SUPERVISOR))
    allowed = await h.send("/allow_handover 消防已到场接管，现场由主管负责", SUPERVISOR)
    assert "主管陈姐 已放行：消防已到场接管" in text_of(allowed)
    take = button_data(allowed, "接班")
    assert "已交班给 夜班小王" in ((await h.press(take, NIGHT)).toast or "")
    row = (await handovers(h))[0]
    assert (row.status, row.override_by) == ("taken_over", SUPERVISOR.id)
    assert row.override_reason == "消防已到场接管，现场由主管负责"
    assert "重大" in row.report and "#1" in row.report


async def test_override_by_button_and_a_reply_with_the_reason(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    await h.send("/log 地下室水管爆裂，水浸到膝盖，情况严重")
    await h.send("/major 1")
    blocked = await h.send("/handover")
    allow = button_data(blocked, "主管放行")
    assert "需要：主管" in ((await h.press(allow, STAFF)).toast or "")
    prompt = await h.press(allow, SUPERVISOR)
    assert "回复本消息" in prompt.replies[0].text
    await h.desk.link_sent(GROUP.id, 900, prompt.replies[0])
    chatter = await h.send("收到", STAFF, reply_to_message_id=900)  # staff replying: no override
    assert "已放行" not in text_of(chatter)
    allowed = await h.send("水已止住，工程部在场", SUPERVISOR, reply_to_message_id=900)
    assert "已放行：水已止住" in text_of(allowed)
    assert (await handovers(h))[0].status == "open"


async def test_handover_again_once_the_major_incident_is_closed(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    await h.send("/log 5栋12楼起火，浓烟很大")
    await h.send("/handover")
    # Only a supervisor may close a major incident nobody acknowledged.
    assert "结案" in text_of(await h.send("/close 1 火已扑灭，消防确认安全", SUPERVISOR))
    again = await h.send("/handover 火警已处理")
    assert "接班" in text_of(again) and button_data(again, "接班")
    assert [r.status for r in await handovers(h)] == ["open"]


async def test_not_taken_over_reminds_the_outgoing_and_supervisors_every_15_minutes(any_harness: DeskHarness) -> None:
    h = any_harness
    await site_with_roster(h)
    h.clock.now = EVENING
    out = await h.send("/handover 一切正常")
    await h.desk.sweep(h.clock.advance(minutes=24))  # 20:14: not yet
    assert not [r for r in await h.outbox() if "请勿离岗" in r.text]
    await h.desk.sweep(h.clock.advance(minutes=1))  # 20:15
    stay = [r for r in await h.outbox() if "请勿离岗" in r.text]
    assert [r.chat_id for r in stay] == [STAFF.id] and "002 L22" in stay[0].text and "夜班小王" in stay[0].text
    assert [r.chat_id for r in await h.outbox() if "尚无人接班" in r.text] == [SUPERVISOR.id]
    await h.desk.sweep(h.clock.advance(minutes=15))
    assert len([r for r in await h.outbox() if "请勿离岗" in r.text]) == 2
    await h.press(button_data(out, "接班"), NIGHT)
    await h.desk.sweep(h.clock.advance(minutes=30))
    assert len([r for r in await h.outbox() if "请勿离岗" in r.text]) == 2


async def test_without_a_roster_any_staff_member_takes_over(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.join(NIGHT, "staff")
    out = await h.send("/handover")
    assert "任一值班员" in text_of(out)
    taken = text_of(await h.send("/takeover", SUPERVISOR))
    assert "值班员小李 已交班给 主管陈姐" in taken


async def test_drafts_of_handover_and_takeover_feed_the_records(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    h.clock.now = EVENING
    card = await h.send("交班：对讲机2台齐全，一切正常")
    posted = await h.press(button_data(card, "记录"), STAFF)
    assert posted.replies[0].edit and "交班报告" in posted.replies[0].text
    assert "对讲机×2台" in posted.replies[0].text and button_data(posted, "接班")
    card = await h.send("已接班", NIGHT)
    taken = await h.press(button_data(card, "记录"), NIGHT)
    assert "已交班给 夜班小王" in (taken.toast or "")
    assert (await handovers(h))[0].status == "taken_over"
    async with h.desk.db.session() as session:
        drafts = (await session.exec(select(Draft))).all()
    assert [d.status for d in drafts] == ["recorded", "recorded"] and all(d.incident_id is None for d in drafts)


async def test_takeover_with_nothing_to_take(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert "目前没有待接的交班" in text_of(await h.send("/takeover"))
    assert "目前没有被禁止的交班" in text_of(await h.send("/allow_handover 理由", SUPERVISOR))
    for forged in ("1|hov.take|999", "1|hov.take|abc", "1|hov.allow|", "1|day.sign|1|2026"):
        pressed = await h.press(forged, STAFF, chat=Chat(id=STAFF.id, private=True))
        assert pressed.toast and "已失效" in pressed.toast, pressed


async def test_a_real_take_button_with_an_argument_added_is_stale_and_takes_nothing(harness: DeskHarness) -> None:
    """The button's data is read whole (handlers.shifts.buttons): an extra argument or a renamed
    action is not this version's button, so nobody takes over by it; the card's own button still works."""
    h = harness
    await site_with_roster(h)
    h.clock.now = EVENING
    take = button_data(await h.send("/handover 一切正常"), "接班")
    for forged in (take + "|1", take.replace("hov.take", "hov.taken")):
        pressed = await h.press(forged, NIGHT)
        assert pressed.toast and "已失效" in pressed.toast, pressed
        assert [r.status for r in await handovers(h)] == ["open"]
    assert "已交班给 夜班小王" in ((await h.press(take, NIGHT)).toast or "")


async def test_a_rostered_shift_not_handed_over_is_chased_after_its_end(any_harness: DeskHarness) -> None:
    h = any_harness
    await site_with_roster(h)
    await h.desk.sweep()  # plans the checks of the day's rostered shifts
    h.clock.now = datetime(2026, 11, 23, 12, 14, tzinfo=UTC)  # 20:14
    await h.desk.sweep()
    assert not [r for r in await h.outbox() if "尚未交接班" in r.text]
    await h.desk.sweep(h.clock.advance(minutes=1))  # 20:15: the day shift ended 15 minutes ago
    chased = [r for r in await h.outbox() if "尚未交接班" in r.text]
    assert [r.chat_id for r in chased] == [STAFF.id] and "11-23 白班" in chased[0].text and "002 L22" in chased[0].text
    assert [r.chat_id for r in await h.outbox() if "尚无交接班记录" in r.text] == [SUPERVISOR.id]
    await h.desk.sweep(h.clock.advance(minutes=15))
    assert len([r for r in await h.outbox() if "尚未交接班" in r.text]) == 2
    await h.send("/handover 迟交班")  # from now on the handover's own reminders take over
    await h.desk.sweep(h.clock.advance(minutes=15))
    assert len([r for r in await h.outbox() if "尚未交接班" in r.text]) == 2
    assert [r.chat_id for r in await h.outbox() if "请勿离岗" in r.text] == [STAFF.id]


async def test_a_site_may_turn_the_major_incident_block_off(harness: DeskHarness) -> None:
    from storage.models import Site

    h = harness
    await site_with_roster(h)
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        site.policy = {"handover_block_on_major": False}
        session.add(site)
    await h.send("/log 5栋12楼起火，浓烟很大")
    out = await h.send("/handover")
    assert "不能交班" not in text_of(out) and "#1" in text_of(out)
    assert "已交班给 夜班小王" in ((await h.press(button_data(out, "接班"), NIGHT)).toast or "")


async def test_open_resident_tickets_are_in_the_report(harness: DeskHarness) -> None:
    from tests.support import RESIDENT

    h = harness
    await site_with_roster(h)
    await h.dm("我家厨房水管漏水，请派人维修", RESIDENT)
    report = text_of(await h.send("/handover"))
    # One section for open tickets (the tickets feature's), not a second copy from the handover's own.
    assert report.count("厨房水管漏水") == 1 and "【未完成业户事务】1 件" in report
