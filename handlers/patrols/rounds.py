"""Rounds made ahead, pinged when due, reminded when late, escalated, marked missed.

The planner runs on every sweep: for each active plan it makes the last round due and the next one
(one row per plan and due time, ``patrols.ensure_round``) with one timer each (``timers.ensure``),
so two processes make and ping a round once (SPEC §7). That timer walks the round through its life:
due → ping the duty group with 开始巡查; not started within the grace → reminder in the group (late);
not done by the next reminder → the supervisors in private (001 L551: the unfinished goes up); the
next round of the plan falls due → missed. Fire patrol every 2 h (000 L451); a round proves a
sign-in at each checkpoint (001 L813).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.context import TimerContext
from handlers.core.i18n import Translator
from handlers.core.policy import Policy
from handlers.patrols.render import RoundView, card_buttons, card_text, hm, status_of
from handlers.patrols.schedule import next_due, previous_due
from storage.codes import Role
from storage.models import PatrolPlan, PatrolRound, Site, require_id
from storage.models.patrols import CLOSED_ROUND, RoundStatus
from storage.repos import incidents, patrols, sites, timers

ROUND = "patrol_round"  # timer kind; ref_id is the round's id


def grace_of(plan: PatrolPlan, site: Site) -> int:
    return plan.grace_minutes if plan.grace_minutes is not None else Policy.for_site(site.policy).patrol_grace_minutes


async def load_view(session: AsyncSession, patrol_round: PatrolRound, plan: PatrolPlan | None = None) -> RoundView:
    plan = plan or await patrols.get_plan(session, plan_id=patrol_round.plan_id)
    assert plan is not None and patrol_round.id is not None
    checks = (await patrols.checks(session, round_ids=[patrol_round.id]))[patrol_round.id]
    found = (await patrols.findings(session, round_ids=[patrol_round.id]))[patrol_round.id]
    numbers = await incidents.numbers(session, incident_ids=[f.incident_id for f in found if f.incident_id])
    return RoundView(plan, patrol_round, checks, found, numbers)


async def plan_rounds(session: AsyncSession, now: datetime) -> None:
    """Make the rounds due last and next for every active plan, each with its timer, once."""
    plans = await patrols.active_plans(session)
    if not plans:
        return
    zones = {s.id: ZoneInfo(s.timezone) for s in await sites.all_sites(session)}
    wanted: list[tuple[PatrolPlan, datetime]] = []
    for plan in plans:
        zone = zones.get(plan.site_id)
        if zone is None or not plan.times:
            continue
        last, upcoming = previous_due(plan.times, zone, now), next_due(plan.times, zone, now)
        for due in (last, upcoming):
            # A plan added at 10:30 does not owe the 10:00 round.
            if due is not None and due >= plan.created_at:
                wanted.append((plan, due))
    if not wanted:
        return
    existing = await patrols.existing_due_times(session, since=min(due for _, due in wanted))
    for plan, due in wanted:
        if (require_id(plan), due) in existing:
            continue
        round_id = await patrols.ensure_round(session, plan=plan, due_at=due)
        if round_id is not None:
            await timers.ensure(session, kind=ROUND, ref_id=round_id, site_id=plan.site_id, due_at=due)


async def on_round(ctx: TimerContext) -> datetime | None:
    """One step of a round's life; returns when to look again, None when the round is settled."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    rnd = await patrols.get_round(session, round_id=timer.ref_id)
    if rnd is None or rnd.status in CLOSED_ROUND:
        return None
    plan = await patrols.get_plan(session, plan_id=rnd.plan_id)
    site = await sites.get(session, site_id=rnd.site_id)
    if plan is None or site is None:
        return None
    zone, policy = ZoneInfo(site.timezone), Policy.for_site(site.policy)
    if rnd.status == RoundStatus.DUE and rnd.pinged_at is None and not rnd.manual and not fits(plan, rnd.due_at, zone):
        await session.delete(rnd)  # made ahead before the plan was stopped or re-timed: never owed
        return None
    following = next_due(plan.times, zone, rnd.due_at) if plan.times else None
    if following is not None and now >= following:
        await _missed(session, site, plan, rnd, now)
        return None
    later = [following] if following is not None else []
    if rnd.pinged_at is None:
        rnd.pinged_at = now
        session.add(rnd)
        if rnd.status == RoundStatus.DUE:
            await _to_group(session, site, await load_view(session, rnd, plan), "patrol.ping")
        return min([rnd.due_at + timedelta(minutes=grace_of(plan, site)), *later])
    if rnd.status == RoundStatus.DUE and rnd.late_at is None:
        late_from = rnd.due_at + timedelta(minutes=grace_of(plan, site))
        if now < late_from:
            return min([late_from, *later])
        rnd.late_at = now
        session.add(rnd)
        await _to_group(session, site, await load_view(session, rnd, plan), "patrol.late")
        return min([now + timedelta(minutes=policy.patrol_escalate_minutes), *later])
    if rnd.late_at is not None and rnd.escalated_at is None:
        escalate_from = rnd.late_at + timedelta(minutes=policy.patrol_escalate_minutes)
        if now < escalate_from:
            return min([escalate_from, *later])
        rnd.escalated_at = now
        session.add(rnd)
        await _escalate(session, site, plan, rnd)
    return following


