"""The regulations' numbers as policy settings: a default, the clause it comes from, and a site
override (``Site.policy``). The documents disagree on many numbers, so none is hard-coded elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Policy:
    # Major event: report up the chain at once, no delay, no concealing (000 L151; 001). The repeat
    # interval until someone acknowledges is the foundation issue's default.
    escalation_repeat_minutes: float = 10
    # Major event: a written report the next day (000 L144; 001 L479); reminded each morning until filed.
    report_reminder_hour: int = 9
    # Free text in the duty group below this classifier confidence gets no draft card (chit-chat).
    draft_min_confidence: float = 0.55
    # Invite links are one-time and expire.
    invite_valid_hours: int = 72
    # Keys: a loan is returned the same day ("当天借当天还", 001 L1041, L1335); due at this hour, site
    # time (a loan made later is due at the end of that day).
    key_due_hour: int = 18
    # An overdue key: the borrower and the duty group are pinged at the due time, the supervisors
    # each morning at this hour until it is returned (001 L291 "对未收回的钥匙要查明原因").
    key_overdue_morning_hour: int = 9
    # The key register checked daily (000 L514, L571): the daily key report to the duty group.
    key_report_hour: int = 21
    # Outside borrowers need a leader's signature (001 L1043): a supervisor approves first.
    key_external_approval: bool = True
    # Sealed (custody) keys: the manager approves and two staff are present (000 L505-508); the GM's
    # approval as well where the site says so (000 L506) — an admin's tap counts as the GM's.
    key_sealed_witnesses: int = 2
    key_sealed_gm_approval: bool = False

    @classmethod
    def for_site(cls, overrides: dict[str, Any] | None) -> Policy:
        """Defaults with a site's overrides applied; unknown or ill-typed keys are ignored."""
        base = cls()
        if not overrides:
            return base
        known = {f.name: type(getattr(base, f.name)) for f in fields(cls)}
        clean: dict[str, Any] = {}
        for key, value in overrides.items():
            kind = known.get(key)
            if kind is None:
                continue
            try:
                clean[key] = kind(value)
            except (TypeError, ValueError):
                continue
        return replace(base, **clean)
