"""Free text about a key (借了3栋机房钥匙去修空调, 3栋机房钥匙已还) becomes a loan or a return with one
tap on the draft card's 记录; when several keys match the text, the card offers them as buttons. The
card reads as a key loan or return (🔑 借钥匙：3-JF 3栋机房 · 小李 · 用途：修空调), and the loan records
the purpose, not the whole sentence (001 L1041 借用登记: 用途)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import handlers.dutylog.interface as drafts
import handlers.keys.loans as key_loans
import handlers.keys.returns as returns
from handlers.core.context import Context, DraftCard
from handlers.core.messages import Button, Outcome, Reply
from handlers.keys.buttons import PickKey
from handlers.keys.loans import Borrower
from handlers.keys.register import match
from storage.codes import Role
from storage.models import Draft, Key, require_id
from storage.repos import keys, sites

MAX_CHOICES = 8
SHOWN_KEYS = 3  # keys named on a card that matches several
# The verb of a loan; what comes before it is the borrower ("张三借…"), after it the key and the purpose.
_VERB = re.compile(
    r"借用|借走|借了|借咗|借去|借出|借|拿走|拿了|拿|取走|取了|领了|領了|领|領|攞咗|攞|拎咗|拎|"
    r"borrowed|borrows?|took|takes?",
    re.I,
)
_KEY_WORD = re.compile(r"(?:的|把|條|条)?(?:钥匙|鑰匙|锁匙|鎖匙|门匙|門匙)|\bkeys?\b", re.I)
# Words that join the key to the purpose: 去修水泵, 用来开门, to fix the pump.
_JOINER = re.compile(
    r"^(?:去|来|來|用来|用來|用于|用於|用作|为了|為了|作|the|a|an|to|for|in order to)(?:\s+|$|(?=[^\sA-Za-z]))", re.I
)
_EDGES = " \t,，、。.;；:：!！?？-—~～()（）"


def purpose_of(text: str, keys: Sequence[Key], hint: str | None = None) -> str:
    """The purpose in a loan sentence: 张三借3栋机房钥匙去修水泵 → 修水泵 (without the borrower, the
    verb and the key); the sentence itself when nothing is left (借5栋机房钥匙)."""
    verb = _VERB.search(text)
    rest = text[verb.end() :] if verb else text
    said_key = _KEY_WORD.search(rest)
    if said_key:  # 3座機房鎖匙去整冷氣: the purpose follows the key, however the key was named
        rest = rest[said_key.end() :]
    names = {k.label for k in keys} | {k.code for k in keys} | ({hint} if hint else set())
    for name in sorted(names, key=len, reverse=True):
        rest = re.sub(re.escape(name), " ", rest, flags=re.I)
    rest = _KEY_WORD.sub(" ", rest).strip(_EDGES)
    while rest and (joiner := _JOINER.match(rest)) is not None:
        rest = rest[joiner.end() :].strip(_EDGES)
    return " ".join(rest.split()) or text.strip()


async def borrower_of(ctx: Context, draft: Draft) -> Borrower:
    """Who borrows: the site's staff member the sentence names before its verb (张三借…), else its
    author. Nobody else is taken from the words: an outsider is lent to with /lend, signed for."""
    verb = _VERB.search(draft.text)
    said = draft.text[: verb.start()].strip(_EDGES) if verb else ""
    if len(said) >= 2:
        members = await sites.members(ctx.session, site_id=draft.site_id, roles=list(Role))
        people = await sites.people(ctx.session, ids=[m.telegram_id for m in members])
        named = [p for p in people.values() if p.name and (said.endswith(p.name) or p.name.endswith(said))]
        if len(named) == 1:
            return Borrower(named[0].telegram_id, named[0].name)
    return Borrower(draft.author_id, draft.author_name)


async def card(ctx: Context, draft: Draft) -> DraftCard:
    """``Feature.draft_cards`` for key_borrow and key_return: the key the text names (or the ones to
    pick from), who, and for a loan its purpose; what one tap on 记录 records."""
    t = ctx.t
    found = await _candidates(ctx, draft)
    if len(found) == 1:
        item = f"{found[0].code} {found[0].label}"
    elif found:
        item = t("keys.draft.several", keys="、".join(k.label for k in found[:SHOWN_KEYS]))
    else:
        item = t("keys.draft.unknown")
    if draft.intent == "key_borrow":
        purpose = purpose_of(draft.text, found, draft.location)
        who = await borrower_of(ctx, draft)
        return DraftCard(t("keys.draft.card_borrow", item=item, name=who.name, purpose=purpose))
    return DraftCard(t("keys.draft.card_return", item=item, name=draft.author_name))


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
                replies=[Reply(await drafts.draft_text(ctx, draft) + "\n" + t("keys.draft.which"), choices, edit=True)]
            )
        key: Key | None = found[0]
    else:
        key = await keys.get(ctx.session, key_id=key_id)
        if key is None or key.site_id != draft.site_id:
            return Outcome(toast=t("button.stale"))
    assert key is not None
    if draft.intent == "key_borrow":
        purpose = purpose_of(draft.text, [key], draft.location)
        outcome = await key_loans.start(ctx, site, key, await borrower_of(ctx, draft), purpose)
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
