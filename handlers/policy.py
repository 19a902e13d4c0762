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
