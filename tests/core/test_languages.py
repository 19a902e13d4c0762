"""Replies come in the chat's language: the site's for its duty group, the person's in private."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from handlers.core.messages import User
from storage.models import Site
from tests.support import ADMIN, STAFF, DeskHarness, text_of


async def set_site_language(h: DeskHarness, language: str) -> None:
    async with h.desk.db.session() as session:
        await session.exec(update(Site).values(language=language).where(col(Site.code) == "HG"))  # type: ignore[call-overload]


async def test_traditional_site_gets_traditional_replies(harness: DeskHarness) -> None:
    await harness.setup_site()
    await set_site_language(harness, "zh-Hant")
    out = text_of(await harness.send("/log 3座大堂漏水，已通知維修"))
    assert "已記錄 #1" in out and "水浸漏水" in out and "發生" in out
    assert "未知命令" in text_of(await harness.send("/nope"))  # 未知命令 is the same in both scripts


async def test_english_site_and_private_languages(harness: DeskHarness) -> None:
    await harness.setup_site()
    await set_site_language(harness, "en")
    assert "Recorded #1" in text_of(await harness.send("/log water leak in Block 3 lobby"))
    hk = User(id=6001, name="陳太", language="zh-hk")
    assert "您好" in text_of(await harness.dm("你好", hk)) and "請問" in text_of(await harness.dm("你好", hk))
    english = User(id=6002, name="Ann", language="en-GB")
    assert text_of(await harness.dm("/whoami", english)).startswith("Ann")
    assert "Not registered" in text_of(await harness.dm("/whoami", english))
    assert "系统管理员" in text_of(await harness.dm("/whoami", ADMIN))


async def test_photo_with_a_log_caption_is_recorded_with_its_photo(harness: DeskHarness) -> None:
    from sqlmodel import select

    from storage.models import IncidentPhoto

    await harness.setup_site()
    out = await harness.send("/log 车库B2水管爆裂", STAFF, photo_file_id="AgACcaption")
    assert "#1" in text_of(out)
    async with harness.desk.db.session() as session:
        [photo] = (await session.exec(select(IncidentPhoto))).all()
    assert photo.file_id == "AgACcaption"
