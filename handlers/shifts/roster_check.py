"""What a loaded roster leaves uncovered, reported to whoever loaded it (the file is still loaded:
the supervisor fixes it and loads the dates again).

- a shift of a loaded date that nobody is on ("任何情况下…均应保持至少有一人值守", 004 L120 §6);
- a night without a manager (管理人员: a supervisor or above) on duty, 20:00-06:00 by default (004 L126
  §1.2, §2.2), where the site's policy asks for one;
- a holiday (a date whose ``holiday`` column is filled in the file) without one (004 L126 §1.1; 000
  L147 "國家法定節假日另做加強值班安排");
- someone rostered again on a shift an approved leave or swap took them off (000 L127).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from handlers.core.policy import Policy
from handlers.core.uploads import TableRow
from handlers.shifts.request_days import codes_of, label, person_names
from handlers.shifts.times import instance, instances, shifts_of
from storage.codes import SUPERVISORS_UP
from storage.models import Site, require_id
from storage.models.leave import ShiftRequestKind
from storage.repos import shift_requests, sites
from storage.repos import shifts as shift_repo

HOLIDAY_COLUMN = "holiday"  # optional roster column: any value but 0/no/否 marks the date a holiday
_NOT_HOLIDAY = {"", "0", "no", "n", "false", "否", "不是", "非"}
SHOWN = 8  # items listed per kind of gap; the rest are counted


def holidays_in(rows: Sequence[TableRow]) -> set[date]:
    found: set[date] = set()
    for row in rows:
        mark = row.values.get(HOLIDAY_COLUMN, "").strip().lower()
        if mark in _NOT_HOLIDAY:
            continue
        try:
            found.add(date.fromisoformat(row.values.get("date", "").strip()))
        except ValueError:
            continue
    return found


async def gaps(
    session: AsyncSession, site: Site, rows: Sequence[TableRow], days: Sequence[date], t: Translator
) -> list[str]:
    """The report's lines in ``t``'s language; empty when the loaded dates are fully covered."""
    if not days:
        return []
    zone, policy = ZoneInfo(site.timezone), Policy.for_site(site.policy)
    defs = await shifts_of(session, site)
    first, last = min(days), max(days)
    span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    table = await shift_repo.on_days(session, site_id=require_id(site), days=[first - timedelta(days=1), *span])
    managers = {m.telegram_id for m in await sites.members(session, site_id=require_id(site), roles=SUPERVISORS_UP)}
    lines: list[str] = []

    uncovered = [label(t, i) for i in instances(defs, first, last, zone) if not table.get((i.day, i.shift.code))]
    lines += _listed(t, "roster_check.uncovered", uncovered)

    def managed(day: date, start: datetime, end: datetime) -> bool:
        pool = instances(defs, day - timedelta(days=1), day, zone)
        return any(
            i.start_at < end and start < i.end_at and managers & set(table.get((i.day, i.shift.code), [])) for i in pool
        )

    if policy.roster_night_oncall:
        nights = []
        for day in span:
            start = datetime.combine(day, time(policy.oncall_night_start_hour), tzinfo=zone)
            end_day = day + timedelta(days=1) if policy.oncall_night_end_hour <= policy.oncall_night_start_hour else day
            end = datetime.combine(end_day, time(policy.oncall_night_end_hour), tzinfo=zone)
            if not managed(day, start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))):
                nights.append(day.strftime("%m-%d"))
        hours = f"{policy.oncall_night_start_hour:02d}:00-{policy.oncall_night_end_hour:02d}:00"
        lines += _listed(t, "roster_check.night", nights, hours=hours)

    holidays = []
    for day in sorted(holidays_in(rows) & set(span)):
        on_day = [instance(s, day, zone) for s in defs]
        if not any(managers & set(table.get((i.day, i.shift.code), [])) for i in on_day):
            holidays.append(day.strftime("%m-%d"))
    lines += _listed(t, "roster_check.holiday", holidays)

    back = []
    for request in await shift_requests.approved_on_days(session, site_id=require_id(site), days=span):
        codes = codes_of(request.shift_codes)
        if any(request.requester_id in table.get((request.day, code), []) for code in codes):
            names = await person_names(session, [request.requester_id])
            kind = t(f"roster_check.kind_{ShiftRequestKind(request.kind)}")
            back.append(
                t(
                    "roster_check.leave_item",
                    name=names[request.requester_id],
                    day=request.day.strftime("%m-%d"),
                    kind=kind,
                    number=request.number,
                )
            )
    lines += _listed(t, "roster_check.leave_back", back)
    if lines:
        lines.insert(0, t("roster_check.header"))
    return lines


def _listed(t: Translator, key: str, items: list[str], **values: object) -> list[str]:
    if not items:
        return []
    shown = "、".join(items[:SHOWN])
    if len(items) > SHOWN:
        shown += t("roster_check.more", count=len(items) - SHOWN)
    return [t(key, count=len(items), items=shown, **values)]
