"""The duty log from a chat's point of view: setup, log, note, close, major, list, photos."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Incident, IncidentNote, IncidentPhoto
from tests.support import ADMIN, GROUP, MANAGER, STAFF, STRANGER, SUPERVISOR, DeskHarness, button_data, text_of


async def incidents_in(h: DeskHarness) -> list[Incident]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(Incident).order_by(Incident.id))).all())  # type: ignore[arg-type]


async def test_log_records_incident_with_number_category_and_buttons(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    out = await h.send("/log 3栋大堂天花漏水，地面有积水，已通知维修")
    text = text_of(out)
    assert "#1" in text and "水浸漏水" in text
    assert {b.label for b in out.replies[0].buttons[0]} >= {"改类别", "改级别", "🚨 标为重大"}
    assert out.replies[0].link is not None
    [row] = await incidents_in(h)
    assert (row.number, row.category, row.status, row.reporter_id) == (1, "water", "open", STAFF.id)
    second = await h.send("/log 停车场B2有人乱停车堵住消防通道")
    assert "#2" in text_of(second)


async def test_log_uses_time_in_text(harness: DeskHarness) -> None:
    await harness.setup_site()
    await harness.send("/log 上午8点半 5号楼电梯困人，已解救")
    [row] = await incidents_in(harness)
    local = row.occurred_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (8, 30)


async def test_note_close_and_list(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")
    await h.send("/log 2号楼发现可疑人员徘徊")
    noted = await h.send("/note #1 维修师傅已到场关闭阀门")
    assert "#1" in text_of(noted)
    listing = text_of(await h.send("/incidents"))
    assert listing.index("#2") < listing.index("#1")  # newest first
    closed = await h.send("/close 1 已修复，地面已清理")
    assert "已结案" in text_of(closed)
    again = await h.send("/close 1 再次")
    assert "已结案" in text_of(again)
    listing = text_of(await h.send("/incidents"))
    assert "#1" not in listing and "#2" in listing
    async with h.desk.db.session() as session:
        notes = (await session.exec(select(IncidentNote))).all()
    assert [n.text for n in notes] == ["维修师傅已到场关闭阀门"]
    row = (await incidents_in(h))[0]
    assert row.result == "已修复，地面已清理" and row.closed_by == STAFF.id


async def test_major_listed_first(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 垃圾房异味")
    await h.send("/log 电梯按钮失灵")
    await h.send("/major 1")
    listing = text_of(await h.send("/incidents"))
    assert listing.index("#1") < listing.index("#2")


async def test_missing_arguments_and_unknown_numbers(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert "用法" in text_of(await h.send("/log"))
    assert "用法" in text_of(await h.send("/note"))
    assert "找不到事件 #42" in text_of(await h.send("/close 42 done"))
    assert "未知命令 /frobnicate" in text_of(await h.send("/frobnicate now"))
    assert await incidents_in(h) == []
    await h.send("/log 消防栓漏水")
    assert "用法" in text_of(await h.send("/note 1"))  # a number but no text
    assert "用法" in text_of(await h.send("/close #1"))
    assert "用法" in text_of(await h.send("/ack", SUPERVISOR))
    assert "找不到事件 #99" in text_of(await h.send("/ack 99", SUPERVISOR))
    assert "找不到事件 #99" in text_of(await h.send("/report_filed 99"))
    assert "不是重大事件" in text_of(await h.send("/report_filed 1"))
    assert (await incidents_in(h))[0].status == "open"


async def test_stranger_and_unset_group_are_refused(harness: DeskHarness) -> None:
    h = harness
    assert "尚未设为值班群" in text_of(await h.send("/log 漏水", ADMIN))
    await h.setup_site()
    refused = text_of(await h.send("/log 我要记录", STRANGER))
    assert "尚未登记" in refused
    assert await incidents_in(h) == []
    # A stranger's chit-chat or incident-like text gets nothing at all.
    assert (await h.send("3栋着火了！", STRANGER)).replies == []


async def test_photo_reply_attaches_to_incident(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = await h.send("/log 地库B2水管爆裂")
    incident_id = out.replies[0].link[1]  # type: ignore[index]
    await h.desk.link_sent(GROUP.id, 777, out.replies[0])
    attached = await h.send("", photo_file_id="AgACphoto1", reply_to_message_id=777)
    assert "照片已附到 #1" in text_of(attached)
    ignored = await h.send("", photo_file_id="AgACphoto2", reply_to_message_id=12345)
    assert ignored.replies == []
    async with h.desk.db.session() as session:
        photos = (await session.exec(select(IncidentPhoto))).all()
    assert [(p.incident_id, p.file_id) for p in photos] == [(incident_id, "AgACphoto1")]


async def test_change_category_and_severity_by_buttons(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = await h.send("/log 业户投诉楼上装修太吵")
    picker = await h.press(button_data(out, "改类别"))
    assert picker.replies[0].edit and len(picker.replies[0].buttons) == 7  # 6 rows of categories, then 取消
    chosen = await h.press(button_data(picker, "噪音"))
    assert "噪音" in text_of(chosen)
    sev = await h.press(button_data(chosen, "改级别"))
    urgent = await h.press(button_data(sev, "紧急"))
    assert "紧急" in text_of(urgent)
    [row] = await incidents_in(h)
    assert (row.category, row.severity) == ("noise", "urgent")


async def test_forged_and_foreign_buttons(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = await h.send("/log 门禁故障")
    assert (await h.press("garbage")).toast == "此按钮已失效，请重新操作。"
    assert (await h.press("1|inc.setcat|99999|fire")).toast == "此按钮已失效，请重新操作。"
    assert (await h.press("1|inc.setcat|1|not_a_category")).toast == "此按钮已失效，请重新操作。"
    denied = await h.press(button_data(out, "标为重大"), user=STRANGER)
    assert denied.alert and "没有权限" in (denied.toast or "")
    [row] = await incidents_in(h)
    assert row.severity != "major" and row.category == "equipment"


async def test_long_message_is_kept_whole_and_reply_is_short(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    long_text = "3栋大堂漏水" + "很长的描述" * 2000
    out = await h.send("/log " + long_text)
    assert len(text_of(out)) < 1000
    [row] = await incidents_in(h)
    assert row.situation == long_text


async def test_duplicate_update_is_recorded_once(harness: DeskHarness) -> None:
    from handlers.core.messages import Inbound

    h = harness
    await h.setup_site()
    msg = Inbound(chat=GROUP, user=STAFF, text="/log 重复投递测试 漏水", update_id=424242, message_id=9)
    first = await h.desk.handle(msg)
    second = await h.desk.handle(msg)
    assert "#1" in text_of(first) and second.replies == []
    assert len(await incidents_in(h)) == 1


async def test_help_lists_only_allowed_commands(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    staff_help = text_of(await h.send("/help"))
    assert "/log" in staff_help and "/invite" not in staff_help and "/ack" not in staff_help
    sup_help = text_of(await h.send("/help", SUPERVISOR))
    assert "/invite" in sup_help and "/ack" in sup_help
    resident_help = text_of(await h.dm("/help", STRANGER))
    assert "/log" not in resident_help and "/whoami" in resident_help
    who = text_of(await h.dm("/whoami", MANAGER))
    assert "华庭花园" in who and "经理" in who
