"""Every repair notice is attended within the site's on-site minutes, 15 by default (001 L1113
"工程维修人员应在接到《维修服务通知单》15分钟内到达维修地点", L1123), not only urgent or VIP repairs."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Site
from tests.support import GROUP, RESIDENT, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.tickets import REPAIR, Wire, data, ticket, to


async def test_an_ordinary_repair_nobody_attends_in_15_minutes_pings_the_supervisor(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await wire.take()
    out = await h.dm(REPAIR, RESIDENT)  # a broken light: not urgent
    assert "前到场" in text_of(out)  # the resident hears when someone will be there
    [card] = to(await wire.take(), GROUP.id)
    assert "紧急" not in card.text
    assert "到场时限" in card.text
    h.clock.advance(minutes=14)
    await h.desk.sweep()
    assert to(await wire.take(), SUPERVISOR.id) == []
    h.clock.advance(minutes=2)
    await h.desk.sweep()
    [ping] = to(await wire.take(), SUPERVISOR.id)
    assert "15分钟内仍无人到场" in ping.text and "001 L1113" in ping.text


async def test_on_site_in_time_then_the_promised_hours(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await wire.take()
    await h.dm(REPAIR, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    picker = await h.press(data(card, "派工"))
    dispatched = await h.press(button_data(picker, "工程部"))
    h.clock.advance(minutes=12)
    arrived = await h.press(button_data(dispatched, "已到场"))
    assert "时限" in text_of(arrived) and "到场时限" not in text_of(arrived)
    h.clock.advance(hours=23)  # the repair's promised hours (ticket_hours_repair) run from arrival
    await h.desk.sweep()
    assert to(await wire.take(), SUPERVISOR.id) == []
    assert (await ticket(h)).on_site_at is not None
    h.clock.advance(hours=1, minutes=1)
    await h.desk.sweep()
    [late] = to(await wire.take(), SUPERVISOR.id)
    assert "超过处理时限" in late.text


async def test_the_on_site_minutes_are_the_sites_policy(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        site.policy = {"ticket_onsite_minutes": 30}
        session.add(site)
    await wire.take()
    await h.dm(REPAIR, RESIDENT)
    await wire.take()
    h.clock.advance(minutes=16)
    await h.desk.sweep()
    assert to(await wire.take(), SUPERVISOR.id) == []
    h.clock.advance(minutes=15)
    await h.desk.sweep()
    [ping] = to(await wire.take(), SUPERVISOR.id)
    assert "30分钟内仍无人到场" in ping.text
