"""Patrols (巡查): /plans, /patrol NAME, /patrols; the round card's buttons; photos, locations and
text replying to a card; free text read as a patrol report; the export.

Rules: fire patrol of key locations every 2 h (000 L451); supervisor twice a day (001 L543); staff
one full patrol a day (001 L811); route, sign-in at each point and a record of findings (001 L813,
L549); re-check once fixed (001 L551, L1357). Rounds and their timers: handlers.patrols.rounds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, time, timedelta
from functools import wraps
from typing import TypeVar

import handlers.dutylog.interface as drafts
import handlers.patrols.actions as patrol_actions
from handlers.core.classification import Classification
from handlers.core.commands import ButtonAction, Command
from handlers.core.context import Context, DraftCard
from handlers.core.feature import ExportKind, Feature
from handlers.core.messages import Outcome, Reply
from handlers.core.render import category, clip, severity
from handlers.patrols.buttons import FinishRound, OnRound, Rechecked, SignCheckpoint, StartRound
from handlers.patrols.exports import PATROL_FIELDS, patrol_rows
from handlers.patrols.plans import import_rows
from handlers.patrols.recheck import RECHECK, on_recheck, plan_rechecks, rechecked_button
from handlers.patrols.render import RoundView, hm, plan_line, round_line
from handlers.patrols.rounds import ROUND, grace_of, handover_lines, load_view, on_round, plan_rounds
from handlers.patrols.schedule import next_due, previous_due
from storage.codes import Role
from storage.models import Draft, PatrolPlan, PatrolRound, require_id
from storage.models.patrols import CLOSED_ROUND, RoundStatus
from storage.repos import incidents, patrols, timers

# ── commands ────────────────────────────────────────────────────────────────────────────────────


async def plans_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    plans = await patrols.plans_for_site(ctx.session, site_id=require_id(ctx.site))
    if not plans:
        return Outcome.say(ctx.t("patrol.no_plans"))
    lines = [ctx.t("patrol.plans_header", count=len(plans))]
    lines += [plan_line(ctx.t, plan, grace_of(plan, ctx.site)) for plan in plans]
    return Outcome.say("\n".join(lines))


async def find_plan(ctx: Context, name: str) -> tuple[PatrolPlan | None, Outcome | None]:
    """The plan named exactly, or the one plan whose name contains the words typed."""
    assert ctx.site is not None
    plans = list(await patrols.plans_for_site(ctx.session, site_id=require_id(ctx.site)))
    exact = [p for p in plans if p.name == name]
    close = exact or [p for p in plans if name.lower() in p.name.lower()]
    if len(close) == 1:
        return close[0], None
    known = "、".join(p.name for p in plans) or "-"
    return None, Outcome.say(ctx.t("patrol.unknown_plan", name=name[:40], known=known))


async def patrol_command(ctx: Context, args: str) -> Outcome:
    """Start a round by hand: the plan's round due now if it waits, else an extra round."""
    name = args.strip()
    if not name:
        return Outcome.say(ctx.t("usage.patrol"))
    plan, problem = await find_plan(ctx, name)
    if problem or plan is None:
        return problem or Outcome()
    if not ctx.may(plan.site_id, plan.role):
        return Outcome.say(ctx.t("denied.role", role=ctx.t(f"role.{plan.role}")))
    for running in await patrols.running_rounds(ctx.session, site_id=plan.site_id):
        if running.plan_id == plan.id:
            view = await load_view(ctx.session, running, plan)
            note = ctx.t("patrol.already_running", name=running.started_name or "?")
            return await patrol_actions.shown(ctx, view, note)
    due = previous_due(plan.times, ctx.zone(), ctx.now) if plan.times else None
    rnd = await patrols.round_at(ctx.session, plan_id=require_id(plan), due_at=due) if due else None
    if rnd is None or rnd.status != RoundStatus.DUE:
        rnd = await extra_round(ctx, plan)
    return await patrol_actions.start(ctx, await load_view(ctx.session, rnd, plan))


