"""What a patroller does on a round: start it, sign each checkpoint (a tap, a photo, a shared
location within the checkpoint's radius), record findings, finish it.

The route and a sign-in at each point are required (001 L813); problems found are recorded and
reported (001 L549, L1355); a problem opens a duty-log incident linked to the round, and its
re-check follows the incident's closing (handlers.patrols.recheck, 001 L551 P15)."""

from __future__ import annotations

import math
from datetime import timedelta

import handlers.dutylog.interface as dutylog
from handlers.core.classification import Classification
from handlers.core.context import Context
from handlers.core.messages import Outcome, Reply
from handlers.core.notices import button_dicts
from handlers.core.replies import REPLY
from handlers.patrols.render import RoundView, card_buttons, card_text, proof_of
from handlers.patrols.rounds import ROUND, load_view
from storage.codes import Proof, Role
from storage.models import PatrolCheck, PatrolFinding, PatrolRound, require_id
from storage.models.patrols import CLOSED_ROUND, Recheck, RoundStatus
from storage.repos import incidents, links, outbox, patrols, sites, timers

EARTH_RADIUS_M = 6_371_000.0


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def card(ctx: Context, view: RoundView, *, edit: bool = False, quote: bool = False) -> Reply:
    """The round card; a reply to it (photo, location, text) finds the round."""
    return Reply(
        card_text(ctx.t, ctx.zone(), view),
        card_buttons(ctx.t, view),
        edit=edit,
        quote=quote,
        link=("patrol_round", require_id(view.round)),
    )


async def shown(ctx: Context, view: RoundView, note: str, *, alert: bool = False) -> Outcome:
    """The card edited in place: the pressed one for a button; for a message (photo, location,
    text) the round's newest card in this chat, with the note as a reply. A fresh card when no
    card of the round is known here (a command, or its message link not written yet)."""
    if ctx.msg.is_button:
        return Outcome(replies=[card(ctx, view, edit=True)], toast=note, alert=alert)
    message_id = await links.newest_message(
        ctx.session, chat_id=ctx.msg.chat.id, ref_kind=ROUND, ref_id=require_id(view.round)
    )
    if message_id is None:
        return Outcome(replies=[Reply(note, quote=True), card(ctx, view)])
    await edit_card(ctx, view, message_id)
    return Outcome(replies=[Reply(note, quote=True)])


async def edit_card(ctx: Context, view: RoundView, message_id: int) -> None:
    """The round's card already in this chat (``message_id``), edited to the round as it is now."""
    shown_card = card(ctx, view)
    await outbox.enqueue(
        ctx.session,
        chat_id=ctx.msg.chat.id,
        text=shown_card.text,
        buttons=button_dicts(shown_card.buttons),
        ref_kind="patrol_round",
        ref_id=view.round.id,
        method="edit",
        edit_message_id=message_id,
        priority=REPLY,
        purpose="reply",
    )
    ctx.notified += 1


async def start(ctx: Context, view: RoundView) -> Outcome:
    """The person who starts a round owns it; only the plan's role (or higher) may."""
    rnd, plan, t = view.round, view.plan, ctx.t
    if not ctx.may(rnd.site_id, plan.role):
        return ctx.answer(t("denied.role", role=t(f"role.{plan.role}")), alert=True)
    if rnd.status == RoundStatus.RUNNING:
        return ctx.answer(t("patrol.already_running", name=rnd.started_name or "?"))
    if rnd.status in CLOSED_ROUND:
        return ctx.answer(t("patrol.closed", status=t(f"patrol.status.{rnd.status}")))
    user = ctx.msg.user
    values = {"started_by": user.id, "started_name": user.name, "started_at": ctx.now}
    if not await patrols.move(ctx.session, rnd, from_status=RoundStatus.DUE, to=RoundStatus.RUNNING, **values):
        return ctx.answer(t("patrol.already_running", name=rnd.started_name or "?"))
    return await shown(ctx, view, t("patrol.started", plan=plan.name, name=user.name))


