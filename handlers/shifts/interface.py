"""What other features may use of the shifts (the only module of it they import): who is rostered
on the shifts going on now (an urgent incident reaches the supervisor on duty, 000 L131, L258), and
a site's shifts and their instances in time (the shift digest is sent at each shift's end)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.shifts.times import (
    Instance,
    ShiftDef,
    around,
    at_moment,
    display_name,
    instances,
    moment_of,
    moment_ref,
    shifts_of,
)
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo

__all__ = [
    "Instance",
    "ShiftDef",
    "at_moment",
    "display_name",
    "instances",
    "moment_of",
    "moment_ref",
    "rostered_now",
    "shifts_of",
]


async def rostered_now(session: AsyncSession, site: Site, now: datetime) -> set[int]:
    """The Telegram ids on the roster for every shift of the site going on at ``now`` (overlapping
    shifts included); empty when the roster says nothing for them."""
    zone = ZoneInfo(site.timezone)
    going = [i for i in around(await shifts_of(session, site), now, zone) if i.start_at <= now < i.end_at]
    if not going:
        return set()
    table = await shift_repo.on_days(session, site_id=require_id(site), days=sorted({i.day for i in going}))
    return {telegram_id for i in going for telegram_id in table.get((i.day, i.shift.code), [])}