async def extra_round(ctx: Context, plan: PatrolPlan) -> PatrolRound:
    """A round started by hand outside the schedule: never pinged or late, but not done by the
    plan's next due time it is missed like any other."""
    round_id = await patrols.ensure_round(ctx.session, plan=plan, due_at=ctx.now, manual=True)
    rnd = await patrols.get_round(ctx.session, round_id=round_id or 0)
    assert rnd is not None
    following = next_due(plan.times, ctx.zone(), ctx.now) if plan.times else None
    if following is not None:
        rnd.pinged_at = ctx.now
        ctx.session.add(rnd)
        await timers.ensure(ctx.session, kind=ROUND, ref_id=require_id(rnd), site_id=plan.site_id, due_at=following)
    return rnd


async def patrols_command(ctx: Context, args: str) -> Outcome:
    """Today's rounds (the site's day) per plan: done by whom and when, running, due, late, missed."""
    assert ctx.site is not None
    site_id, zone = require_id(ctx.site), ctx.zone()
    day = ctx.now.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    rounds = await patrols.rounds_between(ctx.session, site_id=site_id, start=start, end=start + timedelta(days=1))
    plans = {p.id: p for p in await patrols.plans_for_site(ctx.session, site_id=site_id, active_only=False)}
    if not rounds:
        return Outcome.say(ctx.t("patrol.none_today"))
    ids = [require_id(r) for r in rounds]
    checks = await patrols.checks(ctx.session, round_ids=ids)
    found = await patrols.findings(ctx.session, round_ids=ids)
    numbers = await incidents.numbers(
        ctx.session, incident_ids=[f.incident_id for fs in found.values() for f in fs if f.incident_id]
    )
    lines = [ctx.t("patrol.today_header", day=day.strftime("%m-%d"))]
    for plan_id, plan in plans.items():
        mine = [r for r in rounds if r.plan_id == plan_id]
        if not mine:
            continue
        lines.append(ctx.t("patrol.today_plan", plan=plan.name))
        for rnd in mine:
            view = RoundView(plan, rnd, checks[require_id(rnd)], found[require_id(rnd)], numbers)
            lines.append("  " + round_line(ctx.t, zone, view))
    return Outcome.say("\n".join(lines))


# ── buttons on the round card ───────────────────────────────────────────────────────────────────

R = TypeVar("R", bound=OnRound)


def on_round_card(
    action: Callable[[Context, RoundView, R], Awaitable[Outcome]],
) -> Callable[[Context, R], Awaitable[Outcome]]:
    """A button on a round card runs once the presser is staff at the round's site; the callback
    data only names the round (and a checkpoint's position)."""

    @wraps(action)
    async def handler(ctx: Context, data: R) -> Outcome:
        rnd = await patrols.get_round(ctx.session, round_id=data.round)
        if rnd is None:
            return Outcome(toast=ctx.t("button.stale"))
        if not ctx.may(rnd.site_id, Role.STAFF):
            return Outcome(toast=ctx.t("denied.role", role=ctx.t("role.staff")), alert=True)
        return await action(ctx, await load_view(ctx.session, rnd), data)

    return handler


@on_round_card
async def start_button(ctx: Context, view: RoundView, data: StartRound) -> Outcome:
    return await patrol_actions.start(ctx, view)


@on_round_card
async def checkpoint_button(ctx: Context, view: RoundView, data: SignCheckpoint) -> Outcome:
    closed = patrol_actions.closed_problem(ctx, view.round)
    if closed is not None:
        return closed
    if view.round.status != RoundStatus.RUNNING:
        return Outcome(toast=ctx.t("button.stale"))
    return await patrol_actions.tap(ctx, view, data.position)


@on_round_card
async def finish_button(ctx: Context, view: RoundView, data: FinishRound) -> Outcome:
    return await patrol_actions.finish(ctx, view)


# ── messages: replies to the card, locations, free-text patrol reports ──────────────────────────


