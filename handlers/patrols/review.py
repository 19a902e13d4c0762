"""The supervisor's weekly 签阅 of the patrol and callback records.

At the end of each review week (the policy's weekday and hour, site time) the week goes to the
supervisors with a 签阅 button, and they are reminded until one signs it:
- the patrol records: rounds done, late and missed per plan, who patrolled, what the rounds found
  and whether each problem was fixed and re-checked — the supervisor checks everyone's patrol records
  and the problems' completion and signs an opinion (001 L553; re-check 001 L551);
- the callback records: how many were made, how satisfied the residents were, and for each one not
  satisfied whether it was followed up — the supervisor reviews the callback record weekly (003 L63
  §4.4). The callbacks are read through ``storage.repos.tickets``, not the tickets feature.

``/review [YYYY-MM-DD]`` shows a week (the last finished one by default); ``/review_sign [意见]``
signs the last unsigned week with an opinion; text replying to the review signs it with that text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.commands import ButtonAction, Command
from handlers.core.context import Context, TimerContext
from handlers.core.exports import iso, site_zones
from handlers.core.feature import ExportKind, Feature
from handlers.core.i18n import Translator
from handlers.core.lookups import site_and_date_word, sites_where
from handlers.core.messages import Button, Keyboard, Outcome, Reply
from handlers.core.numbers import ref
from handlers.core.parsing import day_of_text
from handlers.core.policy import Policy
from handlers.core.render import clip
from handlers.patrols.buttons import SignWeek
from storage.codes import Register, Role
from storage.models import Site, WeeklyReview, require_id
from storage.models.patrols import Recheck, RoundStatus
from storage.models.tickets import HANDLED, Satisfaction
from storage.repos import incidents, patrols, sites, timers
from storage.repos import tickets as tickets_repo
from storage.repos.chunks import Window

REVIEW = "patrol_review"  # timer kind and message link kind; the timer's ref_id is the week as YYYYMMDD
DETAIL_LINES = 15  # open problems and unsatisfied callbacks listed one by one; the export has the rest
# The supervisors sign; a site without one sends the review to its managers (the rung above).
READERS = (Role.SUPERVISOR, Role.MANAGER)
_LOOKBACK = timedelta(days=366)  # how far back a week not stored may still be compiled or signed


@dataclass(frozen=True, slots=True)
class WeekReview:
    text: str
    counts: dict[str, int]


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def week_of(site: Site, moment: datetime) -> date:
    """The first day of the review week a moment belongs to (a week starts on the policy weekday at
    the policy hour, site time)."""
    policy, zone = Policy.for_site(site.policy), ZoneInfo(site.timezone)
    local = moment.astimezone(zone)
    first = local.date() - timedelta(days=(local.weekday() - policy.review_weekday) % 7)
    return first - timedelta(days=7) if moment < _at(first, policy.review_hour, zone) else first


def window(site: Site, week: date) -> tuple[datetime, datetime]:
    policy, zone = Policy.for_site(site.policy), ZoneInfo(site.timezone)
    return _at(week, policy.review_hour, zone), _at(week + timedelta(days=7), policy.review_hour, zone)


def _ref(week: date) -> int:
    return int(week.strftime("%Y%m%d"))


def _span(week: date) -> dict[str, str]:
    return {"start": week.isoformat(), "end": (week + timedelta(days=6)).isoformat()}


async def compile_week(session: AsyncSession, site: Site, week: date, t: Translator) -> WeekReview:
    site_id = require_id(site)
    start, end = window(site, week)
    lines = [t("review.header", site=site.name, **_span(week))]
    # The patrol records and the problems' completion (001 L553).
    rounds = await patrols.rounds_between(session, site_id=site_id, start=start, end=end)
    done = [r for r in rounds if r.status == RoundStatus.DONE]
    missed = [r for r in rounds if r.status == RoundStatus.MISSED]
    late = [r for r in rounds if r.late_at is not None]
    lines.append(t("review.section_patrols", total=len(rounds), done=len(done), late=len(late), missed=len(missed)))
    for plan in await patrols.plans_for_site(session, site_id=site_id, active_only=False):
        of_plan = [r for r in rounds if r.plan_id == plan.id]
        if of_plan:
            lines.append(
                t(
                    "review.plan",
                    plan=plan.name,
                    done=sum(1 for r in of_plan if r.status == RoundStatus.DONE),
                    total=len(of_plan),
                    late=sum(1 for r in of_plan if r.late_at is not None),
                    missed=sum(1 for r in of_plan if r.status == RoundStatus.MISSED),
                )
            )
    by_person = Counter(r.done_name or "?" for r in done)
    if by_person:
        people = "、".join(t("review.person", name=name, count=count) for name, count in by_person.most_common())
        lines.append(t("review.patrollers", people=people))
    found = [
        f for fs in (await patrols.findings(session, round_ids=[require_id(r) for r in rounds])).values() for f in fs
    ]
    problems = [f for f in found if f.problem]
    unsettled = [f for f in problems if f.recheck != Recheck.DONE]
    lines.append(
        t(
            "review.findings",
            count=len(found),
            problems=len(problems),
            rechecked=len(problems) - len(unsettled),
            unsettled=len(unsettled),
        )
    )
    numbers = await incidents.numbers(session, incident_ids=[f.incident_id for f in unsettled if f.incident_id])
    for finding in unsettled[:DETAIL_LINES]:
        lines.append(
            t(
                "review.unsettled",
                number=numbers.get(finding.incident_id or 0, "-"),
                text=clip(finding.text, 60) or t("patrol.photo_only"),
                state=t(f"review.recheck.{finding.recheck}"),
            )
        )
    # The callback record, and what was done about each resident not satisfied (003 L63 §4.4).
    made = await tickets_repo.callbacks_made_between(session, site_id=site_id, start=start, end=end)
    ratings = Counter(callback.satisfaction for callback, _ in made)
    lines.append(
        t(
            "review.section_callbacks",
            count=len(made),
            satisfied=ratings[Satisfaction.SATISFIED],
            basic=ratings[Satisfaction.BASIC],
            unsatisfied=ratings[Satisfaction.UNSATISFIED],
        )
    )
    not_satisfied = [(c, tk) for c, tk in made if c.satisfaction in (Satisfaction.BASIC, Satisfaction.UNSATISFIED)]
    followed = sum(1 for _, ticket in not_satisfied if ticket.status in HANDLED)
    for callback, ticket in not_satisfied[:DETAIL_LINES]:
        lines.append(
            t(
                "review.callback" if ticket.unit else "review.callback_no_unit",
                number=ticket.number,
                unit=ticket.unit or "",
                rating=t(f"review.rating.{callback.satisfaction}"),
                note=clip(callback.note or "", 60) or "-",
                state=t("review.followed" if ticket.status in HANDLED else "review.not_followed"),
            )
        )
    late_callbacks = [
        (c, tk) for c, tk in await tickets_repo.open_callbacks(session, site_id=site_id) if c.due_at < end
    ]
    if late_callbacks:
        listed = " ".join(ref(Register.TICKET, ticket.number) for _, ticket in late_callbacks[:DETAIL_LINES])
        lines.append(t("review.callbacks_late", count=len(late_callbacks), numbers=listed))
    counts = {
        "rounds": len(rounds),
        "done": len(done),
        "late": len(late),
        "missed": len(missed),
        "findings": len(found),
        "problems": len(problems),
        "unsettled": len(unsettled),
        "callbacks": len(made),
        "not_satisfied": len(not_satisfied),
        "not_followed": len(not_satisfied) - followed,
        "callbacks_late": len(late_callbacks),
    }
    return WeekReview("\n".join(lines), counts)


def sign_button(t: Translator, site: Site, week: date) -> Keyboard:
    return [[Button(t("review.btn_sign"), SignWeek.of(require_id(site), week).pack())]]


def signed_line(ctx: Context, site: Site, row: WeeklyReview) -> str:
    line = ctx.t("review.signed_line", name=row.signed_name or "?", at=ctx.hhmm(row.signed_at or ctx.now, site))
    return line + ("\n" + ctx.t("review.opinion", text=row.opinion) if row.opinion else "")


async def _known_week(ctx: Context, site: Site, week: date) -> bool:
    """A week of this site's reviews: stored, or starting a review week within the last year up to
    now (a forged date — year 1, a Wednesday — is no week and stays away from the arithmetic)."""
    if await patrols.review(ctx.session, site_id=require_id(site), week=week) is not None:
        return True
    current = week_of(site, ctx.now)
    return current - _LOOKBACK <= week <= current and week_of(site, window(site, week)[0]) == week


async def review_command(ctx: Context, args: str) -> Outcome:
    """``/review [YYYY-MM-DD] [site]``: the review week holding that date, else the last finished week."""
    t = ctx.t
    site, wanted = await site_and_date_word(ctx, args, Role.SUPERVISOR)
    if site is None:
        return Outcome.say(t("denied.role", role=t("role.supervisor")))
    day = day_of_text(wanted) if wanted else None
    if wanted and day is None:
        return Outcome.say(t("review.usage"))
    current = week_of(site, ctx.now)
    if day is None:
        week = current - timedelta(days=7)
    elif day < (current - _LOOKBACK) or day > ctx.now.astimezone(ctx.zone(site)).date():
        return Outcome.say(t("review.no_such_week", day=day.isoformat()))
    else:
        week = week_of(site, _at(day, 23, ctx.zone(site)))
    compiled = await compile_week(ctx.session, site, week, t)
    lines = [compiled.text]
    stored = await patrols.review(ctx.session, site_id=require_id(site), week=week)
    buttons: Keyboard = []
    if stored is not None and stored.signed_at is not None:
        lines.append(signed_line(ctx, site, stored))
    elif ctx.now < window(site, week)[1]:
        lines.append(t("review.in_progress"))
    else:
        buttons = sign_button(t, site, week)
    return Outcome(replies=[Reply("\n".join(lines), buttons)])


async def sign(ctx: Context, site: Site, week: date, opinion: str | None = None) -> Outcome:
    """A supervisor's signature, with an opinion if given (001 L553 签署意见), on a finished week."""
    t = ctx.t
    if not ctx.may(site.id, Role.SUPERVISOR):
        return ctx.answer(t("denied.role", role=t("role.supervisor")), alert=True)
    if ctx.now < window(site, week)[1]:
        return ctx.answer(t("review.not_over", **_span(week)))
    stored = await patrols.review(ctx.session, site_id=require_id(site), week=week)
    if stored is not None and stored.signed_at is not None:
        return ctx.answer(t("review.already_signed", name=stored.signed_name or "?", **_span(week)))
    compiled = await compile_week(ctx.session, site, week, t)
    if stored is None:
        stored = await patrols.put_review(
            ctx.session, site_id=require_id(site), week=week, counts=compiled.counts, at=ctx.now
        )
    stored.signed_by, stored.signed_name, stored.signed_at = ctx.msg.user.id, ctx.msg.user.name, ctx.now
    stored.opinion = opinion or None
    ctx.session.add(stored)  # the reminder timer sees the signature on its next run and stops
    done = t("review.signed", site=site.name, **_span(week))
    if ctx.msg.is_button:
        return Outcome(replies=[Reply(compiled.text + "\n" + signed_line(ctx, site, stored), edit=True)], toast=done)
    return Outcome.say(done + ("\n" + t("review.opinion", text=opinion) if opinion else ""), quote=True)


