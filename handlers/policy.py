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
    # Patrols (000 L451; 001 L543, L811, L813). A round not started this long after it falls due gets
    # a reminder in the duty group (the guard-tour "grace period for late notification", 15 minutes
    # by default, peers.md §7); a plan may set its own.
    patrol_grace_minutes: int = 15
    # Not done this long after that reminder, it goes to the supervisors in private: what stays
    # unfinished is reported up (001 L551 P15), slackness is not let pass (001 L823).
    patrol_escalate_minutes: int = 15
    # A finding's incident closed: the group is reminded of the on-site re-check this often until
    # someone confirms it (001 L551 P15 复查; L1357 verify on site after the fix).
    patrol_recheck_repeat_minutes: int = 60
    # A shared location proves a checkpoint within this many metres, unless the checkpoint sets its
    # own radius (guard-tour GPS checkpoints advise 15-20 m accuracy; phones indoors do worse).
    patrol_radius_m: int = 50
    # The handover report lists the late and missed rounds due within this many hours.
    patrol_handover_hours: int = 12

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
