"""How keys and loans look in a chat: the loan card, the list of keys out, the daily key report."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.i18n import Translator
from handlers.core.policy import Policy
from handlers.core.render import clip
from handlers.keys.rules import approver_role, gm_needed, witnessed, witnesses_needed
from storage.models import Key, KeyLoan, KeyWitness
from storage.models.keys import LoanStatus


def hhmm(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%m-%d %H:%M") if moment else "-"


def key_name(key: Key) -> str:
    return f"{key.code} {key.label}"


def loan_item(loan: KeyLoan, key: Key) -> str:
    """The key and, when more than one copy went, how many (001 L1041: 确定数量)."""
    return f"{key_name(key)} ×{loan.quantity}" if loan.quantity > 1 else key_name(key)


def borrower(t: Translator, loan: KeyLoan) -> str:
    """Who has the key: the staff member; for an outsider, the outsider and who answers for them."""
    if not loan.external:
        return loan.borrower_name
    outsider = loan.outsider_name or loan.borrower_name
    name = t("keys.external_name", name=outsider)
    if loan.phone:
        name = f"{name} {loan.phone}"
    if loan.outsider_name and loan.borrower_name:
        name = t("keys.signed_for", outsider=name, staff=loan.borrower_name)
    return name


def is_overdue(loan: KeyLoan, now: datetime) -> bool:
    return loan.status == LoanStatus.OUT and loan.due_at is not None and loan.due_at <= now


def witness_names(t: Translator, witnesses: list[KeyWitness]) -> str:
    return "、".join(t("keys.witness_as", name=w.name, kind=t(f"keys.witness_kind.{w.kind}")) for w in witnesses)


def loan_card(
    t: Translator, loan: KeyLoan, key: Key, witnesses: list[KeyWitness], zone: ZoneInfo, *, header: str, policy: Policy
) -> str:
    """The loan: key (with the kind it was asked under), borrower, purpose, due time, and what it
    still waits for."""
    lines = [t(header, code=key.code, label=key.label, kind=t(f"keys.kind.{loan.key_kind}"))]
    if loan.quantity > 1:
        lines.append(t("keys.line.quantity", count=loan.quantity))
    lines.append(t("keys.line.borrower", name=borrower(t, loan), by=loan.lent_by_name))
    if loan.purpose:
        lines.append(t("keys.line.purpose", text=clip(loan.purpose, 120)))
    if loan.status == LoanStatus.OUT:
        lines.append(t("keys.line.out", at=hhmm(loan.out_at, zone), due=hhmm(loan.due_at, zone)))
        lines.append(t("keys.rule.same_day"))
    if loan.approved_name:
        lines.append(t("keys.line.approved", name=loan.approved_name))
    if loan.gm_approved_name:
        lines.append(t("keys.line.gm_approved", name=loan.gm_approved_name))
    elif loan.gm_fallback:
        lines.append(t("keys.line.gm_fallback"))
    if witnesses:
        lines.append(t("keys.line.witnesses", names=witness_names(t, witnesses)))
    if loan.status == LoanStatus.PENDING:
        still = still_needed(t, loan, witnesses, policy)
        if still:
            lines.append(t("keys.wait.header", what=t("keys.wait.sep").join(still)))
    return "\n".join(lines)


def still_needed(t: Translator, loan: KeyLoan, witnesses: list[KeyWitness], policy: Policy) -> list[str]:
    """What a pending loan still waits for, in the order it is given (000 L506: the manager, then the
    general manager, and the witnesses)."""
    out: list[str] = []
    role = approver_role(loan, policy)
    if role is not None and loan.approved_by is None:
        out.append(t("keys.wait.approval", role=t(f"role.{role}")))
    if gm_needed(loan, policy) and loan.gm_approved_by is None:
        out.append(t("keys.wait.gm"))
    have = witnessed(witnesses)
    for kind, need in witnesses_needed(loan, policy).items():
        if have[kind] < need:
            out.append(t(f"keys.wait.{kind}", have=have[kind], need=need))
    return out


def returned_text(t: Translator, loan: KeyLoan, key: Key, zone: ZoneInfo) -> str:
    return t(
        "keys.returned",
        code=key.code,
        label=f"{key.label} ×{loan.quantity}" if loan.quantity > 1 else key.label,
        name=borrower(t, loan),
        to=loan.returned_to_name or t("keys.receiver_unknown"),
        at=hhmm(loan.returned_at, zone),
        condition=loan.condition or t("keys.condition_unstated"),
    )


def out_line(t: Translator, loan: KeyLoan, key: Key, zone: ZoneInfo, now: datetime) -> str:
    """One key out (or waiting) in /keys, the daily report and the handover report; an overdue one
    with the reason it is not back, or that none is known yet (000 L514, L571)."""
    item = loan_item(loan, key)
    if loan.status == LoanStatus.PENDING:
        return t("keys.line.pending", item=item, name=borrower(t, loan))
    template = "keys.line.overdue" if is_overdue(loan, now) else "keys.line.held"
    line = t(template, item=item, name=borrower(t, loan), since=hhmm(loan.out_at, zone), due=hhmm(loan.due_at, zone))
    if is_overdue(loan, now):
        reason = loan.late_reason or t("keys.reason_unknown")
        line += "\n" + t("keys.line.reason", reason=clip(reason, 120))
    return line


def out_lines(t: Translator, rows: list[tuple[KeyLoan, Key]], zone: ZoneInfo, now: datetime) -> list[str]:
    """Overdue first, then out by due time, then pending."""
    order = sorted(rows, key=lambda row: (not is_overdue(row[0], now), row[0].status == LoanStatus.PENDING))
    return [out_line(t, loan, key, zone, now) for loan, key in order]


def history_line(t: Translator, loan: KeyLoan, zone: ZoneInfo) -> str:
    return t(
        "keys.line.history",
        at=hhmm(loan.out_at or loan.requested_at, zone),
        name=borrower(t, loan),
        status=t(f"keys.status.{loan.status}"),
        back=hhmm(loan.returned_at, zone),
    )
