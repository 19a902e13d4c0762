"""Custom and overlapping shifts (issue 18 point 13): a site's 中班 12:00-21:00 beside 白班
08:00-20:00 and 夜班 20:00-08:00. /duty shows every shift on and the real next one; the 中班 person
hands over at 21:00 to the 夜班 person on since 20:00, not to the next day's 白班; only a shift that
ended without a handover is chased; a shift added later does not redirect the planned reminders."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.core.messages import User
from tests.support import STAFF, DeskHarness, button_data, text_of
from tests.support.shifts import NIGHT, TWO_SHIFTS, set_shifts, upload

MID = User(id=103, name="中班小张", username="zhang_mid", language="zh-hans")
MIDDLE = ("M", "中班", "12:00", "21:00")
ROSTER = (
    "date,shift,staff\n2026-11-23,白班,101\n2026-11-23,中班,@zhang_mid\n2026-11-23,N,@wang_night\n2026-11-24,白班,101\n"
)


def local(hour: int, minute: int = 0) -> datetime:
    """A time on 2026-11-23 in Shanghai (UTC+8)."""
    return datetime(2026, 11, 23, hour - 8, minute, tzinfo=UTC)


async def overlapping_site(h: DeskHarness) -> None:
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS, MIDDLE)
    await h.join(NIGHT, "staff")
    await h.join(MID, "staff")
    assert "✅" in await upload(h, ROSTER)


async def test_duty_shows_every_shift_on_and_the_real_next_one(harness: DeskHarness) -> None:
    h = harness
    await overlapping_site(h)
    h.clock.now = local(13)
    duty = text_of(await h.send("/duty"))
    assert "当班 11-23 白班 08:00-20:00：值班员小李" in duty, duty
    assert "当班 11-23 中班 12:00-21:00：中班小张" in duty
    assert "下一班 11-23 夜班 20:00-08:00：夜班小王" in duty  # not the next day's 白班


async def test_the_middle_shift_hands_over_to_whoever_is_on(harness: DeskHarness) -> None:
    h = harness
    await overlapping_site(h)
    h.clock.now = local(20)
    day = await h.send("/handover 白班一切正常")
    assert "接班：11-23 夜班 20:00-08:00 · 夜班小王" in text_of(day)  # not to the 中班 still on
    await h.press(button_data(day, "接班"), NIGHT)
    h.clock.now = local(21)
    middle = await h.send("/handover 中班一切正常", MID)
    report = text_of(middle)
    assert "交班人：中班小张（11-23 中班 12:00-21:00）" in report, report
    assert "接班：11-23 夜班 20:00-08:00 · 夜班小王" in report
    assert "已交班给 夜班小王" in ((await h.press(button_data(middle, "接班"), NIGHT)).toast or "")
    await h.desk.sweep(local(21, 30))  # taken over: the 中班 person is free to leave, nobody chased
    assert not [r for r in await h.outbox() if "请勿离岗" in r.text or "尚未交接班" in r.text]


async def test_only_the_shift_that_ended_without_a_handover_is_chased(harness: DeskHarness) -> None:
    h = harness
    await overlapping_site(h)
    await h.desk.sweep()  # plans the end checks of the day's rostered shifts
    h.clock.now = local(20)
    await h.press(button_data(await h.send("/handover 白班一切正常"), "接班"), NIGHT)
    await h.desk.sweep(local(20, 15))
    assert not [r for r in await h.outbox() if "尚未交接班" in r.text]  # the 白班 was handed over
    await h.desk.sweep(local(21, 15))  # the 中班 ended at 21:00 and nobody handed it over
    chased = [r for r in await h.outbox() if "尚未交接班" in r.text]
    assert [r.chat_id for r in chased] == [MID.id] and "中班 12:00-21:00" in chased[0].text
    assert "000 L152" in chased[0].text
    assert not [r for r in await h.outbox() if r.chat_id == STAFF.id and "请勿离岗" in r.text]


async def test_a_shift_added_later_does_not_redirect_tonights_reminders(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    await h.join(NIGHT, "staff")
    await h.join(MID, "staff")
    assert "✅" in await upload(h, "date,shift,staff\n2026-11-23,白班,101\n2026-11-23,N,@wang_night\n")
    await h.desk.sweep()  # 10:00: tonight's reminder and end checks are planned
    h.clock.now = local(13)  # the site adds a 中班 (already begun today) and rosters it
    await set_shifts(h, MIDDLE)
    assert "✅" in await upload(h, ROSTER)
    await h.desk.sweep()
    await h.desk.sweep(local(19, 50))
    assert [r.chat_id for r in await h.outbox() if "即将开始" in r.text] == [NIGHT.id]
    assert "夜班 20:00-08:00" in next(r.text for r in await h.outbox() if "即将开始" in r.text)
    await h.desk.sweep(local(20, 20))  # the 白班's end check, not turned into the 中班's
    chased = [r for r in await h.outbox() if "尚未交接班" in r.text]
    assert [r.chat_id for r in chased] == [STAFF.id] and "白班" in chased[0].text


async def test_a_person_staying_on_for_the_next_shift_is_not_chased(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    assert "✅" in await upload(h, "date,shift,staff\n2026-11-23,白班,101\n2026-11-23,夜班,101\n")  # a double
    await h.desk.sweep()
    await h.desk.sweep(local(20, 15))
    assert not [r for r in await h.outbox() if "尚未交接班" in r.text or "尚无交接班记录" in r.text]
