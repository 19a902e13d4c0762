"""End to end against the fake Bot API: `/report` in private reaches the supervisor as sendPhoto and
sendDocument multipart uploads (the PNG and XLSX bytes themselves), `/stats` reaches the duty group
as one photo, and a staff member asking gets a refusal and no file."""

from __future__ import annotations

import io

import openpyxl
from PIL import Image

from tests.fakes.bot_api.records import Upload
from tests.support.e2e import GROUP, STAFF, SUPERVISOR, RunningBot
from tests.support.reports import site_with_october


async def test_report_and_stats_arrive_as_uploaded_files(running: RunningBot) -> None:
    bot = running
    await site_with_october(bot)
    bot.say(STAFF, "/report 2026-10", chat=STAFF)
    await bot.reply_to(STAFF, "主管")
    bot.say(SUPERVISOR, "/report 2026-10", chat=SUPERVISOR)
    await bot.reply_to(SUPERVISOR, "月度统计")
    [document] = await bot.fake.wait_for("sendDocument", lambda c: c.params.get("chat_id") == SUPERVISOR, timeout=30)
    photos = await bot.fake.wait_for("sendPhoto", lambda c: c.params.get("chat_id") == SUPERVISOR, count=4)
    upload = document.params["document"]
    assert isinstance(upload, Upload) and upload.filename == "HG-2026-10.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(upload.data)).sheetnames[0] == "汇总"
    assert all(isinstance(p.params["photo"], Upload) for p in photos)
    assert Image.open(io.BytesIO(photos[0].params["photo"].data)).size == (800, 450)
    assert not [
        c for c in bot.fake.calls if c.method in ("sendDocument", "sendPhoto") and c.params.get("chat_id") == STAFF
    ]
    bot.say(STAFF, "/stats")
    [stats] = await bot.fake.wait_for("sendPhoto", lambda c: c.params.get("chat_id") == GROUP, timeout=30)
    assert "至今" in stats.params["caption"] and isinstance(stats.params["photo"], Upload)