async def sign_button_pressed(ctx: Context, data: SignWeek) -> Outcome:
    site = await sites.get(ctx.session, site_id=data.site)
    week = day_of_text(data.week) if site is not None else None
    if site is None or week is None or not await _known_week(ctx, site, week):
        return Outcome(toast=ctx.t("button.stale"))
    return await sign(ctx, site, week)


async def sign_command(ctx: Context, args: str) -> Outcome:
    """``/review_sign [意见]``: the most recent finished week not yet signed, at the sender's site(s)."""
    supervised = await sites_where(ctx, Role.SUPERVISOR)
    if not supervised:
        return Outcome.say(ctx.t("denied.role", role=ctx.t("role.supervisor")))
    stored = await patrols.last_unsigned_review(ctx.session, site_ids=[require_id(s) for s in supervised])
    if stored is None:
        return Outcome.say(ctx.t("review.nothing_to_sign"))
    site = next(s for s in supervised if s.id == stored.site_id)
    return await sign(ctx, site, stored.week, args.strip()[:2000] or None)


async def opinion_reply(ctx: Context, review_id: int) -> Outcome | None:
    """Text replying to a week's review is the supervisor's opinion, and signs it."""
    text = ctx.msg.text.strip()
    stored = await patrols.get_review(ctx.session, review_id=review_id)
    if not text or stored is None or not ctx.may(stored.site_id, Role.SUPERVISOR):
        return None
    site = await sites.get(ctx.session, site_id=stored.site_id)
    if site is None:
        return None
    return await sign(ctx, site, stored.week, text[:2000])


