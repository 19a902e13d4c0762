"""Keys (钥匙): the register, borrow / lend / return, approvals, witnesses, loss reports.

Commands parse and look the key up; the loan rules are in :mod:`handlers.keys.loans`, the timers and
reports in :mod:`handlers.keys.report`, free-text drafts in :mod:`handlers.keys.drafts`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import wraps

import handlers.dutylog.interface as dutylog
import handlers.keys.drafts as keys_drafts
import handlers.keys.exports as keys_exports
import handlers.keys.loans as key_loans
import handlers.keys.render as render
import handlers.keys.report as keys_report
import handlers.keys.returns as returns
from handlers.core import notices
from handlers.core.commands import AnyButton, ButtonAction, Command
from handlers.core.context import Context
from handlers.core.feature import ExportKind, Feature
from handlers.core.messages import Outcome
from handlers.keys.buttons import (
    ApproveLoan,
    GuardWitness,
    OnLoan,
    PickKey,
    RefuseLoan,
    ReturnKey,
    WithdrawLoan,
    WitnessLoan,
)
from handlers.keys.loans import Borrower
from storage.codes import Role, Severity
from storage.models import Key, KeyLoan, Site, require_id
from storage.models.keys import KeyKind, KeyStatus, LoanStatus, WitnessKind
from storage.repos import keys, sites, timers

# Who hears of a lost or damaged key: the supervisors (001 L297, L1047); a unit, vacant-unit or sealed
# key also the CS manager (000 L509, L517, L574). Plant-room keys go to the property manager (000 L521),
# who has no role here: the supervisors pass it on.
LOST_REPORTED_TO: dict[KeyKind, tuple[Role, ...]] = {
    KeyKind.UNIT: (Role.SUPERVISOR, Role.MANAGER),
    KeyKind.VACANT: (Role.SUPERVISOR, Role.MANAGER),
    KeyKind.SEALED: (Role.SUPERVISOR, Role.MANAGER),
    KeyKind.PLANT: (Role.SUPERVISOR,),
    KeyKind.COMMON: (Role.SUPERVISOR,),
}
_PHONE = re.compile(r"^\+?\d[\d\- ]{5,19}$")
_COUNTED = re.compile(r"^(?P<code>.+?)[*×](?P<count>\d{1,3})$")
_COUNT_WORD = re.compile(r"^(\d{1,3})把$")


async def named_key(ctx: Context, args: str, usage: str) -> tuple[Key | None, str, Outcome | None]:
    """``CODE rest`` → (key, rest, None), or (None, "", the polite answer) for no code or an unknown one."""
    code, _, rest = args.strip().partition(" ")
    if not code:
        return None, "", Outcome.say(ctx.t(usage))
    assert ctx.site is not None
    key = await keys.by_code(ctx.session, site_id=require_id(ctx.site), code=code)
    if key is None:
        return None, "", Outcome.say(ctx.t("keys.unknown", code=code[:32]))
    return key, rest.strip(), None


async def _key_and_count(ctx: Context, word: str) -> tuple[Key | None, int]:
    """A word naming a key: its code, or its code with a count (``3-JF*2``, ``3-JF×2``)."""
    assert ctx.site is not None
    site_id = require_id(ctx.site)
    key = await keys.by_code(ctx.session, site_id=site_id, code=word)
    if key is not None:
        return key, 1
    counted = _COUNTED.match(word)
    if counted is None:
        return None, 1
    return await keys.by_code(ctx.session, site_id=site_id, code=counted["code"]), int(counted["count"])


async def named_keys(ctx: Context, args: str, usage: str) -> tuple[list[tuple[Key, int]], str, Outcome | None]:
    """``CODE [CODE…] rest``: the keys (with how many copies of each) a loan or a return is for, and
    the rest of the text; a loan may be for several keys or a quantity (001 L1041: 确定数量). A count
    follows a code as ``*2``, ``×2`` or a word ``2把``."""
    words = args.split()
    if not words:
        return [], "", Outcome.say(ctx.t(usage))
    picks: list[tuple[Key, int]] = []
    used = 0
    while used < len(words):
        key, count = await _key_and_count(ctx, words[used])
        if key is None:
            break
        used += 1
        if used < len(words) and (word := _COUNT_WORD.match(words[used])):
            count, used = int(word[1]), used + 1
        if all(key.id != seen.id for seen, _ in picks):
            picks.append((key, count))
    if not picks:
        return [], "", Outcome.say(ctx.t("keys.unknown", code=words[0][:32]))
    parts = args.split(None, used)
    return picks, (parts[used].strip() if len(parts) > used else ""), None


async def lend_many(ctx: Context, picks: list[tuple[Key, int]], who: Borrower, purpose: str) -> Outcome:
    """One loan per key (the register has a line per key), answered together."""
    assert ctx.site is not None
    outcome = Outcome()
    for key, count in picks:
        one = await key_loans.start(ctx, ctx.site, key, who, purpose, quantity=count)
        outcome.replies += one.replies
    return outcome


async def borrow_command(ctx: Context, args: str) -> Outcome:
    picks, purpose, problem = await named_keys(ctx, args, "keys.usage.borrow")
    if not picks or ctx.site is None:
        return problem or Outcome()
    return await lend_many(ctx, picks, Borrower(ctx.msg.user.id, ctx.msg.user.name), purpose)


async def lend_command(ctx: Context, args: str) -> Outcome:
    """An outside borrower: ``/lend CODE NAME [@staff] [phone] [purpose]``. The outsider never borrows
    directly (000 L516, L573; 001 L295): the staff member who signs for them (the writer, or the
    colleague named with @) borrows and answers for the key; a supervisor approves first (001 L1043)."""
    picks, rest, problem = await named_keys(ctx, args, "keys.usage.lend")
    if not picks or ctx.site is None:
        return problem or Outcome()
    name, _, rest = rest.partition(" ")
    if not name or name.startswith("@"):
        return Outcome.say(ctx.t("keys.usage.lend"))
    responsible = (ctx.msg.user.id, ctx.msg.user.name)
    rest = rest.strip()
    if rest.startswith("@"):
        handle, _, rest = rest.partition(" ")
        found = await signer(ctx, handle)
        if found is None:
            return Outcome.say(ctx.t("keys.not_staff", who=handle[:64]))
        responsible = found
    phone, _, purpose = rest.strip().partition(" ")
    if not _PHONE.match(phone):
        phone, purpose = "", rest.strip()
    who = Borrower(responsible[0], responsible[1], outsider=name[:200], phone=phone or None)
    return await lend_many(ctx, picks, who, purpose.strip())


async def signer(ctx: Context, handle: str) -> tuple[int, str] | None:
    """The colleague an ``@username`` names, when they are staff of this site."""
    assert ctx.site is not None
    person = await sites.by_username(ctx.session, username=handle.removeprefix("@"))
    if person is None:
        return None
    role = (await sites.roles_of(ctx.session, telegram_id=person.telegram_id)).get(require_id(ctx.site))
    return (person.telegram_id, person.name or handle) if role is not None else None


async def return_command(ctx: Context, args: str) -> Outcome:
    picks, condition, problem = await named_keys(ctx, args, "keys.usage.return")
    if not picks:
        return problem or Outcome()
    outcome = Outcome()
    for key, _ in picks:
        loan = await keys.active_loan(ctx.session, key_id=require_id(key))
        if loan is None:
            outcome.replies += Outcome.say(ctx.t("keys.not_out", code=key.code)).replies
            continue
        outcome.replies += (await returns.give_back(ctx, loan, key, condition[:500])).replies
    return outcome


async def late_command(ctx: Context, args: str) -> Outcome:
    """``/key_late CODE reason``: why a key out is not back (000 L514, L571)."""
    key, reason, problem = await named_key(ctx, args, "keys.usage.late")
    if key is None:
        return problem or Outcome()
    if not reason:
        return Outcome.say(ctx.t("keys.usage.late"))
    loan = await keys.active_loan(ctx.session, key_id=require_id(key))
    if loan is None:
        return Outcome.say(ctx.t("keys.not_out", code=key.code))
    return await returns.late_reason(ctx, loan, key, reason)


async def reason_reply(ctx: Context, loan_id: int) -> Outcome | None:
    """A reply to an overdue chase (or any message showing a loan past its due time) from staff of
    its site: the reason the key is not back (000 L514, L571). Before the due time a reply to the
    loan card is chatter, not a reason (``/key_late`` records one early)."""
    loan = await keys.loan(ctx.session, loan_id=loan_id, lock=True)
    text = ctx.msg.text.strip()
    if loan is None or not render.is_overdue(loan, ctx.now) or not text or not ctx.may(loan.site_id, Role.STAFF):
        return None
    key = await keys.get(ctx.session, key_id=loan.key_id)
    if key is None:
        return None
    outcome = await returns.late_reason(ctx, loan, key, text)
    for reply in outcome.replies:
        reply.quote = True
    return outcome


async def keys_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    active = await keys.active_for_site(ctx.session, site_id=require_id(ctx.site))
    if not active:
        total = await keys.count_for_site(ctx.session, site_id=require_id(ctx.site))
        return Outcome.say(ctx.t("keys.none_out", total=total))
    lines = [ctx.t("keys.out_header", count=len(active))]
    lines.extend(render.out_lines(ctx.t, active, ctx.zone(), ctx.now))
    return Outcome.say("\n".join(lines))


async def key_command(ctx: Context, args: str) -> Outcome:
    key, _, problem = await named_key(ctx, args, "keys.usage.key")
    if key is None:
        return problem or Outcome()
    t = ctx.t
    lines = [
        t("keys.about", code=key.code, label=key.label, kind=t(f"keys.kind.{key.kind}"), copies=key.copies),
        t("keys.kept", location=key.location or "-"),
    ]
    if key.status == KeyStatus.LOST:
        lines.append(t("keys.is_lost", code=key.code))
    history = await keys.last_loans(ctx.session, key_id=require_id(key))
    if history:
        lines.append(t("keys.history_header"))
        lines.extend(render.history_line(t, loan, ctx.zone()) for loan in history)
    else:
        lines.append(t("keys.no_history"))
    return Outcome.say("\n".join(lines))


async def lost_command(ctx: Context, args: str) -> Outcome:
    """``/key_lost CODE text``: a loss or damage report opens a security incident and pings the
    supervisors (000 L509, L517, L521; 001 L297, L1047)."""
    key, text, problem = await named_key(ctx, args, "keys.usage.lost")
    if key is None or ctx.site is None:
        return problem or Outcome()
    if not text:
        return Outcome.say(ctx.t("keys.usage.lost"))
    site, t = ctx.site, ctx.t
    incident = await dutylog.record(
        ctx,
        site,
        text=t("keys.lost_situation", item=render.key_name(key), text=text),
        category="security",
        severity=Severity.URGENT,
        location=key.location or key.label,
        occurred_at=ctx.now,
        escalate=False,  # told below, to the roles LOST_REPORTED_TO names
    )
    loan = await keys.active_loan(ctx.session, key_id=require_id(key))
    if loan is not None:  # a loan still waiting for approval never went out: it ends refused
        loan.status = LoanStatus.LOST if loan.status == LoanStatus.OUT else LoanStatus.REFUSED
        loan.refused_by = ctx.msg.user.id if loan.status == LoanStatus.REFUSED else None
        ctx.session.add(loan)
        await timers.cancel_for(ctx.session, kind=key_loans.OVERDUE, ref_id=require_id(loan))
    key.status = KeyStatus.LOST
    ctx.session.add(key)
    ping = "\n".join(
        [
            t(
                "keys.lost_ping",
                item=render.key_name(key),
                number=incident.number,
                site=site.name,
                name=ctx.msg.user.name,
                text=text,
            ),
            t("keys.rule.lost"),
        ]
    )
    people = await notices.holders(ctx.session, site, LOST_REPORTED_TO[key.kind])
    ctx.notified += await notices.tell(
        ctx.session,
        site,
        [p.telegram_id for p in people],
        ping,
        purpose="key_lost",
        urgent=True,
        link=("incident", require_id(incident)),
    )
    card = dutylog.card_reply(ctx, incident, header="incident.logged")
    recorded = "keys.lost_recorded" if people else "keys.lost_recorded_nobody"  # named by their real roles
    card.text += "\n" + t(recorded, code=key.code, who=notices.told(t, people))
    return Outcome(replies=[card])


LoanAction = Callable[[Context, KeyLoan, Key, Site], Awaitable[Outcome]]


def on_loan(action: LoanAction) -> Callable[[Context, OnLoan], Awaitable[Outcome]]:
    """A button naming a loan: loads the loan (row-locked), its key and site; the action checks the
    presser's role at that site. The callback data is trusted for nothing else."""

    @wraps(action)
    async def handler(ctx: Context, data: OnLoan) -> Outcome:
        loan = await keys.loan(ctx.session, loan_id=data.loan, lock=True)
        key = None if loan is None else await keys.get(ctx.session, key_id=loan.key_id)
        site = None if loan is None else await sites.get(ctx.session, site_id=loan.site_id)
        if loan is None or key is None or site is None:
            return Outcome(toast=ctx.t("button.stale"))
        return await action(ctx, loan, key, site)

    return handler


