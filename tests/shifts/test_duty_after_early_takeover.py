"""/duty after a takeover before the shift's end (issue 18 point 11): the person who took over is on
duty from the takeover, not the roster's outgoing person until the shift boundary."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support import DeskHarness, button_data, text_of
from tests.support.shifts import NIGHT, site_with_roster

SEVEN_PM = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 19:00 in Shanghai; the 白班 ends at 20:00


async def test_duty_names_the_person_who_took_over_early(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    h.clock.now = SEVEN_PM
    out = await h.send("/handover 一切正常")
    assert "已交班给 夜班小王" in ((await h.press(button_data(out, "接班"), NIGHT)).toast or "")
    h.clock.advance(minutes=10)  # 19:10: still inside the 白班's hours
    duty = text_of(await h.send("/duty"))
    assert "当班 11-23 夜班 20:00-08:00：夜班小王（11-23 19:00 接班）" in duty, duty
    assert "值班员小李" not in duty  # the outgoing person has left the post, handed over
    assert "下一班 11-24 白班 08:00-20:00" in duty  # not tonight's 夜班, which is already on
    h.clock.advance(minutes=60)  # 20:10: past the boundary, the same person
    assert "当班 11-23 夜班 20:00-08:00：夜班小王（11-23 19:00 接班）" in text_of(await h.send("/duty"))


async def test_duty_before_anyone_takes_over_still_names_the_outgoing_person(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    h.clock.now = SEVEN_PM
    await h.send("/handover 一切正常")
    duty = text_of(await h.send("/duty"))
    assert "当班 11-23 白班 08:00-20:00：值班员小李（交班中，未有人接班）" in duty
    assert "下一班 11-23 夜班 20:00-08:00：夜班小王" in duty
