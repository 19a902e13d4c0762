"""Free text in the duty group that reads as a record gets a draft card; one tap records it.

The classifier only suggests (SPEC §5): nothing is recorded until a staff member taps 记录. A draft
of a feature's own kind (a key loan, a handover, a patrol report) reads as that kind: the feature
words its card (``Feature.draft_cards``); an incident's card, with its category, is the default.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TypeVar

import handlers.dutylog.commands as dutylog
from handlers.core.commands import AnyButton, ButtonAction, role_denied
from handlers.core.context import Context, DraftCard
from handlers.core.feature import Feature
from handlers.core.messages import Button, Keyboard, Outcome, Reply
from handlers.core.parsing import resolve_time, visible
from handlers.core.render import category, category_picker, clip, picking, severity, with_cancel
from handlers.core.taxonomy import GROUP_RECORD_INTENTS, Category, is_category
from handlers.dutylog.buttons import (
    BackToDraft,
    ChangeDraftCategory,
    IgnoreDraft,
    NamesDraft,
    RecordDraft,
    SetDraftCategory,
)
from storage.codes import Role
from storage.models import Draft, DraftStatus, require_id
from storage.repos import drafts as draft_repo
from storage.repos import sites


async def draft_card(ctx: Context, draft: Draft) -> DraftCard:
    """The card's words: the feature of the draft's kind words them; else an incident's card."""
    view = ctx.features.draft_card(draft.intent)
    if view is not None:
        return await view(ctx, draft)
    t = ctx.t
    header = t(
        "draft.card",
        intent=t(f"intent.{draft.intent}"),
        category=category(t, draft.category),
        severity=severity(t, draft.severity),
    )
    return DraftCard("\n".join([header, *draft_body(ctx, draft)]), categorised=True)


async def draft_text(ctx: Context, draft: Draft) -> str:
    return (await draft_card(ctx, draft)).text


async def draft_reply(ctx: Context, draft: Draft, *, edit: bool = False, quote: bool = False) -> Reply:
    """The draft card with its buttons: 记录 and 忽略, and the category ones when it has a category."""
    card = await draft_card(ctx, draft)
    return Reply(card.text, draft_buttons(ctx, draft, card.categorised), edit=edit, quote=quote)


def draft_body(ctx: Context, draft: Draft) -> list[str]:
    """An incident draft's lines under its header: where, what, and a time still to come."""
    t = ctx.t
    lines: list[str] = []
    if draft.location:
        lines.append(t("incident.location", location=draft.location))
    lines.append(t("incident.situation", text=clip(draft.text, 120)))
    if dutylog.future_refusal(ctx, draft.occurred_at):  # said before anyone taps 记录
        lines.append(t("future_time.on_draft", at=ctx.hhmm(draft.occurred_at)))
    return lines


QUICK_ALTERNATIVES = 2  # one-tap category corrections on the card; the full picker is a tap further


def draft_buttons(ctx: Context, draft: Draft, categorised: bool = True) -> Keyboard:
    t, draft_id = ctx.t, require_id(draft)
    decide = [
        Button(t("btn.record"), RecordDraft(draft=draft_id).pack()),
        Button(t("btn.ignore"), IgnoreDraft(draft=draft_id).pack()),
    ]
    if not categorised:  # a key loan, a handover…: no category to change
        return [decide]
    quick = [
        Button(t("btn.as_category", category=category(t, code)), SetDraftCategory(draft=draft_id, category=code).pack())
        for code in alternatives_of(draft)[:QUICK_ALTERNATIVES]
    ]
    return [decide, [*quick, Button(t("btn.change_category"), ChangeDraftCategory(draft=draft_id).pack())]]


def alternatives_of(draft: Draft) -> list[Category]:
    return [code for code in draft.alternatives.split(",") if is_category(code) and code != draft.category]


async def offer(ctx: Context) -> Outcome:
    """Classify a staff member's free text; offer a card for a record, stay silent for chit-chat."""
    site = ctx.site
    if site is None or site.id is None or not ctx.may(site.id, Role.STAFF) or not visible(ctx.msg.text):
        return Outcome()
    reading = await ctx.classify(ctx.msg.text, speaker="staff", private=False)
    # The record's kind must be clear; its category is a tap away on the card.
    if reading.intent not in GROUP_RECORD_INTENTS or reading.record_confidence < ctx.policy().draft_min_confidence:
        return Outcome()
    act = ctx.features.at_once(reading.intent)  # e.g. 巡查完毕 closing the sender's round: no card to tap
    if act is not None and (acted := await act(ctx, reading)) is not None:
        return acted
    draft = await draft_repo.add(
        ctx.session,
        Draft(
            site_id=site.id,
            chat_id=ctx.msg.chat.id,
            author_id=ctx.msg.user.id,
            author_name=ctx.msg.user.name,
            text=ctx.msg.text,
            intent=reading.intent,
            category=reading.category,
            severity=reading.severity,
            location=reading.location,
            alternatives=",".join(reading.alternatives),
            occurred_at=resolve_time(reading.time, ctx.now, ctx.zone()),
        ),
    )
    return Outcome(replies=[await draft_reply(ctx, draft, quote=True)])