async def staff_witness(ctx: Context, loan: KeyLoan, key: Key, site: Site) -> Outcome:
    return await key_loans.witness(ctx, loan, key, site, WitnessKind.STAFF)


async def guard_witness(ctx: Context, loan: KeyLoan, key: Key, site: Site) -> Outcome:
    return await key_loans.witness(ctx, loan, key, site, WitnessKind.GUARD)


async def return_button(ctx: Context, loan: KeyLoan, key: Key, site: Site) -> Outcome:
    if not ctx.may(site.id, Role.STAFF):
        return Outcome(toast=ctx.t("denied.role", role=ctx.t(f"role.{Role.STAFF}")), alert=True)
    return await returns.give_back(ctx, loan, key, None)


COMMANDS = [
    Command("borrow", borrow_command, aliases=("jie",)),
    Command("lend", lend_command),
    Command("return", return_command, aliases=("huan",)),
    Command("keys", keys_command),
    Command("key", key_command),
    Command("key_lost", lost_command),
    Command("key_late", late_command),
]
BUTTONS: list[AnyButton] = [
    ButtonAction(ReturnKey, on_loan(return_button)),
    ButtonAction(ApproveLoan, on_loan(key_loans.approve)),
    ButtonAction(RefuseLoan, on_loan(key_loans.refuse)),
    ButtonAction(WitnessLoan, on_loan(staff_witness)),
    ButtonAction(GuardWitness, on_loan(guard_witness)),
    ButtonAction(WithdrawLoan, on_loan(key_loans.withdraw)),
    ButtonAction(PickKey, keys_drafts.pick_button),
]
PART = Feature(
    "keys",
    commands=COMMANDS,
    buttons=BUTTONS,
    timers=keys_report.TIMERS,
    planners=[keys_report.plan_reports],
    handover=keys_report.handover_section,
    replies={"key_loan": reason_reply},
    drafts={"key_borrow": keys_drafts.record_borrow, "key_return": keys_drafts.record_return},
    draft_cards={"key_borrow": keys_drafts.card, "key_return": keys_drafts.card},
    exports={
        "keys": ExportKind(keys_exports.KEY_FIELDS, keys_exports.key_rows),
        "key_loans": ExportKind(keys_exports.LOAN_FIELDS, keys_exports.loan_rows, keys_exports.loan_rows),
    },
)
