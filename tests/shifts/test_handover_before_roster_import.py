"""A handover made before the roster is imported (issue 18 point 12): when the import lands, the
rostered person is the one expected, the not-taken-over reminders name and reach them, and the
report's time is when the handover was made, not when it was first refused."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from storage.models import Handover
from tests.support import SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.shifts import NIGHT, TWO_SHIFTS, set_shifts, site_with_roster, upload

EVENING = datetime(2026, 11, 23, 11, 50, tzinfo=UTC)  # 19:50 in Shanghai, the 白班 ends at 20:00


async def handovers(h: DeskHarness) -> list[Handover]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(Handover))).all())


async def test_the_roster_imported_after_the_handover_decides_who_takes_over(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    await h.join(NIGHT, "staff")
    h.clock.now = EVENING
    out = await h.send("/handover 对讲机2台齐全")
    assert "任一值班员（无排班）" in text_of(out)

    imported = await upload(h, "date,shift,staff\n2026-11-23,白班,101\n2026-11-23,N,@wang_night\n")
    assert "✅" in imported and "按新值班表应由 夜班小王 接班" in imported, imported
    assert (await handovers(h))[0].expected == str(NIGHT.id)

    # Before the import anyone could take over; now only the rostered night person.
    refused = text_of(await h.send("/takeover", SUPERVISOR))
    assert "应由 夜班小王 接班" in refused

    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=25))  # 20:15: nobody has taken over
    new = (await h.outbox())[seen:]
    stay = [r for r in new if "请勿离岗" in r.text]
    assert stay and "应由 夜班小王 接班" in stay[0].text
    assert [r.chat_id for r in new if "正等待您接班" in r.text] == [NIGHT.id]
    assert [r.chat_id for r in new if "应由 夜班小王 接班" in r.text and "尚无人接班" in r.text] == [SUPERVISOR.id]

    taken = await h.press(button_data(out, "接班"), NIGHT)
    assert "已交班给 夜班小王" in (taken.toast or "")
    assert "接班：11-23 夜班 20:00-08:00 · 夜班小王" in taken.replies[0].text  # the card's header too
    row = (await handovers(h))[0]
    assert (row.status, row.incoming_id, row.next_code) == ("taken_over", NIGHT.id, "N")


async def test_the_report_time_is_when_the_handover_was_made_not_first_refused(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    h.clock.now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 19:00
    await h.send("/log 5栋12楼起火，浓烟很大")  # #1, major: the handover is refused (000 L131)
    assert "不能交班" in text_of(await h.send("/handover"))
    h.clock.now = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
    await h.send("/close 1 火已扑灭，消防确认安全", SUPERVISOR)
    h.clock.now = datetime(2026, 11, 23, 11, 40, tzinfo=UTC)  # 19:40: handed over
    again = text_of(await h.send("/handover 火警已处理"))
    assert "交班人：值班员小李（11-23 白班 08:00-20:00）· 11-23 19:40" in again, again
    row = (await handovers(h))[0]
    assert row.handed_at == h.clock.now and "11-23 19:40" in row.report


async def test_an_overridden_handover_is_dated_by_the_override(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    h.clock.now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 19:00
    await h.send("/log 5栋12楼起火，浓烟很大")
    await h.send("/handover")
    h.clock.now = datetime(2026, 11, 23, 11, 35, tzinfo=UTC)  # 19:35
    allowed = text_of(await h.send("/allow_handover 消防已到场接管", SUPERVISOR))
    assert "· 11-23 19:35" in allowed and "· 11-23 19:00" not in allowed
