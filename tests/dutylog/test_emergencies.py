"""Issue 18 point 1 through the desk: a fire with people trapped, logged in traditional or simplified
Chinese, is recorded as a major (重大) incident and goes up the chain at once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Incident
from tests.support import GROUP, MANAGER, SUPERVISOR, DeskHarness, text_of


@pytest.mark.parametrize(
    "text",
    [
        "9座12樓火警，有住戶被困，已報999",
        "9座12楼火警，有住户被困，已报999",
        "7栋地下车库一辆电动车起火 已扑灭",
        "B2水泵房水浸 水泵停咗",
    ],
)
async def test_a_logged_emergency_is_a_major_incident_that_escalates(any_harness: DeskHarness, text: str) -> None:
    h = any_harness
    await h.setup_site()
    out = await h.send("/log " + text)
    async with h.desk.db.session() as session:
        (incident,) = (await session.exec(select(Incident))).all()
    assert incident.severity == "major"
    assert incident.escalation == "pending"
    assert out.notified > 0
    reply = text_of(out)
    assert "重大" in reply and "已通知 2 位" in reply
    rows = await h.outbox()
    assert {r.chat_id for r in rows if r.chat_id > 0} == {SUPERVISOR.id, MANAGER.id}
    assert all("重大事件 #1" in r.text for r in rows if r.chat_id in (SUPERVISOR.id, MANAGER.id))
    assert not [r for r in rows if r.chat_id == GROUP.id]


async def test_a_drill_announced_with_the_same_words_escalates_nothing(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await h.send("/log 明天下午3点9座火警疏散演练 请通知住户")
    rows = await h.outbox()
    assert not [r for r in rows if r.chat_id in (SUPERVISOR.id, MANAGER.id)]