def not_theirs(ctx: Context, view: RoundView) -> Outcome | None:
    """Only the round's owner (the one who started it), or a supervisor, signs its checkpoints and
    finishes it: the sign-in sheet is the patroller's own (001 L813), and the supervisor is the one
    who checks and signs everyone's patrol records (001 L553). Nobody below the plan's role does
    either: a supervisor-only plan's round (001 L543) is finished by a supervisor."""
    refused = not_theirs_why(ctx, view)
    return None if refused is None else ctx.answer(refused, alert=True)


def not_theirs_why(ctx: Context, view: RoundView) -> str | None:
    """:func:`not_theirs`'s reason as text, or None when the sender may."""
    rnd, plan, t = view.round, view.plan, ctx.t
    if not ctx.may(rnd.site_id, plan.role):
        return t("denied.role", role=t(f"role.{plan.role}"))
    if rnd.started_by == ctx.msg.user.id or ctx.may(rnd.site_id, Role.SUPERVISOR):
        return None
    return t("patrol.not_yours", name=rnd.started_name or "?")


def closed_problem(ctx: Context, rnd: PatrolRound) -> Outcome | None:
    if rnd.status in CLOSED_ROUND:
        return ctx.answer(ctx.t("patrol.closed", status=ctx.t(f"patrol.status.{rnd.status}")), alert=True)
    return None


async def sign(
    ctx: Context,
    view: RoundView,
    position: int,
    proof: Proof,
    *,
    photo: str | None = None,
    where: tuple[float, float] | None = None,
    distance: float | None = None,
) -> Outcome:
    """Sign one checkpoint for the sender (on another's round too: recorded as the sender's)."""
    rnd, t = view.round, ctx.t
    if rnd.status == RoundStatus.DUE:
        started = await start(ctx, view)
        if rnd.status != RoundStatus.RUNNING:
            return started
    if (refused := not_theirs(ctx, view)) is not None:
        return refused
    checkpoint = view.plan.checkpoints[position]
    user = ctx.msg.user
    check = PatrolCheck(
        round_id=require_id(rnd),
        position=position,
        name=str(checkpoint["name"]),
        proof=proof,
        done_by=user.id,
        done_name=user.name,
        done_at=ctx.now,
        photo_file_id=photo,
        latitude=where[0] if where else None,
        longitude=where[1] if where else None,
        distance_m=round(distance, 1) if distance is not None else None,
    )
    if not await patrols.sign(ctx.session, check):
        return ctx.answer(t("patrol.cp_already", name=checkpoint["name"]))
    view = await load_view(ctx.session, rnd, view.plan)
    note = t("patrol.cp_signed", name=checkpoint["name"], left=len(view.pending()))
    return await shown(ctx, view, note)


async def tap(ctx: Context, view: RoundView, position: int) -> Outcome:
    t = ctx.t
    if not 0 <= position < len(view.plan.checkpoints):
        return Outcome(toast=t("button.stale"))
    proof = proof_of(view.plan.checkpoints[position])
    if proof != Proof.TAP:
        return ctx.answer(t(f"patrol.needs.{proof}", name=view.plan.checkpoints[position]["name"]), alert=True)
    return await sign(ctx, view, position, Proof.TAP)


async def photo(ctx: Context, view: RoundView) -> Outcome:
    """A photo replying to the card signs the checkpoint its caption names, else the next one in
    route order that a photo proves (tap or photo); a caption that says more is also a finding."""
    caption = ctx.msg.text.strip()
    if (refused := not_theirs(ctx, view)) is not None:
        # Someone else's round: the photo signs nothing, but a caption saying more than a
        # checkpoint's name is a finding anyone may report (001 L549).
        said = caption.strip(" ，,。:：.!！")
        if said and said not in {str(cp["name"]) for cp in view.plan.checkpoints}:
            return await finding(ctx, view, caption, photo_id=ctx.msg.photo_file_id)
        return refused
    pending = [(i, cp) for i, cp in view.pending() if proof_of(cp) in (Proof.TAP, Proof.PHOTO)]
    named = [(i, cp) for i, cp in pending if caption and str(cp["name"]) in caption]
    choices = named or pending
    target = choices[0] if choices else None
    # A caption that is only the checkpoint's name is no finding; one that says more is, whole.
    rest = caption
    if named and not caption.replace(str(named[0][1]["name"]), "", 1).strip(" ，,。:：.!！"):
        rest = ""
    if target is None:
        if not caption:
            return Outcome.say(ctx.t("patrol.no_photo_checkpoint"))
        return await finding(ctx, view, caption, photo_id=ctx.msg.photo_file_id)
    signed = await sign(ctx, view, target[0], Proof.PHOTO, photo=ctx.msg.photo_file_id)
    if rest:
        view = await load_view(ctx.session, view.round, view.plan)
        found = await finding(ctx, view, rest, photo_id=ctx.msg.photo_file_id, checkpoint=str(target[1]["name"]))
        signed.replies = [*signed.replies[:1], *found.replies]
    return signed


