"""Free-text drafts in the duty group, residents in private, and setting up sites and people."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.messages import Chat, User
from storage.models import Draft, Incident, Member, Outbox, Site, Ticket
from tests.support import (
    ADMIN,
    GROUP,
    RESIDENT,
    STAFF,
    STRANGER,
    SUPERVISOR,
    DeskHarness,
    button_data,
    text_of,
)


async def all_rows(h: DeskHarness, model: type) -> list:  # type: ignore[type-arg]
    async with h.desk.db.session() as session:
        return list((await session.exec(select(model))).all())


async def test_free_text_incident_gets_a_draft_and_one_tap_records_it(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    card = await h.send("3栋2单元电梯困人了，有位老人在里面")
    assert card.replies and card.replies[0].quote
    assert await all_rows(h, Incident) == []  # only a suggestion until someone taps
    recorded = await h.press(button_data(card, "记录"), user=SUPERVISOR)
    assert "#1" in text_of(recorded) and recorded.replies[0].edit
    [incident] = await all_rows(h, Incident)
    assert incident.reporter_id == STAFF.id and incident.category == "equipment"
    assert incident.location and "3栋" in incident.location
    stale = await h.press(button_data(card, "记录"))
    assert stale.toast == "此草稿已处理。"
    assert len(await all_rows(h, Incident)) == 1


async def test_draft_category_can_be_fixed_before_recording(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    card = await h.send("B座大堂有个可疑包裹放了很久没人认领")
    picker = await h.press(button_data(card, "改类别"))
    fixed = await h.press(button_data(picker, "失窃"))
    await h.press(button_data(fixed, "记录"))
    [incident] = await all_rows(h, Incident)
    assert incident.category == "theft"


async def test_draft_ignore_and_chit_chat(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    for chat in ("收到", "好的，谢谢", "今晚吃什么？", "👍", "ok thanks"):
        assert (await h.send(chat)).replies == [], chat
    card = await h.send("2号楼天台门锁坏了")
    ignored = await h.press(button_data(card, "忽略"))
    assert "已忽略" in text_of(ignored)
    [draft] = await all_rows(h, Draft)
    assert draft.status == "ignored" and await all_rows(h, Incident) == []


async def test_draft_buttons_refuse_strangers(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    card = await h.send("地库B2漏水严重")
    denied = await h.press(button_data(card, "记录"), user=STRANGER)
    assert denied.alert and await all_rows(h, Incident) == []


async def test_resident_repair_is_filed_and_answered_politely(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = await h.dm("你好，我家厨房水管漏水，3栋1单元502，麻烦尽快派人来看看", RESIDENT)
    text = text_of(out)
    assert text.startswith("您好") and "报修" in text and "T1" in text
    [ticket] = await all_rows(h, Ticket)
    assert (ticket.kind, ticket.category, ticket.resident_id) == ("repair", "water", RESIDENT.id)
    to_group = [r for r in await all_rows(h, Outbox) if r.chat_id == GROUP.id]
    assert to_group and "业户刘先生" in to_group[-1].text
    greeting = await h.dm("你好", User(5009, "新业户", None, "zh-hans"))
    assert "请问有什么可以帮您" in text_of(greeting)
    further = await h.dm("你好", RESIDENT)  # while T1 is open, a further message joins it (tickets issue)
    assert "已补充到您的 T1" in text_of(further)
    assert len(await all_rows(h, Ticket)) == 1


async def test_resident_complaint_in_traditional_and_english(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    hk = await h.dm("樓上裝修好嘈，晚上十點仲喺度打鑽，投訴！", RESIDENT)
    assert "投诉" in text_of(hk) or "投訴" in text_of(hk)
    english = await h.dm("The air conditioner in my flat is broken, please send someone", User(5002, "Ann", None, "en"))
    assert "repair request" in text_of(english)
    kinds = sorted(t.kind for t in await all_rows(h, Ticket))
    assert kinds == ["complaint", "repair"]


async def test_setup_asks_for_a_name_and_refuses_non_admins(harness: DeskHarness) -> None:
    h = harness
    assert "/setup HG" in text_of(await h.send("/setup", ADMIN))
    assert "没有权限" in text_of(await h.send("/setup HG 华庭", STAFF))
    done = text_of(await h.send("/setup HG 华庭花园", ADMIN))
    assert "华庭花园" in done and "/invite" in done and "隐私模式" not in done
    assert "已是" in text_of(await h.send("/setup HG 华庭花园", ADMIN))
    [site] = await all_rows(h, Site)
    assert site.duty_chat_id == GROUP.id


async def test_setup_warns_about_privacy_mode(harness: DeskHarness) -> None:
    harness.desk.services.can_read_group_messages = False
    assert "隐私模式" in text_of(await harness.send("/setup HG 华庭花园", ADMIN))


async def test_invite_links_are_one_time_expire_and_respect_rank(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = text_of(await h.send("/invite staff", SUPERVISOR))
    assert "https://t.me/DutyDeskTestBot?start=" in out
    code = out.rsplit("start=", 1)[1].strip()
    newcomer = User(id=777, name="新同事")
    assert "✅" in text_of(await h.dm(f"/start {code}", newcomer))
    assert "无效" in text_of(await h.dm(f"/start {code}", User(id=778, name="又一个")))
    assert "不能邀请" in text_of(await h.send("/invite admin", SUPERVISOR))
    assert "没有权限" in text_of(await h.send("/invite staff", STAFF))
    late = text_of(await h.send("/invite staff", SUPERVISOR)).rsplit("start=", 1)[1].strip()
    h.clock.advance(hours=73)
    assert "无效" in text_of(await h.dm(f"/start {late}", User(id=779, name="迟到")))
    roles = {(m.telegram_id, m.role) for m in await all_rows(h, Member)}
    assert (777, "staff") in roles and not any(m[0] in (778, 779) for m in roles)
    assert "值班员" in text_of(await h.dm("/whoami", newcomer))


async def test_group_only_commands_in_private(harness: DeskHarness) -> None:
    await harness.setup_site()
    assert "值班群" in text_of(await harness.dm("/log 漏水", STAFF))
    assert "值班群" in text_of(await harness.dm("随便说点什么", STAFF))  # staff are pointed to the group


async def test_command_for_another_bot_is_ignored(harness: DeskHarness) -> None:
    await harness.setup_site()
    assert (await harness.send("/log@SomeOtherBot 漏水")).replies == []
    assert "#1" in text_of(await harness.send("/log@DutyDeskTestBot 漏水"))


async def test_admin_staff_add(harness: DeskHarness) -> None:
    from handlers.core.operator import AdminError
    from handlers.setup.operator import add_staff

    h = harness
    try:
        await add_staff(h.desk.db, telegram_id=42, role="staff", site_code=None)
    except AdminError as exc:
        assert "/setup" in str(exc)
    else:
        raise AssertionError("no site yet must be refused")
    await h.send("/setup HG 华庭花园", ADMIN)
    assert await add_staff(h.desk.db, telegram_id=42, role="supervisor", site_code=None) == ("华庭花园", "supervisor")
    await h.send("/setup KL 君临", ADMIN, chat=Chat(id=-2, private=False))
    try:
        await add_staff(h.desk.db, telegram_id=43, role="staff", site_code=None)
    except AdminError as exc:
        assert "--site" in str(exc)
    assert await add_staff(h.desk.db, telegram_id=43, role="staff", site_code="kl") == ("君临", "staff")
