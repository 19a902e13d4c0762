"""Helpers for the patrol tests: add a plan at the harness's clock, link a card, read the group."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from handlers.core.messages import Outcome
from handlers.patrols.plans import resolve_site, save, spec_of
from storage.models import Outbox, PatrolCheck, PatrolRound
from storage.repos import links
from tests.support import GROUP, DeskHarness

# 天台 at these coordinates; 会所 is the checkpoint proven by a location.
ROOF = (22.5431, 114.0579)


async def add_plan(h: DeskHarness, checkpoints: list[Any] | None = None, **values: Any) -> None:
    values.setdefault("name", "消防巡查")
    if not any(k in values for k in ("every", "at", "per_day")):
        values["every"] = "2h"
    async with h.desk.db.session() as session:
        site = await resolve_site(session, "HG")
        spec = spec_of(1, values, checkpoints or ["地下车库", "消防泵房", "天台"])
        await save(session, site, [spec], now=h.clock())


async def rounds(h: DeskHarness) -> list[PatrolRound]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(PatrolRound).order_by(col(PatrolRound.due_at)))).all())


async def group_since(h: DeskHarness, seen: int) -> list[Outbox]:
    return [r for r in (await h.outbox())[seen:] if r.chat_id == GROUP.id]


async def link_card(h: DeskHarness, round_id: int, message_id: int = 7001) -> int:
    """As the delivery does once the card is sent: the message shows the round."""
    async with h.desk.db.session() as session:
        await links.link_many(session, links=[(GROUP.id, message_id, "patrol_round", round_id)])
    return message_id


def data_of(row: Outbox, label_part: str) -> str:
    for line in row.buttons:
        for button in line:
            if label_part in button["label"]:
                return button["data"]
    raise AssertionError(f"no button {label_part!r} in {row.buttons}")


ROUTE = [
    "地下车库",
    {"name": "消防泵房", "proof": "photo"},
    {"name": "天台", "proof": "location", "lat": ROOF[0], "lon": ROOF[1], "radius": 30},
]


async def started_round(h: DeskHarness, checkpoints: list[object] | None = None) -> tuple[Outcome, int]:
    """A site with a plan whose 12:00 round was pinged and started by STAFF; the card is linked."""
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h, checkpoints or ROUTE)
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))
    [ping] = await group_since(h, seen)
    out = await h.press(data_of(ping, "开始巡查"))
    round_id = (await rounds(h))[0].id or 0
    await link_card(h, round_id)
    return out, round_id


async def checks(h: DeskHarness) -> list[PatrolCheck]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(PatrolCheck).order_by(PatrolCheck.position))).all())  # type: ignore[arg-type]
