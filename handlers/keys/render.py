"""How keys and loans look in a chat: the loan card, the list of keys out, the daily key report."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.i18n import Translator
from handlers.core.policy import Policy
from handlers.core.render import clip
from storage.codes import Role
from storage.models import Key, KeyLoan
from storage.models.keys import KeyKind, LoanStatus


def hhmm(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%m-%d %H:%M") if moment else "-"


def key_name(key: Key) -> str:
    return f"{key.code} {key.label}"


def borrower(t: Translator, loan: KeyLoan) -> str:
    if not loan.external:
        return loan.borrower_name
    name = t("keys.external_name", name=loan.borrower_name)
    return f"{name} {loan.phone}" if loan.phone else name


def is_overdue(loan: KeyLoan, now: datetime) -> bool:
    return loan.status == LoanStatus.OUT and loan.due_at is not None and loan.due_at <= now


def loan_card(
    t: Translator, loan: KeyLoan, key: Key, witnesses: list[str], zone: ZoneInfo, *, header: str, policy: Policy
) -> str:
    """The loan: key, borrower, purpose, due time, and what it still waits for."""
    lines = [t(header, code=key.code, label=key.label, kind=t(f"keys.kind.{key.kind}"))]
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
    if witnesses:
        lines.append(t("keys.line.witnesses", names="、".join(witnesses)))
    if loan.status == LoanStatus.PENDING:
        lines.extend(waiting_lines(t, loan, key, len(witnesses), policy))
    return "\n".join(lines)


def waiting_lines(t: Translator, loan: KeyLoan, key: Key, witnessed: int, policy: Policy) -> list[str]:
    out: list[str] = []
    sealed = key.kind == KeyKind.SEALED
    if (sealed or (loan.external and policy.key_external_approval)) and loan.approved_by is None:
        role = Role.MANAGER if sealed else Role.SUPERVISOR
        out.append(t("keys.wait.approval", role=t(f"role.{role}")))
    if sealed and policy.key_sealed_gm_approval and loan.gm_approved_by is None:
        out.append(t("keys.wait.gm"))
    if sealed and witnessed < policy.key_sealed_witnesses:
        out.append(t("keys.wait.witnesses", have=witnessed, need=policy.key_sealed_witnesses))
    return out


def returned_text(t: Translator, loan: KeyLoan, key: Key, zone: ZoneInfo) -> str:
    return t(
        "keys.returned",
        code=key.code,
        label=key.label,
        name=borrower(t, loan),
        to=loan.returned_to_name or "-",
        at=hhmm(loan.returned_at, zone),
        condition=loan.condition or t("keys.condition_unstated"),
    )


def out_line(t: Translator, loan: KeyLoan, key: Key, zone: ZoneInfo, now: datetime) -> str:
    """One key out (or waiting) in /keys, the daily report and the handover report."""
    if loan.status == LoanStatus.PENDING:
        return t("keys.line.pending", item=key_name(key), name=borrower(t, loan))
    template = "keys.line.overdue" if is_overdue(loan, now) else "keys.line.held"
    return t(
        template, item=key_name(key), name=borrower(t, loan), since=hhmm(loan.out_at, zone), due=hhmm(loan.due_at, zone)
    )


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