def fits(plan: PatrolPlan, due_at: datetime, zone: ZoneInfo) -> bool:
    """Whether the plan, as it is now, has a round at that time."""
    local = due_at.astimezone(zone)
    return plan.active and local.hour * 60 + local.minute in plan.times


async def _to_group(session: AsyncSession, site: Site, view: RoundView, header: str) -> None:
    if site.duty_chat_id is None:
        return
    t, zone = Translator(site.language), ZoneInfo(site.timezone)
    text = t(header, plan=view.plan.name, due=hm(view.round.due_at, zone)) + "\n" + card_text(t, zone, view)
    if header == "patrol.late":
        text += "\n" + t(on_time_rule(view.plan))
    await notices.queue(
        session,
        site.duty_chat_id,
        text,
        card_buttons(t, view),
        ("patrol_round", require_id(view.round)),
        site_id=site.id,
        purpose="patrol",
    )


FIRE_WORDS = ("防火", "消防", "fire")


def on_time_rule(plan: PatrolPlan) -> str:
    """The clause a reminder cites is the plan's own: the fire patrol of the key locations every 2
    hours (000 L446, L451) only for a fire patrol; a supervisor's patrol, twice a day at least (001
    L543); any other (夜巡, floor rounds) the patrol rules of 001 L539-549 and L811-813."""
    if any(word in plan.name.lower() for word in FIRE_WORDS):
        return "patrol.rule.on_time_fire"
    if plan.role.covers(Role.SUPERVISOR):
        return "patrol.rule.on_time_supervisor"
    return "patrol.rule.on_time"


async def _escalate(session: AsyncSession, site: Site, plan: PatrolPlan, rnd: PatrolRound) -> None:
    """The round is still not done after the reminder: each supervisor hears of it in private."""
    t, zone = Translator(site.language), ZoneInfo(site.timezone)
    status = t(f"patrol.status.{status_of(rnd)}")
    text = "\n".join(
        [
            t("patrol.escalation", site=site.name, plan=plan.name, due=hm(rnd.due_at, zone), status=status),
            t("patrol.rule.unfinished"),
        ]
    )
    # The supervisors (001 L551); for a supervisor's own plan the managers too, the rung above.
    roles = (Role.SUPERVISOR,) if not plan.role.covers(Role.SUPERVISOR) else (Role.SUPERVISOR, Role.MANAGER)
    people = await notices.holders(session, site, roles)
    told = await notices.tell(
        session,
        site,
        [p.telegram_id for p in people],
        text,
        purpose="escalation",
        urgent=True,
        link=("patrol_round", require_id(rnd)),
    )
    if site.duty_chat_id is not None:
        key = "patrol.escalated_group" if told else "patrol.no_supervisor"
        await notices.queue(
            session,
            site.duty_chat_id,
            t(key, plan=plan.name, due=hm(rnd.due_at, zone), who=notices.told(t, people)),
            site_id=site.id,
            purpose="patrol",
        )


async def _missed(session: AsyncSession, site: Site, plan: PatrolPlan, rnd: PatrolRound, now: datetime) -> None:
    rnd.status, rnd.missed_at = RoundStatus.MISSED, now
    session.add(rnd)
    if site.duty_chat_id is None:
        return
    t, zone = Translator(site.language), ZoneInfo(site.timezone)
    view = await load_view(session, rnd, plan)
    text = "\n".join(
        [
            t(
                "patrol.missed",
                plan=plan.name,
                due=hm(rnd.due_at, zone),
                done=len(view.checks),
                total=len(plan.checkpoints),
            ),
            t(on_time_rule(plan)),
        ]
    )
    await notices.queue(session, site.duty_chat_id, text, site_id=site.id, purpose="patrol")


async def handover_lines(session: AsyncSession, site: Site, now: datetime, t: Translator) -> list[str]:
    """The handover report's patrol section: rounds late or missed in the last hours; empty if none."""
    hours = Policy.for_site(site.policy).patrol_handover_hours
    rounds = await patrols.rounds_between(
        session, site_id=require_id(site), start=now - timedelta(hours=hours), end=now
    )
    flagged = [r for r in rounds if r.status == RoundStatus.MISSED or r.late_at is not None]
    if not flagged:
        return []
    zone = ZoneInfo(site.timezone)
    names = {p.id: p.name for p in await patrols.plans_for_site(session, site_id=require_id(site), active_only=False)}
    lines = [t("patrol.handover.header", count=len(flagged))]
    for r in flagged:
        if r.status == RoundStatus.MISSED:
            lines.append(t("patrol.handover.missed", plan=names.get(r.plan_id, "?"), due=hm(r.due_at, zone)))
        elif r.started_at is None:  # said once: not "迟巡（迟巡，开始：-）"
            lines.append(t("patrol.handover.late_unstarted", plan=names.get(r.plan_id, "?"), due=hm(r.due_at, zone)))
        else:
            lines.append(
                t(
                    "patrol.handover.late",
                    plan=names.get(r.plan_id, "?"),
                    due=hm(r.due_at, zone),
                    status=t(f"patrol.status.{status_of(r)}"),
                    started=hm(r.started_at, zone),
                )
            )
    return lines
