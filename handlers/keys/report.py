"""Time-driven key rules: overdue pings, the daily key report, and keys out in the handover report.

A loan not returned by its due time (the same day, 001 L1041, L1335) pings the borrower (the staff
member who signed for an outsider) and the duty group that evening, then the supervisors every
morning until it is returned (001 L291: keys not returned are looked into). Each chase asks why the
key is not back; a reply to it (or ``/key_late``) is kept on the loan. The register is checked daily
(000 L514, L571: 查明原因并做好记录): the duty group gets the daily key report at the policy hour, each
key not back with its reason.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.keys.render as render
from handlers.core import notices
from handlers.core.context import TimerContext
from handlers.core.i18n import Translator
from handlers.core.messages import Button
from handlers.core.policy import Policy
from handlers.keys.buttons import ReturnKey
from handlers.keys.loans import OVERDUE
from storage.codes import Role
from storage.models import Site, require_id
from storage.models.keys import LoanStatus
from storage.repos import keys, sites, timers

REPORT = "key_report"  # timer kind: ref_id is the site's local date as yyyymmdd


def at_local(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour=hour), tzinfo=zone).astimezone(UTC)


async def on_overdue(ctx: TimerContext) -> datetime | None:
    """The evening ping (first run), then one every morning to the supervisors; None once returned."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    loan = await keys.loan(session, loan_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if loan is None or site is None or loan.status != LoanStatus.OUT or loan.id is None:
        return None
    key = await keys.get(session, key_id=loan.key_id)
    if key is None:
        return None
    t, zone, policy = Translator(site.language), ZoneInfo(site.timezone), Policy.for_site(site.policy)
    lines = [
        t(
            "keys.overdue",
            item=render.loan_item(loan, key),
            name=render.borrower(t, loan),
            due=render.hhmm(loan.due_at, zone),
        ),
        t("keys.rule.same_day"),
    ]
    if loan.late_reason:
        lines.append(t("keys.line.reason", reason=loan.late_reason))
    else:  # the chase asks why (000 L514, L571: 对未收回的钥匙要查明原因并做好记录)
        lines.append(t("keys.ask_reason", code=key.code))
    text = "\n".join(lines)
    button = [[Button(t("keys.btn.return"), ReturnKey(loan=loan.id).pack())]]
    link = ("key_loan", loan.id)
    # The staff member who borrowed, or who signed for an outsider, answers for the key (000 L516).
    person = loan.borrower_id if loan.borrower_id is not None else loan.lent_by
    await notices.queue(session, person, text, button, link, site_id=site.id, purpose="reminder")
    if timer.fired == 0:
        if site.duty_chat_id is not None:
            await notices.queue(session, site.duty_chat_id, text, button, link)
    else:
        await notices.tell_roles(session, site, (Role.SUPERVISOR,), text, purpose="reminder", link=link, skip=(person,))
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return at_local(tomorrow, policy.key_overdue_morning_hour, zone)


async def plan_reports(session: AsyncSession, now: datetime) -> None:
    """One daily key report row per site that keeps a key register (safe in many processes)."""
    for site_id in await keys.sites_with_keys(session):
        site = await sites.get(session, site_id=site_id)
        if site is None or site.duty_chat_id is None:
            continue
        zone = ZoneInfo(site.timezone)
        today = now.astimezone(zone).date()
        due = at_local(today, Policy.for_site(site.policy).key_report_hour, zone)
        await timers.ensure(session, kind=REPORT, ref_id=int(today.strftime("%Y%m%d")), site_id=site_id, due_at=due)


async def on_report(ctx: TimerContext) -> datetime | None:
    session, timer, now = ctx.session, ctx.timer, ctx.now
    site = await sites.get(session, site_id=timer.site_id)
    if site is None or site.duty_chat_id is None:
        return None
    day = datetime.strptime(str(timer.ref_id), "%Y%m%d").date()
    await notices.queue(session, site.duty_chat_id, await daily_report(session, site, day, now))
    return None


async def daily_report(session: AsyncSession, site: Site, day: date, now: datetime) -> str:
    """Keys out (overdue first), overdue count, lent and returned that day (000 L514, L571)."""
    t, zone = Translator(site.language), ZoneInfo(site.timezone)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    active = await keys.active_for_site(session, site_id=require_id(site))
    lent, back = await keys.moved_between(session, site_id=require_id(site), start=start, end=start + timedelta(days=1))
    out = [(loan, key) for loan, key in active if loan.status == LoanStatus.OUT]
    overdue = sum(1 for loan, _ in out if render.is_overdue(loan, now))
    lines = [t("keys.report.header", site=site.name, day=day.strftime("%m-%d"))]
    lines.append(t("keys.report.counts", out=len(out), overdue=overdue, lent=len(lent), back=len(back)))
    if out:
        lines.append(t("keys.report.out"))
        lines.extend(render.out_lines(t, out, zone, now))
    if lent:
        lines.append(t("keys.report.lent"))
        lines.extend(
            t(
                "keys.report.moved",
                at=render.hhmm(loan.out_at, zone),
                item=render.loan_item(loan, key),
                name=render.borrower(t, loan),
            )
            for loan, key in lent
        )
    if back:
        lines.append(t("keys.report.back"))
        lines.extend(
            t(
                "keys.report.moved",
                at=render.hhmm(loan.returned_at, zone),
                item=render.loan_item(loan, key),
                name=render.borrower(t, loan),
            )
            for loan, key in back
        )
    if overdue:
        lines.append(t("keys.rule.check_daily"))
    return "\n".join(lines)


async def handover_section(session: AsyncSession, site: Site, now: datetime, t: Translator) -> list[str]:
    """Keys out (and waiting for approval) for the handover report; empty when none."""
    active = await keys.active_for_site(session, site_id=require_id(site))
    if not active:
        return []
    zone = ZoneInfo(site.timezone)
    return [t("keys.handover.header", count=len(active)), *render.out_lines(t, active, zone, now)]


TIMERS = {OVERDUE: on_overdue, REPORT: on_report}
