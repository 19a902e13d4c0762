"""The written report of a major event is a record that reaches its readers: written by the reporter
or a supervisor with /incident_report once the event was acknowledged, stating the losses, sent to the
managers (and the GM), photos as replies to its card, and 24 hours late the managers are told
(000 L144; 001 L479, L819)."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.messages import User
from storage.models import Incident, WrittenReport, WrittenReportPhoto
from tests.support import GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, text_of

FIRE = "/log 车库有车辆起火，火势蔓延"  # #1, major
REPORT = "/incident_report 1 车库车辆起火，已用灭火器扑灭，消防到场确认安全，无人受伤 损失：一辆车烧毁，墙面熏黑"
GUARD = User(id=102, name="值班员阿明", language="zh-hans")
GM = User(id=401, name="总经理周生", language="zh-hans")


async def reports(h: DeskHarness) -> list[WrittenReport]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(WrittenReport))).all())


async def test_not_filed_before_the_event_is_acknowledged(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send(FIRE)
    said = text_of(await h.send(REPORT))
    assert "尚无人确认" in said and "/ack 1" in said
    assert await reports(h) == []
    async with h.desk.db.session() as session:
        assert (await session.exec(select(Incident))).one().report_filed_at is None


async def test_the_report_is_written_with_its_losses_and_reaches_the_managers(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await h.join(GUARD, "staff")
    await h.send(FIRE)
    await h.send("/ack 1", SUPERVISOR)
    # A bare tap or a number alone files nothing any more; nor does a report without the losses.
    assert "用法" in text_of(await h.send("/report_filed 1"))
    assert "损失" in text_of(await h.send("/incident_report 1 火已扑灭"))
    # Only its reporter or a supervisor writes it.
    assert "值班员小李 或主管" in text_of(await h.send(REPORT, GUARD))
    assert await reports(h) == []

    seen = len(await h.outbox())
    out = await h.send(REPORT)
    card = out.replies[0]
    assert "书面报告" in card.text and "损失情况：一辆车烧毁，墙面熏黑" in card.text and "已送交" in card.text
    [report] = await reports(h)
    assert (report.author_id, report.losses) == (STAFF.id, "一辆车烧毁，墙面熏黑")
    assert report.text.startswith("车库车辆起火")
    sent = [r for r in (await h.outbox())[seen:] if r.chat_id > 0]
    assert [r.chat_id for r in sent] == [MANAGER.id]
    assert "损失情况：一辆车烧毁" in sent[0].text and "值班员小李" in sent[0].text

    # A photo sent as a reply to the report's card is attached to it and passed on to the manager.
    await h.desk.link_sent(GROUP.id, 888, card)
    seen = len(await h.outbox())
    added = await h.send("", photo_file_id="PHOTO-1", reply_to_message_id=888)
    assert "照片已附到 #1 的书面报告（共 1 张）" in text_of(added)
    photos = [r for r in (await h.outbox())[seen:] if r.chat_id == MANAGER.id]
    assert [(r.method, r.photo_file_id) for r in photos] == [("photo", "PHOTO-1")]
    async with h.desk.db.session() as session:
        assert [p.file_id for p in (await session.exec(select(WrittenReportPhoto))).all()] == ["PHOTO-1"]

    # One report per incident: a second one is told who filed it and when.
    assert "已由 值班员小李 于" in text_of(await h.send(REPORT, SUPERVISOR))


async def test_a_report_not_filed_within_24_hours_goes_to_the_manager(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send(FIRE)
    await h.send("/ack 1", SUPERVISOR)
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=23))
    assert [r for r in (await h.outbox())[seen:] if r.chat_id == MANAGER.id] == []
    await h.desk.sweep(h.clock.advance(hours=1, minutes=1))
    late = [r for r in (await h.outbox())[seen:] if r.chat_id == MANAGER.id]
    assert late and "超过 24 小时" in late[0].text and "值班员小李" in late[0].text


async def test_a_report_filed_in_time_is_not_chased(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send(FIRE)
    await h.send("/ack 1", SUPERVISOR)
    await h.send(REPORT)
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(days=3))
    assert [r for r in (await h.outbox())[seen:] if "书面报告" in r.text] == []


async def test_a_supervisor_may_write_it_with_a_photo_and_the_gm_receives_it(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.join(GM, "admin")
    await h.send(FIRE)
    await h.send("/ack 1", MANAGER)
    seen = len(await h.outbox())
    out = await h.send(REPORT, SUPERVISOR, photo_file_id="PHOTO-0")
    assert "现场照片：1 张" in text_of(out)
    sent = [r for r in (await h.outbox())[seen:] if r.chat_id > 0]
    assert sorted(r.chat_id for r in sent) == sorted([MANAGER.id, GM.id])
    assert all(r.method == "photo" and r.photo_file_id == "PHOTO-0" for r in sent)
    assert (await reports(h))[0].author_id == SUPERVISOR.id