def is_clean(reading: Classification) -> bool:
    """The patroller's 巡查完毕，一切正常: a patrol report that names no problem. One that says done
    and names one (巡查完毕，天台门未锁) is a finding: the hazard is recorded (000 L376, L412)."""
    return reading.intent == "patrol_report" and not patrol_actions.names_problem(reading)


def ends_round(reading: Classification) -> bool:
    """A patrol report that says the round is over (巡查完毕, done), whatever else it says."""
    return reading.intent == "patrol_report" and reading.done


async def draft_reading(ctx: Context, draft: Draft) -> Classification:
    """The draft as recorded (its intent and category) with what its text says besides: a problem
    without a category, the round said done (the classifier's flags, not stored with the draft)."""
    read = await ctx.classify(draft.text, speaker="staff", private=False)
    return replace(read, intent=draft.intent, category=draft.category)


async def card_reply(ctx: Context, round_id: int) -> Outcome | None:
    """A photo, location or text replying to a round card: a checkpoint's proof, or a finding."""
    msg = ctx.msg
    if ctx.site is None or not (msg.photo_file_id or msg.location or msg.text.strip()):
        return None
    rnd = await patrols.get_round(ctx.session, round_id=round_id)
    if rnd is None or rnd.site_id != ctx.site.id:
        return None
    if not ctx.may(rnd.site_id, Role.STAFF):
        return Outcome.say(ctx.t("denied.stranger"))
    if rnd.status in CLOSED_ROUND:
        if msg.photo_file_id or msg.location:
            return Outcome.say(ctx.t("patrol.closed", status=ctx.t(f"patrol.status.{rnd.status}")), quote=True)
        return None  # chit-chat replying to an old card goes on to the usual handling
    reading = None
    if not (msg.location or msg.photo_file_id):
        reading = await ctx.classify(msg.text, speaker="staff", private=False)
        if reading.intent == "other" and reading.category == "other":
            return None  # "好的", "收到": not a finding
    if msg.location is not None and (problem := patrol_actions.location_problem(ctx, rnd)) is not None:
        return problem
    view = await load_view(ctx.session, rnd)
    if rnd.status == RoundStatus.DUE:  # proof or a finding on a card nobody started: the sender starts it
        started = await patrol_actions.start(ctx, view)
        if rnd.status != RoundStatus.RUNNING:
            return started
    if msg.location is not None:
        return await patrol_actions.located(ctx, view, msg.location)
    if msg.photo_file_id:
        return await patrol_actions.photo(ctx, view)
    assert reading is not None
    if is_clean(reading):
        return await patrol_actions.finish(ctx, view, clean=True)
    return await patrol_actions.finding(ctx, view, msg.text.strip(), reading=reading, finish_round=ends_round(reading))


async def current_round(ctx: Context, site_id: int, user_id: int) -> PatrolRound | None:
    """The round a message without a card belongs to: the sender's running round, else the latest."""
    running = list(await patrols.running_rounds(ctx.session, site_id=site_id))
    mine = [r for r in running if r.started_by == user_id]
    candidates = mine or running
    return candidates[0] if candidates else None


async def location_shared(ctx: Context) -> Outcome | None:
    if ctx.site is None or ctx.msg.location is None or not ctx.may(ctx.site.id, Role.STAFF):
        return None
    rnd = await current_round(ctx, require_id(ctx.site), ctx.msg.user.id)
    if rnd is None:
        if not await patrols.plans_for_site(ctx.session, site_id=require_id(ctx.site)):
            return None  # a site without patrols: the location is someone else's business
        return Outcome.say(ctx.t("patrol.no_running"))
    if (problem := patrol_actions.location_problem(ctx, rnd)) is not None:
        return problem
    return await patrol_actions.located(ctx, await load_view(ctx.session, rnd), ctx.msg.location)


