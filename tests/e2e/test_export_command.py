"""End to end against the fake Bot API: ``/export`` in private reaches the supervisor as a sendDocument
multipart upload (the XLSX bytes themselves, under the register's file name); a staff member asking
gets a refusal and no file."""

from __future__ import annotations

import io

import openpyxl

from tests.fakes.bot_api.records import Upload
from tests.support.e2e import STAFF, SUPERVISOR, RunningBot
from tests.support.reports import site_with_october


async def test_export_arrives_as_an_uploaded_workbook(running: RunningBot) -> None:
    bot = running
    await site_with_october(bot)
    bot.say(STAFF, "/export incidents 2026-10", chat=STAFF)
    await bot.reply_to(STAFF, "主管")
    bot.say(SUPERVISOR, "/export incidents 2026-10", chat=SUPERVISOR)
    [document] = await bot.fake.wait_for("sendDocument", lambda c: c.params.get("chat_id") == SUPERVISOR, timeout=30)
    upload = document.params["document"]
    assert isinstance(upload, Upload) and upload.filename == "HG-incidents-2026-10.xlsx"
    assert document.params["caption"] == "值班事件登记表 · HG · 2026-10 · 5 行"
    sheet = openpyxl.load_workbook(io.BytesIO(upload.data))["incidents"]
    assert [c.value for c in sheet[2]][:3] == ["编号", "项目", "记录类型"]
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == [1, 2, 3, 4, 5]
    assert not [c for c in bot.fake.calls if c.method == "sendDocument" and c.params.get("chat_id") == STAFF]