# -- the weekly job ------------------------------------------------------------------------------


async def plan(session: AsyncSession, now: datetime) -> None:
    """The week in progress is sent at its end: one timer row per site and week."""
    for site in await sites.all_sites(session):
        week = week_of(site, now)
        await timers.ensure(
            session, kind=REVIEW, ref_id=_ref(week), site_id=require_id(site), due_at=window(site, week)[1]
        )


async def on_review(ctx: TimerContext) -> datetime | None:
    """First run: compile the week, store it, send it to the supervisors with 签阅. Then, until one
    signs, remind them at the policy interval (001 L553)."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    site = await sites.get(session, site_id=timer.site_id)
    week = day_of_text(str(timer.ref_id))
    if site is None or week is None:
        return None
    t = Translator(site.language)
    stored = await patrols.review(session, site_id=require_id(site), week=week)
    if stored is not None and stored.signed_at is not None:
        return None
    buttons = sign_button(t, site, week)
    if stored is None:
        compiled = await compile_week(session, site, week, t)
        stored = await patrols.put_review(session, site_id=require_id(site), week=week, counts=compiled.counts, at=now)
        text = "\n".join([compiled.text, t("review.how_to"), t("review.rule")])
    else:
        text = "\n".join([t("review.reminder", site=site.name, **_span(week)), t("review.rule")])
    await notices.tell_roles(
        session,
        site,
        READERS,
        text,
        purpose="reminder",
        buttons=buttons,
        link=(REVIEW, require_id(stored)),
        ladder=True,
    )
    return now + timedelta(hours=Policy.for_site(site.policy).review_reminder_hours)


REVIEW_FIELDS = ("site", "week", "compiled_at", "signed_by", "signed_name", "signed_at", "opinion", "counts")


async def review_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes = {require_id(s): s.code for s in await sites.all_sites(session)}
    async for chunk in patrols.all_reviews(session, window):
        for row in chunk:
            zone = zones.get(row.site_id)
            yield {
                "site": codes.get(row.site_id),
                "week": row.week.isoformat(),
                "compiled_at": iso(row.compiled_at, zone),
                "signed_by": row.signed_by,
                "signed_name": row.signed_name,
                "signed_at": iso(row.signed_at, zone),
                "opinion": row.opinion,
                "counts": json.dumps(row.counts, sort_keys=True),
            }


COMMANDS = [
    Command("review", review_command, min_role=Role.SUPERVISOR, where="any", needs_site=False),
    Command("review_sign", sign_command, min_role=Role.SUPERVISOR, where="any", needs_site=False),
]
PART = Feature(
    "review",
    commands=COMMANDS,
    buttons=[ButtonAction(SignWeek, sign_button_pressed)],
    timers={REVIEW: on_review},
    planners=[plan],
    replies={REVIEW: opinion_reply},
    exports={"weekly_reviews": ExportKind(REVIEW_FIELDS, review_rows, review_rows)},
)
