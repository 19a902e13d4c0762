"""Free text about a key (借了3栋机房钥匙去修空调, 3栋机房钥匙已还) becomes a loan or a return with one
tap on the draft card's 记录; when several keys match the text, the card offers them as buttons."""

from __future__ import annotations

import handlers.dutylog.interface as drafts
import handlers.keys.loans as key_loans
import handlers.keys.returns as returns
from handlers.core.context import Context
from handlers.core.messages import Button, Outcome, Reply
from handlers.keys.buttons import PickKey
from handlers.keys.loans import Borrower
from handlers.keys.register import match
from storage.models import Draft, Key, require_id
from storage.repos import keys, sites

MAX_CHOICES = 8


async def record_borrow(ctx: Context, draft: Draft) -> Outcome:
    return await _record(ctx, draft, None)


async def record_return(ctx: Context, draft: Draft) -> Outcome:
    return await _record(ctx, draft, None)


@drafts.with_pending_draft
async def pick_button(ctx: Context, draft: Draft, data: PickKey) -> Outcome:
    """The key chosen on the draft card, once the duty log's draft checks pass (staff at the draft's
    site, in its chat, the draft still undecided)."""
    return await _record(ctx, draft, data.key)


async def _candidates(ctx: Context, draft: Draft) -> list[Key]:
    found = match(await keys.for_site(ctx.session, site_id=draft.site_id), draft.text, draft.location)
    if draft.intent == "key_return" and len(found) > 1:
        out = [k for k in found if (await keys.active_loan(ctx.session, key_id=require_id(k))) is not None]
        found = out or found
    return found


async def _record(ctx: Context, draft: Draft, key_id: int | None) -> Outcome:
    t = ctx.t
    site = await sites.get(ctx.session, site_id=draft.site_id)
    if site is None:
        return Outcome(toast=t("button.stale"))
    if key_id is None:
        found = await _candidates(ctx, draft)
        if not found:
            return Outcome(toast=t("keys.draft.none"), alert=True)
        if len(found) > 1:
            choices = [
                [Button(f"{k.code} {k.label}"[:40], PickKey(draft=require_id(draft), key=require_id(k)).pack())]
                for k in found[:MAX_CHOICES]
            ]
            back = drafts.BackToDraft(draft=require_id(draft)).pack()  # 取消: the draft card as it was
            ignore = drafts.IgnoreDraft(draft=require_id(draft)).pack()
            choices.append([Button(t("pickers.cancel"), back), Button(t("btn.ignore"), ignore)])
            return Outcome(
                replies=[Reply(drafts.draft_text(ctx, draft) + "\n" + t("keys.draft.which"), choices, edit=True)]
            )
        key: Key | None = found[0]
    else:
        key = await keys.get(ctx.session, key_id=key_id)
        if key is None or key.site_id != draft.site_id:
            return Outcome(toast=t("button.stale"))
    assert key is not None
    if draft.intent == "key_borrow":
        outcome = await key_loans.start(ctx, site, key, Borrower(draft.author_id, draft.author_name), draft.text)
    else:
        loan = await keys.active_loan(ctx.session, key_id=require_id(key))
        if loan is None:
            return ctx.answer(t("keys.not_out", code=key.code), alert=True)
        outcome = await returns.give_back(ctx, loan, key, None)
    if not outcome.replies:  # refused (already out, not out, lost): the draft stays to decide
        outcome.alert = True
        return outcome
    draft.mark_recorded(ctx.msg.user.id)
    ctx.session.add(draft)
    outcome.replies[0].edit = True
    outcome.toast = outcome.toast or t("keys.draft.recorded", code=key.code)
    return outcome
