"""Who is on which shift, as the group sees it: people's names, a shift's label, the people the
roster puts on a shift (值班表, 002 L10). Shared by the roster, /duty and the handover, so that the
handover logic does not import the commands module (and the commands can call the handover logic)."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from handlers.core.people import labels
from handlers.shifts.times import Instance, display_name
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo


async def names(session: AsyncSession, ids: Iterable[int], t: Translator) -> str:
    """People as the group knows them (handlers.core.people: a name, else @username, else "ID 5
    （未开启机器人）"); 、-separated."""
    return "、".join((await labels(session, t, ids)).values())


def label(t: Translator, inst: Instance, zone: ZoneInfo) -> str:
    return t(
        "shifts.instance", day=inst.day.strftime("%m-%d"), name=display_name(t, inst.shift), hours=inst.shift.hours
    )


async def on_roster(session: AsyncSession, site: Site, inst: Instance) -> list[int]:
    table = await shift_repo.on_days(session, site_id=require_id(site), days=[inst.day])
    return table.get((inst.day, inst.shift.code), [])
