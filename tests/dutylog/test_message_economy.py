"""Message economy in the duty log (docs/usage.md "Message economy"): each command adds at most one
new message to the duty group; closing a major incident whose written report is still due says both
in one message (000 L144: the written report of a major incident)."""

from __future__ import annotations

from tests.support import SUPERVISOR, DeskHarness
from tests.support.economy import Meter


async def test_each_duty_log_command_adds_at_most_one_group_message(harness: DeskHarness) -> None:
    h, meter = harness, Meter(harness)
    await h.setup_site()
    counts: dict[str, int] = {}
    for command, user in [
        ("/log 3栋大堂漏水，已通知维修", None),
        ("/note 1 维修已到场", None),
        ("/major 1", None),
        ("/ack 1", SUPERVISOR),
        ("/close 1 已修复，地面已清理", SUPERVISOR),
    ]:
        await meter.mark()
        await (h.send(command, user) if user else h.send(command))
        sends = await meter.group_sends()
        counts[command.split()[0]] = len(sends)
        if command.startswith("/close"):
            [closed] = sends
            assert "已结案" in closed.text and "/incident_report 1" in closed.text  # the report still due, same message
    assert counts == {"/log": 1, "/note": 1, "/major": 1, "/ack": 1, "/close": 1}, counts
