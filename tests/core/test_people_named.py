"""Staff added from the command line are shown by name once known and as "ID 5（未开启机器人）"
until then, never as a bare number (issue 19 point 4): /staff and the roster."""

from __future__ import annotations

from handlers.core.messages import User
from handlers.setup.operator import add_staff
from tests.support import SUPERVISOR, DeskHarness, text_of
from tests.support.shifts import TWO_SHIFTS, set_shifts, upload

CLI_STAFF = User(id=5, name="新同事阿明", language="zh-hans")


async def test_cli_staff_shown_by_id_until_they_write_then_by_name(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    await add_staff(h.desk.db, telegram_id=CLI_STAFF.id, role="staff", site_code="HG")
    assert "✅" in await upload(h, "date,shift,staff\n2026-11-23,白班,5\n")
    staff = text_of(await h.send("/staff", SUPERVISOR))
    assert "值班员 ID 5（未开启机器人）" in staff and "?" not in staff
    roster = text_of(await h.send("/roster"))
    assert "白班 08:00-20:00：ID 5（未开启机器人）" in roster

    await h.dm("/start", CLI_STAFF)  # they open the bot: their name is known from then on
    assert "白班 08:00-20:00：新同事阿明" in text_of(await h.send("/roster"))
    assert "新同事阿明" in text_of(await h.send("/staff", SUPERVISOR))
