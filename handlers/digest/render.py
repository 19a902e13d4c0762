"""How a digest reads: plain values from storage.repos.digest turned into the site's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.i18n import Translator
from handlers.core.render import category, severity
from storage.codes import Severity
from storage.repos.digest import Figures

SATISFACTION = ("satisfied", "basic", "unsatisfied", "none")
HANDOVER_STATES = ("open", "blocked", "taken_over")


def _span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    first, last = start.astimezone(zone), end.astimezone(zone)
    return (
        f"{first:%m-%d %H:%M}–{last:%H:%M}"
        if first.date() == last.date()
        else f"{first:%m-%d %H:%M}–{last:%m-%d %H:%M}"
    )


def _mix(t: Translator, counts: dict[tuple[str, str], int]) -> str:
    """'火警·重大 1，噪音·一般 2', the most serious first."""
    order = {s.value: s.order for s in Severity}
    items = sorted(counts.items(), key=lambda kv: (order.get(kv[0][1], 9), -kv[1], kv[0][0]))
    return t("digest.sep").join(
        t("digest.mix_item", category=category(t, cat), severity=severity(t, sev), count=n) for (cat, sev), n in items
    )


def digest_text(
    t: Translator,
    *,
    site: str,
    figures: Figures,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    shifts: list[str],
    not_handed: list[str],
    names: dict[str, str] | None = None,
) -> str:
    """The digest: one line a subject, each with its counts; nothing is left out when it is zero,
    so a quiet shift reads as quiet rather than as missing. ``names``: shift code → name."""
    shown = names or {}
    f = figures
    header = t("digest.header_shift", site=site, shifts="、".join(shifts), span=_span(start, end, zone))
    lines = [header if shifts else t("digest.header", site=site, span=_span(start, end, zone))]
    lines.append(t("digest.incidents", opened=sum(f.opened.values()), closed=sum(f.closed.values())))
    if f.opened:
        lines.append(t("digest.opened", mix=_mix(t, f.opened)))
    if f.closed:
        lines.append(t("digest.closed", mix=_mix(t, f.closed)))
    if f.majors:
        lines.append(t("digest.majors", count=len(f.majors)))
        for m in f.majors:
            state = t("digest.major_open") if m.open else t("digest.major_closed")
            if m.open and m.acknowledged_name:
                state = t("digest.major_acknowledged", name=m.acknowledged_name)
            elif m.open and m.escalation == "pending":
                state = t("digest.major_unacknowledged")
            lines.append(t("digest.major", number=m.number, category=category(t, m.category), state=state))
    lines.append(
        t(
            "digest.tickets",
            opened=f.tickets_opened,
            vip=f.tickets_vip,
            resolved=f.tickets_resolved,
            overdue=f.tickets_overdue,
        )
    )
    mix = t("digest.sep").join(
        t(f"digest.sat.{rating}", count=f.satisfaction[rating]) for rating in SATISFACTION if f.satisfaction.get(rating)
    )
    lines.append(t("digest.callbacks", count=f.callbacks_done, mix=mix or t("digest.none")))
    lines.append(t("digest.keys", out=f.keys_out, overdue=f.keys_overdue))
    lines.append(
        t(
            "digest.patrols",
            done=f.rounds_done,
            late=f.rounds_late,
            missed=f.rounds_missed,
            pending=f.rounds_open,
        )
    )
    handed = [
        t(f"digest.handover.{status}", shift=shown.get(code, code), name=name or "?")
        for code, status, name in f.handovers
    ] + [t("digest.handover.none", shift=code) for code in not_handed]
    lines.append(t("digest.handovers", states=t("digest.sep").join(handed) if handed else t("digest.none")))
    lines.append(t("digest.rule"))
    return "\n".join(lines)
