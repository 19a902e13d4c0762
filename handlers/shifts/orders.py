"""Standing orders (上级指令): "上级的指导,命令必须交接" (000 L123). A supervisor or above gives one
with ``/order``; it gets an ON, is carried in every handover report until cleared (``/order_done ON``),
and ``/orders`` lists the active ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.exports import iso, site_zones
from handlers.core.feature import ExportKind, Feature
from handlers.core.i18n import Translator
from handlers.core.messages import Outcome
from handlers.core.numbers import not_found, numbered, ref
from handlers.core.render import clip
from storage.codes import Register, Role
from storage.models import Site, StandingOrder, require_id
from storage.repos import handovers, sites
from storage.repos.chunks import Window


async def order_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None and ctx.site.id is not None
    text = args.strip()
    if not text:
        return Outcome.say(ctx.t("orders.usage_order"))
    order = await handovers.add_order(
        ctx.session,
        StandingOrder(
            site_id=ctx.site.id,
            number=await sites.next_number(ctx.session, site_id=ctx.site.id, register=Register.ORDER),
            text=text,
            issued_by=ctx.msg.user.id,
            issued_name=ctx.msg.user.name,
            issued_at=ctx.now,
        ),
    )
    return Outcome.say("\n".join([ctx.t("orders.given", number=order.number, text=clip(text)), ctx.t("orders.rule")]))


async def orders_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    active = await handovers.active_orders(ctx.session, site_id=require_id(ctx.site))
    if not active:
        return Outcome.say(ctx.t("orders.none"))
    lines = [ctx.t("orders.header", count=len(active))]
    lines += [_line(ctx.t, o, ctx.hhmm(o.issued_at)) for o in active]
    return Outcome.say("\n".join(lines))


def _line(t: Translator, order: StandingOrder, at: str) -> str:
    return t("orders.line", number=order.number, text=clip(order.text, 80), name=order.issued_name, at=at)


async def order_done_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    number, _, problem = await numbered(ctx, args, Register.ORDER, "orders.usage_done")
    if number is None:
        return problem or Outcome.say(ctx.t("orders.usage_done"))
    order = await handovers.order_by_number(ctx.session, site_id=require_id(ctx.site), number=number)
    if order is None:
        return await not_found(ctx, Register.ORDER, number, "orders.not_found")
    if order.done_at is not None:
        return Outcome.say(ctx.t("orders.already_done", number=number, name=order.done_name or "?"))
    order.done_by, order.done_name, order.done_at = ctx.msg.user.id, ctx.msg.user.name, ctx.now
    ctx.session.add(order)
    return Outcome.say(ctx.t("orders.done", number=number, text=clip(order.text, 80)))


async def orders_section(session: AsyncSession, site: Site, now: datetime, t: Translator) -> list[str]:
    """The handover report's standing orders: every active one, until cleared (000 L123)."""
    active = await handovers.active_orders(session, site_id=require_id(site))
    if not active:
        return []
    zone = ZoneInfo(site.timezone)
    lines = [t("orders.section", count=len(active))]
    lines += [_line(t, o, o.issued_at.astimezone(zone).strftime("%m-%d %H:%M")) for o in active]
    return lines


ORDER_FIELDS = ("number", "site", "text", "issued_by", "issued_name", "issued_at", "done_by", "done_at")


async def order_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes = {require_id(s): s.code for s in await sites.all_sites(session)}
    async for chunk in handovers.all_orders(session, window):
        for o in chunk:
            yield {
                "number": ref(Register.ORDER, o.number),
                "site": codes.get(o.site_id),
                "text": o.text,
                "issued_by": o.issued_by,
                "issued_name": o.issued_name,
                "issued_at": iso(o.issued_at, zones.get(o.site_id or 0)),
                "done_by": o.done_by,
                "done_at": iso(o.done_at, zones.get(o.site_id or 0)),
            }


COMMANDS = [
    Command("order", order_command, min_role=Role.SUPERVISOR),
    Command("orders", orders_command),
    Command("order_done", order_done_command, min_role=Role.SUPERVISOR),
]
PART = Feature(
    "orders",
    commands=COMMANDS,
    handover=orders_section,
    exports={"orders": ExportKind(ORDER_FIELDS, order_rows, order_rows)},
)
