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
from handlers.core import notices
from handlers.core.commands import AnyButton, Button, Command
from handlers.core.context import Context
from handlers.core.feature import ExportKind, Feature
from handlers.core.messages import Outcome
from handlers.core.uploads import Caps, TableError
from handlers.keys.buttons import ApproveLoan, OnLoan, PickKey, RefuseLoan, ReturnKey, WithdrawLoan, WitnessLoan
from handlers.keys.loans import Borrower
from handlers.keys.register import KINDS, check_row, import_rows, kind_of, load
from storage.codes import Role, Severity
from storage.models import Key, KeyLoan, Site, require_id
from storage.models.keys import KeyKind, KeyStatus, LoanStatus
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


async def borrow_command(ctx: Context, args: str) -> Outcome:
    key, purpose, problem = await named_key(ctx, args, "keys.usage.borrow")
    if key is None or ctx.site is None:
        return problem or Outcome()
    return await key_loans.start(ctx, ctx.site, key, Borrower(ctx.msg.user.id, ctx.msg.user.name), purpose)


async def lend_command(ctx: Context, args: str) -> Outcome:
    """An outside borrower: ``/lend CODE NAME [phone] [purpose]``; a supervisor approves first."""
    key, rest, problem = await named_key(ctx, args, "keys.usage.lend")
    if key is None or ctx.site is None:
        return problem or Outcome()
    name, _, rest = rest.partition(" ")
    if not name:
        return Outcome.say(ctx.t("keys.usage.lend"))
    phone, _, purpose = rest.strip().partition(" ")
    if not _PHONE.match(phone):
        phone, purpose = "", rest.strip()
    who = Borrower(None, name[:200], external=True, phone=phone or None)
    return await key_loans.start(ctx, ctx.site, key, who, purpose.strip())


async def return_command(ctx: Context, args: str) -> Outcome:
    key, condition, problem = await named_key(ctx, args, "keys.usage.return")
    if key is None:
        return problem or Outcome()
    loan = await keys.active_loan(ctx.session, key_id=require_id(key))
    if loan is None:
        return Outcome.say(ctx.t("keys.not_out", code=key.code))
    return await key_loans.give_back(ctx, loan, key, condition[:500])


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


async def key_add_command(ctx: Context, args: str) -> Outcome:
    """``/key_add CODE label kind`` (the kind last; 机房, 封存… also read)."""
    words = args.split()
    if len(words) < 3 or kind_of(words[-1]) is None:
        return Outcome.say(ctx.t("keys.usage.key_add", kinds=", ".join(KINDS)))
    values, problem = check_row({"code": words[0], "label": " ".join(words[1:-1]), "kind": words[-1]})
    if values is None:
        return Outcome.say(ctx.t(f"keys.bad.{problem}") + "\n" + ctx.t("keys.usage.key_add", kinds=", ".join(KINDS)))
    assert ctx.site is not None
    new = await keys.upsert(ctx.session, site_id=require_id(ctx.site), values=values)
    header = "keys.added" if new else "keys.updated"
    return Outcome.say(
        ctx.t(header, code=values["code"], label=values["label"], kind=ctx.t(f"keys.kind.{values['kind']}"))
    )


async def import_command(ctx: Context, args: str) -> Outcome:
    """A CSV or XLSX file sent to the duty group with the caption ``/keys_import``."""
    t = ctx.t
    if not ctx.msg.document_file_id or ctx.site is None:
        return Outcome.say(t("keys.usage.import"))
    try:
        rows = await ctx.attached_table(Caps.of(ctx.policy()), "keys.csv")
    except LookupError:
        return Outcome.say(t("keys.import.no_files"))
    except TableError as exc:
        return Outcome.say(t("keys.import.unreadable", why=exc.text(t)))
    problems = await load(ctx.session, ctx.site, rows)
    if problems:
        lines = [t("keys.import.refused", count=len(problems))]
        lines.extend(t("keys.import.bad_line", line=line, what=t(f"keys.bad.{what}")) for line, what in problems[:20])
        return Outcome.say("\n".join(lines))
    total = await keys.count_for_site(ctx.session, site_id=require_id(ctx.site))
    return Outcome.say(t("keys.import.done", count=len(rows), total=total))


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
    ctx.notified += await notices.tell_roles(
        ctx.session,
        site,
        LOST_REPORTED_TO[key.kind],
        ping,
        purpose="key_lost",
        urgent=True,
        link=("incident", require_id(incident)),
    )
    card = dutylog.card_reply(ctx, incident, header="incident.logged")
    card.text += "\n" + t("keys.lost_recorded", code=key.code)
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


async def return_button(ctx: Context, loan: KeyLoan, key: Key, site: Site) -> Outcome:
    if not ctx.may(site.id, Role.STAFF):
        return Outcome(toast=ctx.t("denied.role", role=ctx.t(f"role.{Role.STAFF}")), alert=True)
    return await key_loans.give_back(ctx, loan, key, None)


COMMANDS = [
    Command("borrow", borrow_command, aliases=("jie",)),
    Command("lend", lend_command),
    Command("return", return_command, aliases=("huan",)),
    Command("keys", keys_command),
    Command("key", key_command),
    Command("key_add", key_add_command, min_role=Role.SUPERVISOR),
    Command("keys_import", import_command, min_role=Role.SUPERVISOR),
    Command("key_lost", lost_command),
]
BUTTONS: list[AnyButton] = [
    Button(ReturnKey, on_loan(return_button)),
    Button(ApproveLoan, on_loan(key_loans.approve)),
    Button(RefuseLoan, on_loan(key_loans.refuse)),
    Button(WitnessLoan, on_loan(key_loans.witness)),
    Button(WithdrawLoan, on_loan(key_loans.withdraw)),
    Button(PickKey, keys_drafts.pick_button),
]
PART = Feature(
    "keys",
    commands=COMMANDS,
    buttons=BUTTONS,
    timers=keys_report.TIMERS,
    planners=[keys_report.plan_reports],
    handover=keys_report.handover_section,
    drafts={"key_borrow": keys_drafts.record_borrow, "key_return": keys_drafts.record_return},
    exports={
        "keys": ExportKind(keys_exports.KEY_FIELDS, keys_exports.key_rows),
        "key_loans": ExportKind(keys_exports.LOAN_FIELDS, keys_exports.loan_rows),
    },
    imports={"keys": import_rows},
)