# Telegram dates messages to the second, and a round may be started by the very message that
# carries the location: a location this much older than the round's start still counts.
_CLOCK_SLACK = timedelta(seconds=5)


def location_problem(ctx: Context, rnd: PatrolRound) -> Outcome | None:
    """A location proves presence only when the patroller shared it here, during the round: a
    forwarded one, or one sent before the round began (or before a due round could start), signs
    nothing (000 L451: the patrol itself, at its time, is what the record proves)."""
    msg = ctx.msg
    if msg.forwarded:
        return Outcome.say(ctx.t("patrol.location_forwarded"), quote=True)
    if msg.sent_at is None:
        return None
    began = rnd.started_at or rnd.due_at - timedelta(minutes=ctx.policy().patrol_grace_minutes)
    if msg.sent_at + _CLOCK_SLACK < began:
        return Outcome.say(ctx.t("patrol.location_stale"), quote=True)
    return None


async def located(ctx: Context, view: RoundView, where: tuple[float, float]) -> Outcome:
    """A shared location signs the nearest pending checkpoint that has coordinates, if within its
    radius; farther away it is refused with the distance."""
    t = ctx.t
    if (refused := not_theirs(ctx, view)) is not None:
        return refused
    radius_default = ctx.policy().patrol_radius_m
    placed = [
        (distance_m(where, (float(cp["lat"]), float(cp["lon"]))), i, cp)
        for i, cp in view.pending()
        if cp.get("lat") is not None and cp.get("lon") is not None
    ]
    if not placed:
        return Outcome.say(t("patrol.no_located_checkpoint"))
    distance, position, checkpoint = min(placed, key=lambda p: p[0])
    radius = float(checkpoint.get("radius") or radius_default)
    if distance > radius:
        return Outcome.say(
            t("patrol.too_far", name=checkpoint["name"], distance=round(distance), radius=round(radius)), quote=True
        )
    return await sign(ctx, view, position, Proof.LOCATION, where=where, distance=distance)


def names_problem(reading: Classification) -> bool:
    """A finding is a problem when the classifier reads an event, a category, or a problem without
    one (a door left unlocked, a crack): the hazards a patrol finds are recorded (000 L376, L412)."""
    return reading.intent == "incident" or reading.category != "other" or reading.problem


