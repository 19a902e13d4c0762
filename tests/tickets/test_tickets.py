"""Residents' tickets, whole: intake, the card's buttons, relay both ways signed as the service
centre, dispatch, resolve → rating → reopen, /my, two sites, photos, exports and bad input."""

from __future__ import annotations

import logging

import pytest

from handlers.core.messages import Chat, User
from storage.models import Callback, Resident, Ticket, TicketMessage
from tests.support import GROUP, MANAGER, RESIDENT, STAFF, STRANGER, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.tickets import COMPLAINT, NEIGHBOUR, REPAIR, Wire, data, rows, ticket, to


async def test_life_cycle_relay_both_ways_resolve_rate_reopen(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await wire.take()
    out = await h.dm(REPAIR, RESIDENT)
    assert (
        text_of(out).startswith("您好") and "T1" in text_of(out) and "前到场" in text_of(out)
    )  # a repair: on site first (001 L1113)
    [card] = to(await wire.take(), GROUP.id)
    assert "T1" in card.text and "业户刘先生" in card.text and "待受理" in card.text

    accepted = await h.press(data(card, "受理"), message_id=card.message_id or 0)
    assert accepted.replies[0].edit and "已受理" in text_of(accepted) and STAFF.name in text_of(accepted)
    [told] = to(await wire.take(), RESIDENT.id)
    assert "已受理" in told.text and "客户服务中心" in told.text and STAFF.name not in told.text

    # A staff member's reply to the card reaches the resident, signed by the centre, never by name.
    relayed = await h.send("师傅下午两点上门，请留人在家", reply_to_message_id=card.message_id)
    assert "已以客户服务中心名义转达" in text_of(relayed)
    [answer] = to(await wire.take(), RESIDENT.id)
    assert "下午两点" in answer.text and "华庭花园客户服务中心" in answer.text
    assert STAFF.name not in answer.text and str(STAFF.id) not in answer.text
    assert answer.site_id and answer.purpose == "relay"  # so delivery can tell the group if it bounces

    # The resident's answer joins the ticket and comes back to the group threaded to it.
    joined = await h.dm("好的，我两点在家", RESIDENT)
    assert "已补充到您的 T1" in text_of(joined) and len(await rows(h, Ticket)) == 1
    [back] = to(await wire.take(), GROUP.id)
    assert "两点在家" in back.text and back.ref_kind == "ticket"
    await h.send("收到，谢谢", reply_to_message_id=back.message_id)
    assert "收到，谢谢" in to(await wire.take(), RESIDENT.id)[0].text
    internal = await h.send("！业户脾气不太好，上门注意", reply_to_message_id=back.message_id)
    assert "内部记录" in text_of(internal) and not to(await wire.take(), RESIDENT.id)

    # 派工 to a person: the card asks whom; the person gets it privately with 已到场.
    picker = await h.press(data(card, "派工"), message_id=card.message_id or 0)
    dispatched = await h.press(button_data(picker, "工程部"), message_id=card.message_id or 0)
    assert "派工：工程部" in text_of(dispatched)
    picker = await h.press(data(card, "派工"), message_id=card.message_id or 0)
    dispatched = await h.press(button_data(picker, STAFF.name), message_id=card.message_id or 0)
    assert "已到场" in str(dispatched.replies[0].buttons)
    await wire.take()
    on_site = await h.press(button_data(dispatched, "已到场"), message_id=card.message_id or 0)
    assert "到场" in text_of(on_site)

    # 已处理: the resident is asked to rate; 不满意 reopens and pings the supervisors.
    resolved = await h.press(button_data(on_site, "已处理"), message_id=card.message_id or 0)
    assert "已处理" in text_of(resolved)
    [ask] = to(await wire.take(), RESIDENT.id)
    assert "请您对本次服务评价" in ask.text
    rated = await h.press(data(ask, "不满意"), user=RESIDENT, chat=Chat(RESIDENT.id, True))
    assert "对不起" in text_of(rated)
    sent = await wire.take()
    pings = to(sent, SUPERVISOR.id) + to(sent, MANAGER.id)
    # the manager, who takes the shift digest, reads it there (handlers.core.notices.DIGEST_ONLY)
    [ping] = pings
    assert ping.chat_id == SUPERVISOR.id and ping.priority == 0 and ping.purpose == "follow_up"
    assert (await ticket(h)).status == "reopened" and (await ticket(h)).reopened == 1
    comment = await h.dm("师傅没修好，灯还是闪", RESIDENT)
    assert "谢谢您的意见" in text_of(comment)
    assert "灯还是闪" in to(await wire.take(), GROUP.id)[0].text

    # Resolved again, 满意 closes it; the callback is recorded.
    [old_card_edit] = [r for r in sent if r.chat_id == GROUP.id and r.method == "edit"]
    assert old_card_edit.edit_message_id == card.message_id and "重新处理中" in old_card_edit.text
    [new_card] = [r for r in sent if r.chat_id == GROUP.id and r.buttons and r.method == "send"]
    await h.press(data(new_card, "已处理"), message_id=new_card.message_id or 0)
    [ask] = to(await wire.take(), RESIDENT.id)
    await h.press(data(ask, "满意"), user=RESIDENT, chat=Chat(RESIDENT.id, True))
    [edit] = [r for r in to(await wire.take(), GROUP.id) if r.method == "edit"]
    assert (
        edit.edit_message_id == new_card.message_id
        and "已回访" in edit.text
        and edit.buttons[0][0]["label"] == "重新打开"
    )
    done = await ticket(h)
    assert (done.status, done.satisfaction, done.reopened) == ("closed", "satisfied", 1)
    callbacks = await rows(h, Callback)
    assert sorted(c.satisfaction for c in callbacks) == ["satisfied", "unsatisfied"]
    assert all(c.how == "bot" and c.state == "done" for c in callbacks)


async def test_my_lists_only_ones_own_and_forged_rating_is_refused(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await h.dm(COMPLAINT, NEIGHBOUR)
    mine = text_of(await h.dm("/my", RESIDENT))
    assert "T1" in mine and "T2" not in mine and "装修" not in mine
    assert "T2" in text_of(await h.dm("/my", NEIGHBOUR))
    await wire.take()
    [card] = [r for r in await h.outbox() if r.chat_id == GROUP.id and "T1" in r.text and r.buttons]
    await h.press(data(card, "已处理"))
    [ask] = to(await wire.take(), RESIDENT.id)
    forged = await h.press(data(ask, "满意"), user=NEIGHBOUR, chat=Chat(NEIGHBOUR.id, True))
    assert forged.alert and "不是您的" in (forged.toast or "")
    in_group = await h.press(data(ask, "满意"), user=STAFF)
    assert in_group.alert
    assert (await rows(h, Callback))[0].state == "asked"
    assert (await h.press("1|tk.rate|999|satisfied", user=RESIDENT, chat=Chat(RESIDENT.id, True))).toast
    assert (await h.press("1|tk.rate|1|great", user=RESIDENT, chat=Chat(RESIDENT.id, True))).toast
    assert (await rows(h, Callback))[0].state == "asked"


async def test_photo_from_resident_joins_the_open_ticket(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    out = await h.send("", RESIDENT, Chat(RESIDENT.id, True), photo_file_id="AgACres1")
    assert "照片已附到您的 T1" in text_of(out)
    [photo] = [m for m in await rows(h, TicketMessage) if m.photo_file_id]
    assert photo.photo_file_id == "AgACres1"
    last = (await h.outbox())[-1]
    assert (last.chat_id, last.method, last.photo_file_id) == (GROUP.id, "photo", "AgACres1") and "[照片]" in last.text


async def test_new_issue_button_opens_a_second_ticket(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    joined = await h.dm(COMPLAINT, RESIDENT)
    assert len(await rows(h, Ticket)) == 1
    await h.press(button_data(joined, "新问题"), user=RESIDENT, chat=Chat(RESIDENT.id, True))
    second = await h.dm(COMPLAINT, RESIDENT)
    assert "T2" in text_of(second) and len(await rows(h, Ticket)) == 2


async def test_two_sites_ask_for_site_and_unit_once(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    other = Chat(id=-100600, private=False, title="翠苑值班群")
    from tests.support import ADMIN

    await h.send("/setup CY 翠苑", ADMIN, other)
    await wire.take()
    asked = await h.dm(REPAIR, RESIDENT)
    assert "哪个小区" in text_of(asked)
    [waiting] = await rows(h, Ticket)
    assert waiting.site_id is None and waiting.number is None
    still = await h.dm("补充：是主卧的灯", RESIDENT)
    assert "已补充到您的 问题" in text_of(still)
    assert "哪个小区" in text_of(still)  # asked again; nothing reached any group yet
    assert not await wire.take()
    picked = await h.press(button_data(still, "翠苑"), user=RESIDENT, chat=Chat(RESIDENT.id, True))
    assert "翠苑" in text_of(picked) and "T1" in text_of(picked) and "房号" in text_of(picked)
    assert to(await wire.take(), other.id)
    await h.desk.sweep()
    relayed = await wire.take()
    assert "主卧" in to(relayed, other.id)[0].text and not to(relayed, GROUP.id)
    assert "12栋1201" in text_of(await h.dm("12栋1201", RESIDENT))
    h.clock.advance(minutes=5)  # past the folding of follow-up acknowledgements
    assert "已补充" in text_of(await h.dm("谢谢", RESIDENT))  # not taken for a unit
    assert (await ticket(h)).unit == "12栋1201"
    [resident] = await rows(h, Resident)
    assert resident.unit == "12栋1201"
    again = await h.dm("/unit 3栋502", RESIDENT)
    assert "3栋502" in text_of(again)
    h2 = await h.dm("还有，门口灯也坏了", RESIDENT)  # joins the open ticket: nothing asked again
    assert "哪个小区" not in text_of(h2)


async def test_vip_and_repeated_complaint_go_up_the_chain(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await wire.take()
    assert "用法" in text_of(await h.send("/vip"))
    assert "找不到" in text_of(await h.send("/vip 99"))
    vip = await h.send("/vip 1")
    assert "特急" in text_of(vip)
    sent = await wire.take()
    assert to(sent, SUPERVISOR.id) and to(sent, MANAGER.id)
    assert (await ticket(h)).urgency == "vip"
    assert "已是特急" in text_of(await h.send("/vip #1"))
    await h.dm(COMPLAINT, NEIGHBOUR)
    await wire.take()
    [first] = [t for t in await rows(h, Ticket) if t.resident_id == NEIGHBOUR.id]
    await h.press(f"1|tk.done|{first.id}")
    await wire.take()
    await h.dm("楼上装修噪音又来了，我再次投诉", NEIGHBOUR)
    repeat = [r for r in to(await wire.take(), SUPERVISOR.id) if "重复投诉" in r.text]
    assert len(repeat) == 1


async def test_staff_side_bad_input(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    assert "找不到业户事务 T7" in text_of(await h.send("/ticket 7"))
    assert "用法" in text_of(await h.send("/ticket"))
    assert "尚未登记" in text_of(await h.send("/tickets", STRANGER))
    denied = await h.press(data(card, "受理"), user=STRANGER)
    assert denied.alert and (await ticket(h)).status == "new"
    assert (await h.press("1|tk.acc|abc")).toast and (await h.press("1|tk.to|1|m999999")).toast
    # Data no card of this version carries, on a real ticket: an extra argument, an unknown
    # department, a full-width id. Expired, and the ticket is untouched (not accepted, not dispatched).
    tid = (await ticket(h)).id
    for forged_data in (f"1|tk.acc|{tid}|1", f"1|tk.to|{tid}|dplumbing", f"1|tk.to|{tid}|m{STAFF.id}|x"):
        assert (await h.press(forged_data)).toast == "此按钮已失效，请重新操作。", forged_data
    assert (await h.press(f"1|tk.to|{tid}|m１")).toast == "此按钮已失效，请重新操作。"
    assert ((await ticket(h)).status, (await ticket(h)).dispatched_to) == ("new", None)
    ignored = await h.send("随便聊聊", STRANGER, reply_to_message_id=card.message_id)
    assert "转达" not in text_of(ignored) and not to(await wire.take(), RESIDENT.id)
    photo = await h.send("现场照片", photo_file_id="AgACstaff", reply_to_message_id=card.message_id)
    assert "转达" in text_of(photo)
    [relayed_photo] = to(await wire.take(), RESIDENT.id)[-1:]
    assert (relayed_photo.method, relayed_photo.photo_file_id) == ("photo", "AgACstaff")
    assert (
        "现场照片" in relayed_photo.text
        and "客户服务中心" in relayed_photo.text
        and STAFF.name not in relayed_photo.text
    )
    await h.press(data(card, "已处理"))
    await wire.take()
    late = await h.send("还有一点要说", reply_to_message_id=card.message_id)
    assert "已处理完毕" in text_of(late) and "重新打开" in str(late.replies[0].buttons)
    assert not to(await wire.take(), RESIDENT.id)
    reopened = await h.press(button_data(late, "重新打开"))
    assert "重新打开" in text_of(reopened) and (await ticket(h)).status == "reopened"
    assert [c.state for c in await rows(h, Callback)] == ["void"]
    # A number of another site is not found here.
    other = Chat(id=-100600, private=False, title="翠苑值班群")
    from tests.support import ADMIN

    await h.send("/setup CY 翠苑", ADMIN, other)
    assert "找不到" in text_of(await h.send("/ticket 1", ADMIN, other))


async def test_phone_ticket_list_and_history(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    registered = await h.send("/ticket 电话 5栋803业户反映地库B2一直漏水")
    assert not registered.replies  # the card in the group is the answer, no "registered" line besides
    await h.dm(REPAIR, RESIDENT)
    sent = await wire.take()
    [phone] = [r for r in to(sent, GROUP.id) if "T1" in r.text]
    assert "电话" in phone.text
    noted = await h.send("已通知工程部", reply_to_message_id=phone.message_id)
    assert "已记入处理记录" in text_of(noted)
    h.clock.advance(days=3)
    listing = text_of(await h.send("/tickets"))
    assert listing.index("T1") < listing.index("T2") and "⏰" in listing
    shown = text_of(await h.send("/ticket 1"))
    assert "已通知工程部" in shown and "值班员小李" in shown


async def test_exports_keep_old_keys_and_add_new_ones(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await h.dm("还有门口的灯", RESIDENT)
    [card] = [r for r in await h.outbox() if r.chat_id == GROUP.id and r.buttons]
    await h.press(data(card, "已处理"))
    from tests.support import rows_for

    async with h.desk.db.session() as session:
        tickets = await rows_for(session, "tickets")
        callbacks = await rows_for(session, "callbacks")
    [row] = tickets
    assert list(row)[:14] == [
        "number", "site", "kind", "category", "urgency", "status", "location", "description",
        "resident_id", "resident", "channel", "classified_by", "confidence", "created_at",
    ]  # fmt: skip
    assert row["number"] == "T1" and row["messages"] == 1 and row["resolved_by"] == STAFF.name and row["reopened"] == 0
    assert row["deadline_at"] and row["resolved_at"]
    [callback] = callbacks
    assert callback["ticket"] == "T1" and callback["how"] is None and callback["due_at"]


async def test_logs_never_carry_resident_words(harness: DeskHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    h = harness
    await h.setup_site()
    await h.dm("我的银行卡密码是123456，家里水管漏水", RESIDENT)
    await h.dm("补充：秘密内容", RESIDENT)
    assert "123456" not in caplog.text and "秘密内容" not in caplog.text


async def test_english_resident_hears_english_signed_by_the_centre(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    ann = User(5003, "Ann", None, "en")
    out = await h.dm("The air conditioner in my flat is broken, please send someone", ann)
    assert "A repairer will be with you by" in text_of(out)  # on site first (001 L1113)
    [card] = to(await wire.take(), GROUP.id)
    await h.send("明天上午十点上门 / tomorrow 10am", reply_to_message_id=card.message_id)
    accepted, answer = to(await wire.take(), ann.id)  # a first reply also accepts the ticket
    assert "has been accepted" in accepted.text and "Hello, about your T1" in answer.text
    assert "Customer Service Centre" in answer.text
    assert STAFF.name not in answer.text
    assert "T1" in text_of(await h.dm("/my", ann))


async def test_dispatched_staff_may_reply_from_private(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    picker = await h.press(data(card, "派工"), user=SUPERVISOR)
    await h.press(button_data(picker, STAFF.name), user=SUPERVISOR)
    [private_card] = to(await wire.take(), STAFF.id)
    assert "已派给您" in private_card.text and private_card.purpose == "dispatch"
    out = await h.send("我十分钟后到", STAFF, Chat(STAFF.id, True), reply_to_message_id=private_card.message_id)
    assert "转达" in text_of(out)
    assert "十分钟后到" in to(await wire.take(), RESIDENT.id)[-1].text
    stranger = await h.send("我也来", STRANGER, Chat(STRANGER.id, True), reply_to_message_id=private_card.message_id)
    assert "转达" not in text_of(stranger)


async def test_a_message_long_after_the_rating_is_not_taken_as_its_comment(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    [one] = await rows(h, Ticket)
    await h.press(f"1|tk.done|{one.id}")
    [ask] = to(await wire.take(), RESIDENT.id)
    await h.press(data(ask, "满意"), user=RESIDENT, chat=Chat(RESIDENT.id, True))
    h.clock.advance(days=2)
    later = await h.dm(COMPLAINT, RESIDENT)
    assert "T2" in text_of(later)
    [callback] = await rows(h, Callback)
    assert callback.note is None


@pytest.mark.parametrize("bad", ["#99999999999999999999", "1.5", "12abc", "＃x"])
async def test_a_malformed_number_is_answered_with_usage_not_registered(harness: DeskHarness, bad: str) -> None:
    """A number that names no record is a typo, not a phone call to register with SLA timers."""
    h = harness
    await h.setup_site()
    answer = text_of(await h.send(f"/ticket {bad}"))
    assert "用法" in answer and "/ticket" in answer
    assert await rows(h, Ticket) == []
    # Free text that merely starts with a digit is still a phone ticket.
    await h.send("/ticket 3栋大堂漏水")
    assert [x.number for x in await rows(h, Ticket)] == [1]
