"""Key loans: borrow, lend to an outsider, approve or refuse, witness a sealed key, return.

Rules: a loan is returned the same day, its quantity counted (001 L1041, L1335); an outside borrower
needs a leader's approval (001 L1043) and never borrows directly: a staff member signs for them and
answers for the key (000 L516, L573; 001 L295); a sealed (custody) key is used only when the CS manager
has asked the general manager and the GM has approved, with two customer-service staff and a guard
present (000 L506-508). Nobody approves a loan they borrow or wrote. A loan waiting for any of these
is ``pending`` and the key is not handed out; it keeps the rules of the kind it was asked under, and
the database lets one key have one active loan only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import handlers.keys.render as render
from handlers.core import notices
from handlers.core.context import Context
from handlers.core.messages import Button, Outcome, Reply
from handlers.core.policy import Policy
from handlers.keys.buttons import ApproveLoan, GuardWitness, RefuseLoan, ReturnKey, WithdrawLoan, WitnessLoan
from handlers.keys.rules import approver_role, gm_needed, witnessed, witnesses_needed
from storage.codes import Role
from storage.models import Key, KeyLoan, KeyWitness, Site, require_id
from storage.models.keys import KeyKind, KeyStatus, LoanStatus, WitnessKind
from storage.repos import keys, outbox, sites, timers

OVERDUE = "key_overdue"  # timer kind: ref_id is the loan id


@dataclass(frozen=True, slots=True)
class Borrower:
    """The staff member who borrows and answers for the key; for an outsider (a contractor, an
    agent) the one who signs for them (000 L516, L573; 001 L295), with the outsider named."""

    id: int
    name: str
    outsider: str | None = None
    phone: str | None = None


def due_time(now: datetime, site: Site, policy: Policy) -> datetime:
    """The same day at the policy hour, site time (001 L1041); a loan made after that hour is due
    at the end of its day (23:59), still the same day."""
    zone = ZoneInfo(site.timezone)
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), time(hour=policy.key_due_hour), tzinfo=zone)
    if due <= local:
        due = datetime.combine(local.date(), time(23, 59), tzinfo=zone)
    return due.astimezone(UTC)


async def has_gm(ctx: Context, site: Site) -> bool:
    """A site's general manager is a person with the admin role at the site (not a global admin,
    who runs the system and approves for no site in particular)."""
    return bool(await sites.members(ctx.session, site_id=require_id(site), roles=[Role.ADMIN]))


async def start(
    ctx: Context, site: Site, key: Key, who: Borrower, purpose: str | None, *, quantity: int = 1
) -> Outcome:
    """Write the loan: out at once, or pending approval and witnesses. A key already out (or
    waiting) is refused with who holds it since when."""
    t = ctx.t
    if key.status == KeyStatus.LOST:
        return ctx.answer(t("keys.is_lost", code=key.code) + "\n" + t("keys.rule.lost"))
    if not 1 <= quantity <= key.copies:
        return ctx.answer(t("keys.too_many", code=key.code, asked=quantity, copies=key.copies))
    policy = ctx.policy(site)
    loan = KeyLoan(
        site_id=require_id(site),
        key_id=require_id(key),
        key_kind=key.kind,
        quantity=quantity,
        borrower_id=who.id,
        borrower_name=who.name,
        external=who.outsider is not None,
        outsider_name=who.outsider,
        phone=who.phone,
        purpose=purpose or None,
        lent_by=ctx.msg.user.id,
        lent_by_name=ctx.msg.user.name,
        chat_id=site.duty_chat_id,
        requested_at=ctx.now,
    )
    if gm_needed(loan, policy) and not await has_gm(ctx, site):
        loan.gm_fallback = True  # 000 L506: no GM to ask here; the manager's approval stands alone
    role = approver_role(loan, policy)
    if role is None and not witnesses_needed(loan, policy):
        loan.status, loan.out_at, loan.due_at = LoanStatus.OUT, ctx.now, due_time(ctx.now, site, policy)
    stored = await keys.lend(ctx.session, loan)
    if stored is None:
        return ctx.answer(await held_text(ctx, key))
    if stored.status == LoanStatus.OUT:
        await schedule_overdue(ctx, stored)
        return Outcome(replies=[card(ctx, site, stored, key, [], header="keys.lent")])
    if role is not None:
        await ask_approval(ctx, site, key, stored, role)
    return Outcome(replies=[card(ctx, site, stored, key, [], header="keys.pending_header")])


async def held_text(ctx: Context, key: Key) -> str:
    active = await keys.active_loan(ctx.session, key_id=require_id(key))
    if active is None:  # returned in the meantime: the caller may try again
        return ctx.t("keys.try_again", code=key.code)
    name = render.borrower(ctx.t, active)
    if active.status == LoanStatus.PENDING:
        return ctx.t("keys.already_pending", code=key.code, name=name, at=ctx.hhmm(active.requested_at))
    return ctx.t("keys.already_out", code=key.code, name=name, at=ctx.hhmm(active.out_at or ctx.now))


def card(
    ctx: Context, site: Site, loan: KeyLoan, key: Key, witnesses: list[KeyWitness], *, header: str, edit: bool = False
) -> Reply:
    """The loan card in the duty group, in the key's site's time and policy (an approval tapped in a
    private chat has no site of its own)."""
    policy = ctx.policy(site)
    text = render.loan_card(ctx.t, loan, key, witnesses, ctx.zone(site), header=header, policy=policy)
    return Reply(text, loan_buttons(ctx, loan, policy, witnesses), edit=edit, link=("key_loan", require_id(loan)))


def loan_buttons(ctx: Context, loan: KeyLoan, policy: Policy, present: list[KeyWitness]) -> list[list[Button]]:
    """The card's buttons: 归还 once out; while pending, a witness button for each kind still short
    (none once the witnesses are complete, 000 L506) and 撤销."""
    if loan.status == LoanStatus.OUT:
        return [[Button(ctx.t("keys.btn.return"), ReturnKey(loan=require_id(loan)).pack())]]
    if loan.status != LoanStatus.PENDING:
        return []
    withdraw = Button(ctx.t("keys.btn.withdraw"), WithdrawLoan(loan=require_id(loan)).pack())
    needed, counts = witnesses_needed(loan, policy), witnessed(present)
    short = {kind for kind, count in needed.items() if counts[kind] < count}
    row = []
    if WitnessKind.STAFF in short:
        row.append(Button(ctx.t("keys.btn.witness"), WitnessLoan(loan=require_id(loan)).pack()))
    if WitnessKind.GUARD in short:
        row.append(Button(ctx.t("keys.btn.witness_guard"), GuardWitness(loan=require_id(loan)).pack()))
    return [row, [withdraw]] if row else [[withdraw]]


async def schedule_overdue(ctx: Context, loan: KeyLoan) -> None:
    assert loan.id is not None and loan.due_at is not None
    await timers.schedule(ctx.session, kind=OVERDUE, ref_id=loan.id, site_id=loan.site_id, due_at=loan.due_at)


# Who may approve, pinged in private: the role asked for, else the next one up (the global admins
# are the last rung for a general manager's approval).
APPROVERS: dict[Role, tuple[Role, ...]] = {
    Role.SUPERVISOR: (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN),
    Role.MANAGER: (Role.MANAGER, Role.ADMIN),
    Role.ADMIN: (Role.ADMIN,),
}


def rule_of(loan: KeyLoan) -> str:
    return "keys.rule.sealed" if loan.key_kind == KeyKind.SEALED else "keys.rule.external"


async def ask_approval(ctx: Context, site: Site, key: Key, loan: KeyLoan, role: Role) -> None:
    """The approval request, in private, to the role's holders other than the borrower, the writer
    and anyone who already approved (nobody approves their own loan, and the GM is another person
    than the manager)."""
    t = ctx.t
    present = await witnesses_of(ctx, loan)
    text = "\n".join(
        [
            t("keys.approval_request", site=site.name, role=t(f"role.{role}")),
            render.loan_card(t, loan, key, present, ctx.zone(site), header="keys.card", policy=ctx.policy(site)),
            t(rule_of(loan)),
        ]
    )
    buttons = [
        [
            Button(t("keys.btn.approve"), ApproveLoan(loan=require_id(loan)).pack()),
            Button(t("keys.btn.refuse"), RefuseLoan(loan=require_id(loan)).pack()),
        ]
    ]
    skip = {loan.lent_by, *(i for i in (loan.borrower_id, loan.approved_by) if i is not None)}
    told = await notices.tell_roles(
        ctx.session,
        site,
        APPROVERS[role],
        text,
        purpose="approval",
        urgent=True,
        link=("key_loan", require_id(loan)),
        buttons=buttons,
        admins=ctx.services.admin_ids if role == Role.ADMIN else (),
        ladder=True,
        skip=skip,
    )
    ctx.notified += told
    if not told and site.duty_chat_id is not None:
        await ctx.notify(site.duty_chat_id, t("keys.nobody_to_approve", role=t(f"role.{role}")))


def decided(ctx: Context, loan: KeyLoan, key: Key) -> Outcome:
    return ctx.answer(ctx.t("keys.decided", code=key.code, status=ctx.t(f"keys.status.{loan.status}")))


async def approve(ctx: Context, loan: KeyLoan, key: Key, site: Site) -> Outcome:
    """A tap on 批准 by someone whose role at the key's site allows it (checked here, not trusted),
    who is neither the borrower nor the one who wrote the loan. The answer says what the loan still
    waits for (the GM, witnesses) or that the key is out."""
    t = ctx.t
    policy = ctx.policy(site)
    role = approver_role(loan, policy) or Role.SUPERVISOR
    if not ctx.may(site.id, role):
        return ctx.answer(t("keys.approve_denied", role=t(f"role.{role}")) + "\n" + t(rule_of(loan)), alert=True)
    if loan.status != LoanStatus.PENDING:
        return decided(ctx, loan, key)
    user = ctx.msg.user
    if user.id in (loan.borrower_id, loan.lent_by):  # an approval is another person's check (001 L1043; 000 L506)
        return ctx.answer(t("keys.own_approval") + "\n" + t(rule_of(loan)), alert=True)
    if loan.approved_by is None:
        loan.approved_by, loan.approved_name, loan.approved_at = user.id, user.name, ctx.now
        if gm_needed(loan, policy):
            await ask_approval(ctx, site, key, loan, Role.ADMIN)
    elif gm_needed(loan, policy) and loan.gm_approved_by is None:
        if not ctx.may(site.id, Role.ADMIN) or user.id == loan.approved_by:
            return ctx.answer(t("keys.gm_needed"), alert=True)
        loan.gm_approved_by, loan.gm_approved_name = user.id, user.name
    else:
        return ctx.answer(t("keys.already_approved", name=loan.approved_name or "?"))
    ctx.session.add(loan)
    activated = await activate_if_ready(ctx, loan, key, site)
    present = await witnesses_of(ctx, loan)
    still = t("keys.wait.sep").join(render.still_needed(t, loan, present, policy))
    if activated:
        done = t("keys.you_approved_out", code=key.code, name=render.borrower(t, loan))
    else:
        done = t("keys.you_approved", code=key.code, name=render.borrower(t, loan), still=still)
    if site.duty_chat_id is not None and not activated:
        group = t("keys.approved_group", code=key.code, name=user.name, still=still)
        await ctx.notify(site.duty_chat_id, group, link=("key_loan", require_id(loan)))
    return Outcome(replies=[Reply(done, edit=True)] if ctx.msg.is_button else [Reply(done)], toast=done)


async def refuse(ctx: Context, loan: KeyLoan, key: Key, site: Site) -> Outcome:
    t = ctx.t
    role = approver_role(loan, ctx.policy(site)) or Role.SUPERVISOR
    if not ctx.may(site.id, role):
        return ctx.answer(t("keys.approve_denied", role=t(f"role.{role}")), alert=True)
    if loan.status != LoanStatus.PENDING:
        return decided(ctx, loan, key)
    loan.status, loan.refused_by = LoanStatus.REFUSED, ctx.msg.user.id
    ctx.session.add(loan)
    name = render.borrower(t, loan)
    if site.duty_chat_id is not None:
        text = t("keys.refused_group", code=key.code, label=key.label, name=name, by=ctx.msg.user.name)
        await ctx.notify(site.duty_chat_id, text, link=("key_loan", require_id(loan)))
    done = t("keys.you_refused", code=key.code, name=name)
    return Outcome(replies=[Reply(done, edit=True)] if ctx.msg.is_button else [Reply(done)], toast=done)


async def withdraw(ctx: Context, loan: KeyLoan, key: Key, site: Site) -> Outcome:
    """A loan still waiting is withdrawn by whoever wrote it, the borrower, or a supervisor, so an
    unanswered request does not hold the key; it ends ``refused`` (the key was never handed out)."""
    t = ctx.t
    user = ctx.msg.user
    if user.id not in (loan.lent_by, loan.borrower_id) and not ctx.may(site.id, Role.SUPERVISOR):
        return ctx.answer(t("keys.withdraw_denied"), alert=True)
    if loan.status != LoanStatus.PENDING:
        return decided(ctx, loan, key)
    loan.status, loan.refused_by = LoanStatus.REFUSED, user.id
    ctx.session.add(loan)
    done = t("keys.withdrawn", code=key.code, label=key.label, name=user.name)
    return Outcome(replies=[Reply(done, edit=True)], toast=done)


async def witnesses_of(ctx: Context, loan: KeyLoan) -> list[KeyWitness]:
    """Who has witnessed the loan so far, in order."""
    loan_id = require_id(loan)
    return (await keys.witnesses(ctx.session, loan_ids=[loan_id]))[loan_id]


async def witness(ctx: Context, loan: KeyLoan, key: Key, site: Site, kind: WitnessKind) -> Outcome:
    """A tap on 客服见证 or 保安见证 in the duty group: staff of the site, not the borrower or the one who
    wrote the loan, once each, as the kind they state (000 L506: two customer-service staff and a
    guard present besides the one using the key)."""
    t = ctx.t
    if not ctx.may(site.id, Role.STAFF):
        return ctx.answer(t("denied.role", role=t(f"role.{Role.STAFF}")), alert=True)
    policy = ctx.policy(site)
    needed = witnesses_needed(loan, policy)
    if loan.status != LoanStatus.PENDING or not needed:
        return decided(ctx, loan, key)
    user = ctx.msg.user
    if user.id in (loan.borrower_id, loan.lent_by):
        return ctx.answer(t("keys.own_witness") + "\n" + t("keys.rule.sealed"), alert=True)
    present = await witnesses_of(ctx, loan)
    if any(w.telegram_id == user.id for w in present):
        return ctx.answer(t("keys.witnessed_twice"), alert=True)
    if witnessed(present)[kind] >= needed.get(kind, 0):
        return ctx.answer(t("keys.witness_full", kind=t(f"keys.witness_kind.{kind}")), alert=True)
    await keys.add_witness(
        ctx.session, loan_id=require_id(loan), telegram_id=user.id, name=user.name, kind=kind, at=ctx.now
    )
    present = await witnesses_of(ctx, loan)
    activated = await activate_if_ready(ctx, loan, key, site, present=present, announce=False)
    header = "keys.lent" if activated else "keys.pending_header"
    return Outcome(
        replies=[card(ctx, site, loan, key, present, header=header, edit=True)],
        toast=t("keys.you_witnessed", count=len(present)),
    )


async def activate_if_ready(
    ctx: Context,
    loan: KeyLoan,
    key: Key,
    site: Site,
    *,
    present: list[KeyWitness] | None = None,
    announce: bool = True,
) -> bool:
    """Hand the key out once every approval and witness is in; tells the duty group unless the
    caller's reply there already shows it."""
    policy = ctx.policy(site)
    if approver_role(loan, policy) is not None and loan.approved_by is None:
        return False
    if gm_needed(loan, policy) and loan.gm_approved_by is None:
        return False
    needed = witnesses_needed(loan, policy)
    if needed:
        if present is None:
            present = await witnesses_of(ctx, loan)
        counts = witnessed(present)
        if any(counts[kind] < count for kind, count in needed.items()):
            return False
    loan.status, loan.out_at, loan.due_at = LoanStatus.OUT, ctx.now, due_time(ctx.now, site, policy)
    ctx.session.add(loan)
    await schedule_overdue(ctx, loan)
    if announce and site.duty_chat_id is not None:
        shown = present if present is not None else await witnesses_of(ctx, loan)
        reply = card(ctx, site, loan, key, shown, header="keys.lent")
        # the 待批准 card becomes the lent card in place, its 撤销 gone (docs/usage.md "Message economy");
        # a new card only when that one is not known (not sent yet, or made from a draft)
        shown_at = await outbox.last_message(
            ctx.session, chat_id=site.duty_chat_id, ref_kind="key_loan", ref_id=require_id(loan), purpose="reply"
        )
        if shown_at is None:
            await ctx.notify(site.duty_chat_id, reply.text, reply.buttons, reply.link)
        else:
            await outbox.enqueue(
                ctx.session,
                chat_id=site.duty_chat_id,
                text=reply.text,
                buttons=notices.button_dicts(reply.buttons),
                method="edit",
                edit_message_id=shown_at,
                purpose="card_edit",
            )
            ctx.notified += 1
    return True
