"""A recorded patrol draft (issue 19 points 1-2, docs/usage.md "Message economy"): one tap on 记录
turns the draft into the finding's incident card, its 记录/忽略 gone, and edits the round's card where it
is — no new message in the duty group (a finding is recorded and re-checked, 001 L549, L551)."""

from __future__ import annotations

from tests.support import GROUP, DeskHarness, button_data
from tests.support.economy import Meter
from tests.support.patrols import started_round


async def test_recording_a_patrol_finding_draft_adds_no_group_message(harness: DeskHarness) -> None:
    h, meter = harness, Meter(harness)
    _, round_id = await started_round(h, ["大堂", "天台"])
    offer = await h.send("巡查发现消防通道被堵")
    await meter.mark()
    recorded = await h.press(button_data(offer, "记录"))
    [draft] = recorded.replies
    labels = {b.label for line in draft.buttons for b in line}
    assert draft.edit and "已记入巡查" in draft.text and "#1" in draft.text
    assert not {"记录", "忽略"} & labels  # the draft's buttons are gone; the incident's are there
    rows = [r for r in await meter.since() if r.chat_id == GROUP.id]
    edits = [r for r in rows if r.method == "edit"]
    assert [r for r in rows if r.method in ("send", "photo", "document")] == []
    [round_card] = [r for r in edits if r.edit_message_id == 7001]
    assert "发现：巡查发现消防通道被堵 → #1" in round_card.text and round_id
