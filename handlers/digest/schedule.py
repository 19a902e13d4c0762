"""When digests go and what they cover.

A digest goes at the end of each rostered shift of the site (handlers.shifts: the site's shifts, or
the three default ones); on a day with no rostered shift ending, at the policy's fixed times
(``digest_first_hour``, then every ``digest_every_hours``). It covers the time since the site's
previous digest (at most a day), so overlapping shifts do not count an event twice. The team's own
rule, from no clause (000 L95-97 asks for a monthly compilation; handlers.core.notices.DIGEST_ONLY
says which pings the digest replaces)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.shifts.interface as shifts
from handlers.core import notices
from handlers.core.context import TimerContext
from handlers.core.feature import Feature
from handlers.core.i18n import Translator
from handlers.core.policy import Policy
from handlers.digest.render import digest_text
from storage.models import Site, require_id
from storage.repos import digest, handovers, sites, timers
from storage.repos import shifts as roster

DIGEST = "digest"  # timer kind: ref_id is the moment it goes (handlers.shifts.interface.moment_ref)
AHEAD = timedelta(days=1)  # planned this far ahead, so a restart loses none
LONGEST = timedelta(days=1)  # the most a digest covers (the first one at a site, or after a gap)


def fixed_times(policy: Policy, day: date, zone: ZoneInfo) -> list[datetime]:
    """The policy's fixed times on a day, in UTC: first hour, then every so many hours."""
    hours = range(policy.digest_first_hour, 24, max(1, policy.digest_every_hours))
    return [datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC) for hour in hours]


async def moments(session: AsyncSession, site: Site, after: datetime, until: datetime) -> list[datetime]:
    """The digest moments in (after, until]: the ends of rostered shifts; for a local day on which
    no rostered shift ends, the fixed times of that day."""
    zone, policy = ZoneInfo(site.timezone), Policy.for_site(site.policy)
    first, last = after.astimezone(zone).date(), until.astimezone(zone).date()
    defs = await shifts.shifts_of(session, site)
    ending = shifts.instances(defs, first - timedelta(days=1), last, zone)
    rostered = await roster.on_days(session, site_id=require_id(site), days=sorted({i.day for i in ending}))
    ends_by_day: dict[date, set[datetime]] = {}
    for inst in ending:
        if rostered.get((inst.day, inst.shift.code)):
            ends_by_day.setdefault(inst.end_at.astimezone(zone).date(), set()).add(inst.end_at)
    out: set[datetime] = set()
    day = first
    while day <= last:
        out |= ends_by_day.get(day) or set(fixed_times(policy, day, zone))
        day += timedelta(days=1)
    return sorted(m for m in out if after < m <= until)


async def plan_digests(session: AsyncSession, now: datetime) -> None:
    """One timer per digest moment of the coming day, per site with a manager (safe in many processes)."""
    for site in await sites.all_sites(session):
        if not await sites.members(session, site_id=require_id(site), roles=notices.DIGEST_READERS):
            continue
        for moment in await moments(session, site, now, now + AHEAD):
            ref = shifts.moment_ref(moment)
            await timers.ensure(session, kind=DIGEST, ref_id=ref, site_id=require_id(site), due_at=moment)


async def on_digest(ctx: TimerContext) -> datetime | None:
    """Each manager of the site who takes the digest gets it in private."""
    session, timer = ctx.session, ctx.timer
    site = await sites.get(session, site_id=timer.site_id)
    end = shifts.moment_of(timer.ref_id)
    if site is None or end is None:
        return None
    managers = await notices.holders(session, site, notices.DIGEST_READERS)
    off = await digest.turned_off(session, ids=[m.telegram_id for m in managers])
    readers = [m.telegram_id for m in managers if m.telegram_id not in off]
    if not readers:
        return None
    previous = await digest.previous_digest(session, kind=DIGEST, site_id=require_id(site), before=timer.ref_id)
    previous_at = shifts.moment_of(previous) if previous is not None else None
    start = max(previous_at, end - LONGEST) if previous_at is not None else end - LONGEST
    zone, t = ZoneInfo(site.timezone), Translator(site.language)
    figures = await digest.figures(session, site_id=require_id(site), start=start, end=end)
    defs = await shifts.shifts_of(session, site)
    ended = shifts.at_moment(defs, end, zone, ending=True)
    rostered = await roster.on_days(session, site_id=require_id(site), days=sorted({i.day for i in ended}))
    ended = [i for i in ended if rostered.get((i.day, i.shift.code))]
    handed_codes = {code for code, _, _ in figures.handovers}
    names = {d.code: shifts.display_name(t, d) for d in defs}
    not_handed = [
        shifts.display_name(t, i.shift)
        for i in ended
        if i.shift.code not in handed_codes
        and await handovers.for_shift(session, site_id=require_id(site), code=i.shift.code, day=i.day) is None
    ]
    text = digest_text(
        t,
        site=site.name,
        figures=figures,
        start=start,
        end=end,
        zone=zone,
        shifts=[shifts.display_name(t, i.shift) for i in ended],
        not_handed=not_handed,
        names=names,
    )
    await notices.tell(session, site, readers, text, purpose="digest")
    return None


PART = Feature("digest_schedule", timers={DIGEST: on_digest}, planners=[plan_digests])
