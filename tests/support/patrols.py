"""Helpers for the patrol tests: add a plan at the harness's clock, link a card, read the group."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from handlers.patrols.plans import resolve_site, save, spec_of
from storage.models import Outbox, PatrolRound
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
