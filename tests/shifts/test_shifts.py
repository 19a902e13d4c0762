"""Shifts and roster: upload by file (all or nothing), /roster, /duty, the incoming reminder and the
roster-due reminder, all in the site's timezone (Asia/Shanghai, UTC+8)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from storage.models import RosterEntry
from tests.support import MANAGER, STAFF, STRANGER, SUPERVISOR, DeskHarness, text_of
from tests.support.shifts import NIGHT, FakeFiles, site_with_roster, upload


async def test_roster_upload_shows_today_and_tomorrow(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    shown = text_of(await h.send("/roster"))
    assert "11-23 白班 08:00-20:00：值班员小李" in shown
    assert "11-23 夜班 20:00-08:00：夜班小王" in shown
    assert "11-24 白班 08:00-20:00：（未排班）" in shown


async def test_bad_rows_are_reported_by_line_and_nothing_is_loaded(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    reply = await upload(
        h,
        "date,shift,staff\n2026-11-23,早班,101\n2026-13-01,早班,101\n2026-11-24,午班,101\n2026-11-24,N,@nobody 777\n",
    )
    assert "整份文件未导入" in reply
    assert "第 3 行：日期「2026-13-01」无法识别，请写成 YYYY-MM-DD" in reply
    assert "第 4 行：没有「午班」这个班次" in reply
    assert "第 5 行：「@nobody」不是 HG 的员工" in reply and "第 5 行：「777」不是 HG 的员工" in reply
    assert "第 2 行" not in reply
    async with h.desk.db.session() as session:
        assert (await session.exec(select(RosterEntry))).all() == []
    missing = await upload(h, "day,who\n2026-11-23,101\n")
    assert "缺少列：date, shift, staff（需要 date, shift, staff）" in missing


async def test_only_supervisors_load_a_roster(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    csv = "date,shift,staff\n2026-11-23,D,101\n"
    assert "需要：主管" in await upload(h, csv, user=STAFF)
    assert "尚未登记" in await upload(h, csv, user=STRANGER)
    h.desk.services.files = None
    out = await h.send("/roster", SUPERVISOR, document_file_id="x", document_name="r.csv")
    assert "无法下载" in text_of(out)
    h.desk.services.files = FakeFiles({"pdf": b"%PDF"})
    out = await h.send("/roster", SUPERVISOR, document_file_id="pdf", document_name="r.pdf")
    assert "无法读取" in text_of(out)


async def test_a_new_file_replaces_the_roster_of_its_dates(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    assert "✅" in await upload(h, "date,shift,staff\n2026-11-23,D,102 101\n")
    async with h.desk.db.session() as session:
        rows = (await session.exec(select(RosterEntry))).all()
    assert sorted((r.shift_code, r.telegram_id) for r in rows) == [("D", 101), ("D", 102)]


async def test_duty_shows_now_and_next(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    duty = text_of(await h.send("/duty"))
    assert "当班 11-23 白班 08:00-20:00：值班员小李" in duty
    assert "下一班 11-23 夜班 20:00-08:00：夜班小王" in duty


async def test_incoming_person_is_reminded_before_the_arrival_time(any_harness: DeskHarness) -> None:
    h = any_harness
    await site_with_roster(h)
    await h.desk.sweep()
    # The night shift starts at 20:00, the night person arrives 15 minutes early (002 L23): 19:45;
    # reminded 30 minutes before that, at 19:15 local, in private, once.
    h.clock.now = datetime(2026, 11, 23, 11, 14, tzinfo=UTC)
    await h.desk.sweep()
    assert not [r for r in await h.outbox() if r.chat_id == NIGHT.id]
    h.clock.now = datetime(2026, 11, 23, 11, 15, tzinfo=UTC)
    await h.desk.sweep()
    await h.desk.sweep()
    reminders = [r for r in await h.outbox() if r.chat_id == NIGHT.id]
    assert len(reminders) == 1
    assert "夜班" in reminders[0].text and "19:45 前到岗（提前 15 分钟）" in reminders[0].text
    assert "提前15分钟到岗（002 L23）" in reminders[0].text


async def test_roster_due_daily_from_the_25th_and_managers_on_the_last_day(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    await h.desk.sweep()
    assert not [r for r in await h.outbox() if "值班表尚未上传" in r.text]
    for day in (25, 26, 30):
        h.clock.now = datetime(2026, 11, day, 1, 0, tzinfo=UTC)  # 09:00 local
        await h.desk.sweep()
        await h.desk.sweep()
    due = [r for r in await h.outbox() if "2026-12 的值班表尚未上传" in r.text]
    assert len([r for r in due if r.chat_id == SUPERVISOR.id]) == 3 and "002 L10" in due[0].text
    assert len([r for r in due if r.chat_id == MANAGER.id]) == 1  # the 30th, the month's last day


async def test_roster_due_stops_once_next_month_is_loaded(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    await h.desk.sweep()
    assert [r for r in await h.outbox() if "值班表尚未上传" in r.text]
    assert "✅" in await upload(h, "date,shift,staff\n2026-12-01,早班,101\n")
    seen = len(await h.outbox())
    h.clock.now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    await h.desk.sweep()
    assert not [r for r in (await h.outbox())[seen:] if "值班表尚未上传" in r.text]


async def test_xlsx_roster_with_excel_dates(harness: DeskHarness) -> None:
    import io
    from datetime import date

    from openpyxl import Workbook

    h = harness
    await h.setup_site()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Date", "Shift", "Staff"])
    sheet.append([date(2026, 11, 23), "夜班", 101])
    buffer = io.BytesIO()
    book.save(buffer)
    h.desk.services.files = FakeFiles({"x1": buffer.getvalue()})
    out = await h.send("/roster", SUPERVISOR, document_file_id="x1", document_name="排班.xlsx")
    assert "已导入值班表 1 条（2026-11-23 至 2026-11-23）" in text_of(out)
    assert "11-23 夜班 00:00-08:00：值班员小李" in text_of(await h.send("/roster"))
