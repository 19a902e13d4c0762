"""``/report [YYYY-MM|YYYY-Qn|YYYY] [CODE]`` in private (a supervisor or above, their own sites only),
``/stats`` in the duty group (this month so far: one chart and three lines), and the report timers:
on the 1st at the policy hour, last month's report to each site's managers and supervisors (000
L95-97); on the 1st of a quarter, last quarter's summary, and on 1 January, last year's, to the
managers only (000 L76: the summaries go to the superior; the supervisors have had the months). A
bot that was down on the day catches up during the first week, as for the month."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.reports.monthly as monthly
from handlers.core import notices
from handlers.core.commands import Command
from handlers.core.context import Context, TimerContext
from handlers.core.feature import Feature
from handlers.core.i18n import Translator
from handlers.core.messages import Outcome
from handlers.core.policy import Policy
from handlers.reports.figures import Figures, read
from handlers.reports.periods import Month, Period, Quarter, Year, at_midnight, parse_period
from storage.codes import Role
from storage.models import Site, require_id
from storage.repos import sites, timers, uploads

MONTHLY = "monthly_report"  # timer kind: ref_id is the reported month as yyyymm
QUARTERLY = "quarterly_report"  # ref_id: the reported quarter as yyyyq
ANNUAL = "annual_report"  # ref_id: the reported year as yyyy
RECIPIENTS = (Role.MANAGER, Role.SUPERVISOR)
SUMMARY_RECIPIENTS = (Role.MANAGER,)
CATCH_UP_DAYS = 7  # a bot that was down on the 1st still sends last month's report this week
KEEP_FILES = timedelta(days=7)  # the files a report sent are deleted after this
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")  # a site code as /setup takes it
_purged_at = 0.0


# /report


async def report_command(ctx: Context, args: str) -> Outcome:
    t = ctx.t
    words = args.split()
    period: Period | None = Month.previous_of(ctx.now, ctx.zone())
    code: str | None = None
    for word in words[:2]:
        if word[:1].isdigit():
            period = parse_period(word)
        elif _CODE.match(word):
            code = word
        else:
            period = None
    if len(words) > 2 or period is None:
        return Outcome.say(t("rp.usage.report"))
    mine = await own_sites(ctx)
    if code is not None:
        named = [s for s in mine if s.code.lower() == code.lower()]
        if not named:
            return Outcome.say(t("rp.not_your_site", code=code[:32]))
        mine = named
    if not mine:
        return Outcome.say(t("denied.role", role=t("role.supervisor")))
    for site, report in await monthly.compose(ctx.session, mine, period, ctx.now, ctx.prepared, ctx.features.exports):
        ctx.notified += await monthly.send(ctx.session, site, report, [ctx.msg.user.id])
    return Outcome()


async def own_sites(ctx: Context) -> list[Site]:
    """The sites where the sender is a supervisor or above (every site for a global admin)."""
    every = await sites.all_sites(ctx.session)
    return [s for s in every if ctx.may(s.id, Role.SUPERVISOR)]


# /stats


def stats_lines(t: Translator, figures: Figures) -> str:
    return "\n".join(
        [
            t("rp.stats.incidents", month=figures.month, total=figures.incident_total, majors=figures.majors,
              open=figures.incident_total - figures.incident_closed),
            t("rp.stats.tickets", total=figures.received, timeliness=figures.timeliness.percent(),
              breaches=figures.sla_breaches, satisfaction=figures.satisfaction.percent()),
            t("rp.stats.patrols", patrol=figures.patrol_on_time.percent(), overdue=figures.key_overdue),
        ]
    )  # fmt: skip


async def stats_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    site, t = ctx.site, ctx.t
    month = Month.of(ctx.now, ctx.zone())
    figures = await read(ctx.session, site, month, ctx.now)

    async def drawn() -> bytes:
        import handlers.reports.charts as charts  # matplotlib: imported on the first drawing, not at start

        return await asyncio.to_thread(charts.dashboard, figures, t)

    png: bytes = await ctx.prepared.get(("stats", require_id(site), month.label), drawn)
    reference = await notices.store_file(ctx.session, name=f"{site.code}-{month.label}-stats.png", data=png)
    await ctx.notify(ctx.msg.chat.id, stats_lines(t, figures), photo=reference, site_id=site.id, purpose="stats")
    return Outcome()


# the report timers


def _due(site: Site, first: Month) -> datetime:
    """The policy hour on the 1st of ``first`` at the site."""
    hour = Policy.for_site(site.policy).monthly_report_hour
    return at_midnight(first.first, ZoneInfo(site.timezone)) + timedelta(hours=hour)


async def plan_monthly(session: AsyncSession, now: datetime) -> None:
    """Each site's report of last month, due on the 1st at the policy hour; on the 1st of a quarter
    also last quarter's summary, on 1 January last year's (made during the first days, safe in many
    processes); and the old report files deleted, hourly."""
    global _purged_at
    if time.monotonic() - _purged_at > 3600:
        _purged_at = time.monotonic()
        await uploads.purge(session, before=now - KEEP_FILES)
    for site in await sites.all_sites(session):
        zone = ZoneInfo(site.timezone)
        if now.astimezone(zone).day > CATCH_UP_DAYS:
            continue
        this = Month.of(now, zone)
        site_id, due = require_id(site), _due(site, this)
        ref = int(this.previous.label.replace("-", ""))
        await timers.ensure(session, kind=MONTHLY, ref_id=ref, site_id=site_id, due_at=due)
        if this.month % 3 == 1:
            last = Quarter.of(this.start(zone), zone).previous
            await timers.ensure(
                session, kind=QUARTERLY, ref_id=last.year * 10 + last.quarter, site_id=site_id, due_at=due
            )
        if this.month == 1:
            await timers.ensure(session, kind=ANNUAL, ref_id=this.year - 1, site_id=site_id, due_at=due)


async def _send_period(ctx: TimerContext, period: Period, roles: tuple[Role, ...]) -> datetime | None:
    session = ctx.session
    site = await sites.get(session, site_id=ctx.timer.site_id)
    if site is None:
        return None
    exports = ctx.features.exports if ctx.features else None
    [(_, report)] = await monthly.compose(session, [site], period, ctx.now, ctx.prepared, exports)
    people = await notices.holders(session, site, roles, admins=())
    await monthly.send(session, site, report, [p.telegram_id for p in people])
    return None


async def on_monthly(ctx: TimerContext) -> datetime | None:
    return await _send_period(ctx, Month(ctx.timer.ref_id // 100, ctx.timer.ref_id % 100), RECIPIENTS)


async def on_quarterly(ctx: TimerContext) -> datetime | None:
    return await _send_period(ctx, Quarter(ctx.timer.ref_id // 10, ctx.timer.ref_id % 10), SUMMARY_RECIPIENTS)


async def on_annual(ctx: TimerContext) -> datetime | None:
    return await _send_period(ctx, Year(ctx.timer.ref_id), SUMMARY_RECIPIENTS)


PART = Feature(
    name="reports",
    commands=[
        Command("report", report_command, min_role=Role.SUPERVISOR, where="private", needs_site=False),
        Command("stats", stats_command),
    ],
    timers={MONTHLY: on_monthly, QUARTERLY: on_quarterly, ANNUAL: on_annual},
    planners=[plan_monthly],
)