async def done_said(ctx: Context, reading: Classification) -> Outcome | None:
    """巡查完毕 written in the group (with 一切正常 or without) by a patroller with a running round of
    their own: nothing is left to decide, so no draft card. Every checkpoint signed, the round is
    finished (001 L813 route and sign-in done); points left, they are named. A report that names a
    problem, or one from someone with no round running, goes on to the draft card as before."""
    if ctx.site is None or not is_clean(reading):
        return None
    running = await patrols.running_rounds(ctx.session, site_id=require_id(ctx.site))
    mine = [r for r in running if r.started_by == ctx.msg.user.id]
    if not mine:
        return None
    return await patrol_actions.finish(ctx, await load_view(ctx.session, mine[0]), clean=True)


async def record_draft(ctx: Context, draft: Draft) -> Outcome:
    """One tap on a patrol-report draft: 一切正常 finishes the author's running round; anything
    else is a finding of that round, and a report that also says done (巡查完毕，天台门未锁) finishes
    the round with it. With no round running it is a duty-log entry as before."""
    rnd = await current_round(ctx, draft.site_id, draft.author_id)
    if rnd is None:
        return await drafts.record_as_incident(ctx, draft)
    view = await load_view(ctx.session, rnd)
    reading = await draft_reading(ctx, draft)
    if is_clean(reading):
        outcome = await patrol_actions.finish(ctx, view, clean=True)
        if rnd.status != RoundStatus.DONE:
            return outcome
    else:
        outcome = await patrol_actions.finding(ctx, view, draft.text, finish_round=ends_round(reading))
        draft.incident_id = (await load_view(ctx.session, rnd)).findings[-1].incident_id
        if not any(reply.edit for reply in outcome.replies):
            text = ctx.t("patrol.draft_recorded", plan=view.plan.name)
            outcome.replies.insert(
                0, Reply(text + "\n" + ctx.t("incident.situation", text=clip(draft.text, 80)), edit=True)
            )
    draft.mark_recorded(ctx.msg.user.id)
    ctx.session.add(draft)
    return outcome


async def draft_card(ctx: Context, draft: Draft) -> DraftCard:
    """A patrol report reads as one: 一切正常 finishes the author's round, anything else is the round's
    finding; with no round running 记录 makes a duty-log entry, whose category the card offers."""
    t = ctx.t
    rnd = await current_round(ctx, draft.site_id, draft.author_id)
    if rnd is None:
        header = t("patrol.draft.no_round", category=category(t, draft.category), severity=severity(t, draft.severity))
        return DraftCard("\n".join([header, *drafts.draft_body(ctx, draft)]), categorised=True)
    plan = await patrols.get_plan(ctx.session, plan_id=rnd.plan_id)
    name, due = plan.name if plan else "?", hm(rnd.due_at, ctx.zone())
    reading = await draft_reading(ctx, draft)
    if is_clean(reading):
        return DraftCard(t("patrol.draft.clean", plan=name, due=due))
    header = "patrol.draft.finding_done" if ends_round(reading) else "patrol.draft.finding"
    return DraftCard("\n".join([t(header, plan=name, due=due), *drafts.draft_body(ctx, draft)]))


COMMANDS = [
    Command("plans", plans_command),
    Command("patrol", patrol_command),
    Command("patrols", patrols_command),
]
# A tuple, not a list annotated with ButtonAction[Any]: each entry keeps its own type, so a handler that
# takes another button's data is a type error here.
BUTTONS = (
    ButtonAction(StartRound, start_button),
    ButtonAction(SignCheckpoint, checkpoint_button),
    ButtonAction(FinishRound, finish_button),
    ButtonAction(Rechecked, rechecked_button),
)
PART = Feature(
    "patrols",
    commands=COMMANDS,
    buttons=BUTTONS,
    timers={ROUND: on_round, RECHECK: on_recheck},
    planners=(plan_rounds, plan_rechecks),
    handover=handover_lines,
    replies={"patrol_round": card_reply},
    drafts={"patrol_report": record_draft},
    draft_cards={"patrol_report": draft_card},
    at_once={"patrol_report": done_said},
    on_location=location_shared,
    exports={"patrols": ExportKind(PATROL_FIELDS, patrol_rows, patrol_rows)},
    imports={"patrols": import_rows},
)
