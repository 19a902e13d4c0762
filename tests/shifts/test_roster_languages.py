"""A bad roster row is said in the site's language in the chat (issue 19): the line, the field and
what is allowed, in Chinese at a zh-Hans site and in English at an en one."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from storage.models import Site
from tests.support import DeskHarness
from tests.support.shifts import upload

BAD = "date,shift,staff\n2026-11-23,早班,101\n2026/11/24,早班,101\n2026-11-25,午班,101\n2026-11-26,早班,@nobody\n"


async def test_bad_rows_in_chinese_at_a_chinese_site(harness: DeskHarness) -> None:
    await harness.setup_site()
    reply = await upload(harness, BAD)
    assert "❌ 值班表有 3 处问题，整份文件未导入" in reply
    assert "第 3 行：日期「2026/11/24」无法识别，请写成 YYYY-MM-DD" in reply
    assert "第 4 行：没有「午班」这个班次（本站班次：E/早班, M/中班, N/夜班）" in reply
    assert "第 5 行：「@nobody」不是 HG 的员工（请填 Telegram 数字 ID 或 @用户名）" in reply
    assert not any(word in reply for word in ("bad date", "unknown", "staff of"))


async def test_bad_rows_in_english_at_an_english_site(harness: DeskHarness) -> None:
    await harness.setup_site()
    async with harness.desk.db.session() as session:
        await session.exec(update(Site).values(language="en").where(col(Site.code) == "HG"))  # type: ignore[call-overload]
    reply = await upload(harness, BAD)
    assert "line 3: bad date '2026/11/24' (YYYY-MM-DD)" in reply
    assert "line 4: unknown shift '午班' (shifts: E/Early shift, M/Late shift, N/Night shift)" in reply
    assert "line 5: unknown person '@nobody' (not staff of HG)" in reply
    assert not any(word in reply for word in ("无法识别", "班次（", "员工"))
    missing = await upload(harness, "day,who\n2026-11-23,101\n")
    assert "line 1: missing column(s): date, shift, staff (needed: date, shift, staff)" in missing
