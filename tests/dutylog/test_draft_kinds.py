"""A draft card reads as the kind of record 记录 makes (issue 19 point 8): a handover, a takeover or a
patrol report says so with what it will record, not an incident's "其他 · 一般"; an incident's card
keeps its category and the buttons to change it."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.core.messages import Outcome
from tests.support import STAFF, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.patrols import started_round
from tests.support.shifts import NIGHT, site_with_roster

EVENING = datetime(2026, 11, 23, 11, 50, tzinfo=UTC)  # 19:50 in Shanghai


def labels(out: Outcome) -> list[str]:
    return [button.label for reply in out.replies for row in reply.buttons for button in row]


async def test_handover_and_takeover_cards_read_as_such(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    h.clock.now = EVENING
    handover = await h.send("交班：对讲机2台齐全，一切正常", STAFF)
    assert text_of(handover).splitlines() == [
        "📋 交班：值班员小李（点「记录」即发出交班报告）",
        "【物品清点】对讲机×2台",
        "说明：对讲机2台齐全，一切正常",
    ]
    assert labels(handover) == ["✅ 记录", "忽略"]
    report = await h.press(button_data(handover, "记录"))
    assert "交班报告" in text_of(report)

    takeover = await h.send("接班", NIGHT)
    assert text_of(takeover) == "🤝 接班：夜班小王 接 值班员小李（11-23 19:50 交班）的班"
    assert labels(takeover) == ["✅ 记录", "忽略"]
    taken = await h.press(button_data(takeover, "记录"), NIGHT)
    assert "已交班给 夜班小王" in (taken.toast or "") + text_of(taken)


async def test_patrol_report_cards_name_the_round(harness: DeskHarness) -> None:
    h = harness
    await started_round(h)
    clean = await h.send("巡查完毕，一切正常", SUPERVISOR)  # not the patroller's own: a card to confirm
    assert text_of(clean) == "🚶 巡查报告：消防巡查（12:00 一轮）· 一切正常，点「记录」即结束本轮"
    assert labels(clean) == ["✅ 记录", "忽略"]
    finding = await h.send("巡查发现天台消防门损坏", STAFF)
    assert text_of(finding).splitlines() == [
        "🚶 巡查发现：消防巡查（12:00 一轮）",
        "地点：天台",
        "情况：巡查发现天台消防门损坏",
    ]
    assert "其他 · 一般" not in text_of(finding) and "改类别" not in labels(finding)


async def test_patrol_report_without_a_round_and_an_incident_keep_their_category(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    patrol = await h.send("消防巡查已完成，天台门未锁", STAFF)
    assert text_of(patrol).startswith("🚶 巡查报告（现在没有进行中的巡查，记入值班日志）：")
    assert "改类别" in labels(patrol)
    incident = await h.send("3栋大堂漏水，已通知维修", STAFF)
    assert text_of(incident).startswith("📝 看起来是一条事件记录：水浸漏水")
    assert "改类别" in labels(incident)