async def pending_draft(ctx: Context, draft_id: int | None) -> Draft | Outcome:
    """The draft a button on a draft card names, or the answer to give instead: the presser must be
    staff (checked before anything is looked up, and again at the draft's site), the draft must be
    of this chat and nobody may have decided it yet (a second tap is told so)."""
    if not ctx.may_here(Role.STAFF):  # the role first, before anything is looked up
        return role_denied(ctx, Role.STAFF)
    draft = None if draft_id is None else await draft_repo.get(ctx.session, draft_id=draft_id)
    if draft is None or draft.chat_id != ctx.msg.chat.id:
        return Outcome(toast=ctx.t("button.stale"))
    if not ctx.may(draft.site_id, Role.STAFF):
        return role_denied(ctx, Role.STAFF)
    if draft.status != DraftStatus.PENDING:
        return Outcome(toast=ctx.t("draft.done"))
    return draft


DD = TypeVar("DD", bound=NamesDraft)


def with_pending_draft(
    action: Callable[[Context, Draft, DD], Awaitable[Outcome]],
) -> Callable[[Context, DD], Awaitable[Outcome]]:
    """A button on a draft card (its data names the draft): it runs on the :func:`pending_draft`."""

    @wraps(action)
    async def handler(ctx: Context, data: DD) -> Outcome:
        draft = await pending_draft(ctx, data.draft)
        if isinstance(draft, Outcome):
            return draft
        return await action(ctx, draft, data)

    return handler


@with_pending_draft
async def record_button(ctx: Context, draft: Draft, data: RecordDraft) -> Outcome:
    recorder = ctx.features.draft_recorder(draft.intent) or record_as_incident
    return await recorder(ctx, draft)


async def record_as_incident(ctx: Context, draft: Draft) -> Outcome:
    """The default: a duty-log entry whose ``kind`` is the draft's intent."""
    site = await sites.get(ctx.session, site_id=draft.site_id)
    if site is None:
        return Outcome(toast=ctx.t("button.stale"))
    refusal = dutylog.future_refusal(ctx, draft.occurred_at)
    if refusal:  # the draft stays pending: 忽略 it, or /log it without the time to come
        return Outcome(toast=refusal, alert=True)
    incident = await dutylog.record(
        ctx,
        site,
        text=draft.text,
        category=draft.category,
        severity=draft.severity,
        location=draft.location,
        occurred_at=draft.occurred_at,
        kind=draft.intent,
        reporter=(draft.author_id, draft.author_name),
    )
    draft.mark_recorded(ctx.msg.user.id)
    draft.incident_id = incident.id
    ctx.session.add(draft)
    reply = await dutylog.full_card(ctx, incident, edit=True, header="incident.logged")
    return Outcome(replies=[reply], toast=ctx.t("draft.recorded", number=incident.number))


@with_pending_draft
async def category_button(ctx: Context, draft: Draft, data: ChangeDraftCategory) -> Outcome:
    choose = category_picker(ctx.t, lambda code: SetDraftCategory(draft=data.draft, category=code))
    picker = with_cancel(ctx.t, choose, BackToDraft(draft=data.draft).pack())
    return Outcome(replies=[picking(ctx.t, await draft_text(ctx, draft), "pick.category", picker)])


@with_pending_draft
async def cancel_button(ctx: Context, draft: Draft, data: BackToDraft) -> Outcome:
    return Outcome(replies=[await draft_reply(ctx, draft, edit=True)])


@with_pending_draft
async def set_category_button(ctx: Context, draft: Draft, data: SetDraftCategory) -> Outcome:
    # The category given up stays one tap away, in case the correction was the mistake.
    draft.alternatives = ",".join([draft.category, *alternatives_of(draft)])
    draft.category = data.category
    ctx.session.add(draft)
    return Outcome(replies=[await draft_reply(ctx, draft, edit=True)])


@with_pending_draft
async def ignore_button(ctx: Context, draft: Draft, data: IgnoreDraft) -> Outcome:
    draft.status, draft.decided_by = DraftStatus.IGNORED, ctx.msg.user.id
    ctx.session.add(draft)
    text = (
        ctx.t("draft.ignored", name=ctx.msg.user.name) + "\n" + ctx.t("incident.situation", text=clip(draft.text, 80))
    )
    return Outcome(replies=[Reply(text, edit=True)])


BUTTONS: list[AnyButton] = [  # staff or above, checked before the data is read (min_role)
    ButtonAction(RecordDraft, record_button, Role.STAFF),
    ButtonAction(ChangeDraftCategory, category_button, Role.STAFF),
    ButtonAction(SetDraftCategory, set_category_button, Role.STAFF),
    ButtonAction(IgnoreDraft, ignore_button, Role.STAFF),
    ButtonAction(BackToDraft, cancel_button, Role.STAFF),
]
PART = Feature("drafts", buttons=BUTTONS, on_group_text=offer)
