"""Closed records stay closed, nothing typed is dropped silently, numbers and text as people type
them, and a duty-log time still to come."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from handlers.core.classification import TimeHint
from handlers.core.parsing import number_and_rest, visible
from handlers.dutylog import commands as dutylog
from handlers.dutylog import drafts
from storage.models import Draft, Incident, IncidentNote
from tests.support import RESIDENT, STAFF, SUPERVISOR, DeskHarness, button_data, text_of


async def rows(h: DeskHarness, model: type) -> list:  # type: ignore[type-arg]
    async with h.desk.db.session() as session:
        return list((await session.exec(select(model))).all())


async def test_note_on_a_closed_incident_is_refused_and_shown_back(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")
    await h.send("/close 1 已修复")
    said = text_of(await h.send("/note 1 业主又来电说还在滴水"))
    assert "#1 已结案" in said and "没有记录" in said and "业主又来电说还在滴水" in said
    assert await rows(h, IncidentNote) == []


async def test_a_second_close_says_its_text_was_not_recorded(harness: DeskHarness) -> None:
    h = harness
    await harness.setup_site()
    await h.send("/log 3栋大堂漏水")
    await h.send("/close 1 已修复")
    said = text_of(await h.send("/close 1 补充：已通知保洁清理地面"))
    assert "没有记录" in said and "已通知保洁清理地面" in said
    [row] = await rows(h, Incident)
    assert row.result == "已修复"


async def test_pickers_have_a_cancel_that_puts_the_card_back(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    card = await h.send("/log 业户投诉楼上装修太吵")
    for opener in ("改类别", "改级别"):
        picker = await h.press(button_data(card, opener))
        back = await h.press(button_data(picker, "取消"))
        assert back.replies[0].edit and button_data(back, "改类别") and "请选择" not in text_of(back)
    [row] = await rows(h, Incident)
    assert (row.category, row.severity) == ("construction", "normal")
    draft = await h.send("3栋2单元电梯困人了，有位老人在里面")
    picker = await h.press(button_data(draft, "改类别"))
    back = await h.press(button_data(picker, "取消"))
    assert back.replies[0].edit and button_data(back, "记录")
    [pending] = await rows(h, Draft)
    assert pending.status == "pending"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3 x", (3, "x")),
        ("#3 x", (3, "x")),
        ("＃3 x", (3, "x")),
        ("３ x", (3, "x")),
        ("＃３，已到场", (3, "已到场")),
        ("1.5 x", (None, "1.5 x")),
        ("12abc", (None, "12abc")),
        ("\u200b\u200b", (None, "")),
        ("7 \u200b\ufeff", (7, "")),
    ],
)
def test_numbers_are_whole_tokens_in_every_form(typed: str, expected: tuple[int | None, str]) -> None:
    assert number_and_rest(typed) == expected


def test_visible_drops_only_invisible_characters() -> None:
    assert visible("\u200b \u2060\ufeff") == ""
    assert visible(" 漏水\u200b ") == "漏水"


async def test_full_width_hash_note_and_decimal_and_invisible_text(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")
    assert "已补充 #1" in text_of(await h.send("/note ＃1 维修已到场"))
    assert "用法" in text_of(await h.send("/note 1.5 x"))
    assert "用法" in text_of(await h.send("/log \u200b\u200b\u200b"))
    assert "用法" in text_of(await h.send("/note 1 \u200b"))
    assert "用法" in text_of(await h.send("/close 1 \u200b"))
    assert [n.text for n in await rows(h, IncidentNote)] == ["维修已到场"]
    assert len(await rows(h, Incident)) == 1
    assert (await rows(h, Incident))[0].status == "open"


def later_today(hint: TimeHint | None, now: datetime, zone: ZoneInfo) -> datetime:
    """What resolve_time returns for 今晚11点 / 明天上午9点 once it reads relative days (another change)."""
    return now + timedelta(hours=13)


async def test_a_duty_log_time_still_to_come_is_refused_not_moved(
    harness: DeskHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    await h.setup_site()
    monkeypatch.setattr(dutylog, "resolve_time", later_today)
    said = text_of(await h.send("/log 今晚11点 3栋停水检修"))
    assert "没有记录" in said and "11-23 23:00" in said and "还没到" in said
    assert await rows(h, Incident) == []


async def test_a_draft_with_a_time_to_come_is_refused_on_record(
    harness: DeskHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    await h.setup_site()
    monkeypatch.setattr(drafts, "resolve_time", later_today)
    card = await h.send("3栋2单元电梯困人了，有位老人在里面")
    assert "11-23 23:00 还没到" in text_of(card)
    refused = await h.press(button_data(card, "记录"), user=SUPERVISOR)
    assert refused.alert and "还没到" in (refused.toast or "")
    assert await rows(h, Incident) == []
    [draft] = await rows(h, Draft)
    assert draft.status == "pending" and draft.author_id == STAFF.id


async def test_a_closed_incident_is_not_escalated_and_invisible_resident_text_is_empty(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")
    await h.send("/close 1 已修复")
    assert "已结案" in text_of(await h.send("/major 1"))
    assert not [r for r in await h.outbox() if r.chat_id == SUPERVISOR.id]
    assert "请用文字" in text_of(await h.dm("\u200b\u200b", RESIDENT))