async def finding(
    ctx: Context,
    view: RoundView,
    text: str,
    *,
    photo_id: str | None = None,
    checkpoint: str | None = None,
    reading: Classification | None = None,
    finish_round: bool = False,
) -> Outcome:
    """Record what the round found; a problem opens an incident linked to the round, whose closing
    makes a re-check due (001 L551, L1357). ``finish_round``: the report also said the round is done
    (巡查完毕，天台门未锁), so the round is finished with its finding once its points are signed."""
    rnd, t = view.round, ctx.t
    site = await sites.get(ctx.session, site_id=rnd.site_id)
    assert site is not None
    problem, incident = False, None
    if text:
        reading = reading or await ctx.classify(text, speaker="staff", private=False)
        problem = names_problem(reading)
        if problem:
            incident = await dutylog.record(
                ctx,
                site,
                text=text,
                category=reading.category,
                severity=reading.severity,
                location=reading.location or checkpoint,
                occurred_at=ctx.now,
                kind="patrol_report",
            )
            if photo_id:
                await incidents.add_photo(
                    ctx.session, incident_id=require_id(incident), file_id=photo_id, added_by=ctx.msg.user.id
                )
    await patrols.add_finding(
        ctx.session,
        PatrolFinding(
            round_id=require_id(rnd),
            site_id=rnd.site_id,
            checkpoint=checkpoint,
            text=text,
            photo_file_id=photo_id,
            reporter_id=ctx.msg.user.id,
            reporter_name=ctx.msg.user.name,
            problem=problem,
            incident_id=incident.id if incident else None,
            recheck=Recheck.WAITING if incident else Recheck.NONE,
            created_at=ctx.now,
        ),
    )
    view = await load_view(ctx.session, rnd, view.plan)
    closing = ""
    if finish_round:
        why_not = await close_round(ctx, view)
        view = await load_view(ctx.session, rnd, view.plan)
        closing = "\n" + (why_not or t("patrol.finished", plan=view.plan.name, count=len(view.findings)))
    if incident is None:
        return await shown(ctx, view, t("patrol.finding_noted") + closing)
    note = t("patrol.finding_opened", number=incident.number) + closing
    incident_card = dutylog.card_reply(ctx, incident, header="incident.logged")
    if ctx.msg.is_button:
        # a draft's 记录: the pressed draft becomes the incident's card (its buttons gone) and the round's
        # card is edited where it is — no new group message (docs/usage.md "Message economy")
        head = t("patrol.draft_recorded", plan=view.plan.name) + closing
        recorded = Reply(head + "\n" + incident_card.text, incident_card.buttons, edit=True, link=incident_card.link)
        message_id = await links.newest_message(
            ctx.session, chat_id=ctx.msg.chat.id, ref_kind=ROUND, ref_id=require_id(view.round)
        )
        if message_id is None:  # the round's card is not known here: shown anew
            return Outcome(replies=[recorded, card(ctx, view)], toast=note)
        await edit_card(ctx, view, message_id)
        return Outcome(replies=[recorded], toast=note)
    outcome = await shown(ctx, view, note)
    outcome.replies.insert(1, incident_card)
    return outcome


def finish_refusal(ctx: Context, view: RoundView) -> str | None:
    """Why the sender may not finish the round now (closed, not theirs, points left), or None."""
    rnd, t = view.round, ctx.t
    if rnd.status in CLOSED_ROUND:
        return t("patrol.closed", status=t(f"patrol.status.{rnd.status}"))
    if (refused := not_theirs_why(ctx, view)) is not None:
        return refused
    pending = view.pending()
    if pending:
        names = "、".join(str(cp["name"]) for _, cp in pending)
        return t("patrol.still_pending", count=len(pending), names=names)
    return None


async def close_round(ctx: Context, view: RoundView) -> str | None:
    """Mark the round done by the sender and stop its timer; None when done, else why not."""
    refused = finish_refusal(ctx, view)
    if refused is not None:
        return refused
    rnd, user = view.round, ctx.msg.user
    values = {"done_by": user.id, "done_name": user.name, "done_at": ctx.now}
    if not await patrols.move(ctx.session, rnd, from_status=RoundStatus.RUNNING, to=RoundStatus.DONE, **values):
        return ctx.t("patrol.closed", status=ctx.t(f"patrol.status.{rnd.status}"))
    await timers.cancel_for(ctx.session, kind=ROUND, ref_id=require_id(rnd))
    return None


async def finish(ctx: Context, view: RoundView, *, clean: bool = False) -> Outcome:
    """Done once every checkpoint is signed; ``clean`` is the patroller's 一切正常."""
    t = ctx.t
    refused = finish_refusal(ctx, view)
    if refused is not None:
        return ctx.answer(refused, alert=True)
    why_not = await close_round(ctx, view)
    if why_not is not None:  # another process finished or closed it meanwhile
        return ctx.answer(why_not)
    key = "patrol.finished_clean" if clean and not view.findings else "patrol.finished"
    return await shown(ctx, view, t(key, plan=view.plan.name, count=len(view.findings)))
