"""Who is on which shift, as the group sees it: people's names, a shift's label, the people the
roster puts on a shift (值班表, 002 L10). Shared by the roster, /duty and the handover, so that the
handover logic does not import the commands module (and the commands can call the handover logic)."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from handlers.shifts.times import Instance
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo
from storage.repos import sites


async def names(session: AsyncSession, ids: Iterable[int]) -> str:
    """People as the group knows them: their name, else @username, else the id; 、-separated."""
    wanted = list(dict.fromkeys(ids))
    known = await sites.people(session, ids=wanted)
    out = []
    for telegram_id in wanted:
        person = known.get(telegram_id)
        out.append((person.name or (f"@{person.username}" if person.username else "")) if person else "")
        out[-1] = out[-1] or str(telegram_id)
    return "、".join(out)


def label(t: Translator, inst: Instance, zone: ZoneInfo) -> str:
    return t("shifts.instance", day=inst.day.strftime("%m-%d"), name=inst.shift.name, hours=inst.shift.hours)


async def on_roster(session: AsyncSession, site: Site, inst: Instance) -> list[int]:
    table = await shift_repo.on_days(session, site_id=require_id(site), days=[inst.day])
    return table.get((inst.day, inst.shift.code), [])
