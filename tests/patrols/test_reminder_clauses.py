"""A late patrol's reminder cites the plan's own clause (issue 19 point 4): the fire patrol of the
key locations every 2 hours (000 L451) only for a fire patrol, never for 主管巡查 or 夜巡."""

from __future__ import annotations

from tests.support import DeskHarness
from tests.support.patrols import add_plan, group_since


async def late_reminder(h: DeskHarness, name: str, **values: str) -> str:
    await add_plan(h, ["大堂"], name=name, **values)
    await h.desk.sweep(h.clock.advance(hours=2))  # 12:00: the round falls due
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=20))  # past the grace: the reminder
    [late] = [r for r in await group_since(h, seen) if name in r.text and "尚未开始" in r.text]
    return late.text


async def test_supervisor_patrol_cites_the_supervisor_rule(harness: DeskHarness) -> None:
    await harness.setup_site()
    text = await late_reminder(harness, "主管巡查", role="supervisor", every="2h")
    assert "001 L543" in text and "防火" not in text and "L451" not in text


async def test_night_patrol_cites_the_patrol_rules(harness: DeskHarness) -> None:
    await harness.setup_site()
    text = await late_reminder(harness, "夜巡", at="12:00")
    assert "001 L541" in text and "防火" not in text and "L451" not in text


async def test_fire_patrol_cites_the_fire_clause(harness: DeskHarness) -> None:
    await harness.setup_site()
    text = await late_reminder(harness, "消防巡查", every="2h")
    assert "每2小时进行一次防火巡查" in text and "000 L446、L451" in text
