"""The stable codes of SPEC §3: intents, categories and severities; and the roles (SPEC §1) and
patrol proofs that the command line offers as choices.

The classifier, the records and the exports use exactly these strings. This module imports nothing
of the database layer (storage.codes is a leaf), so `dutydesk --help` can list the choices without loading it.
"""

from __future__ import annotations

from typing import Final, Literal, TypeGuard, get_args

from storage.codes import Proof, Role, Severity

Intent = Literal[
    "incident",
    "complaint",
    "repair",
    "inquiry",
    "key_borrow",
    "key_return",
    "handover",
    "takeover",
    "patrol_report",
    "other",
]

# The first eight come from the duty-log list of source 000 L107-115 (风火水电 split in four).
Category = Literal[
    "theft",
    "fire",
    "water",
    "power",
    "weather",
    "fight",
    "staff_violation",
    "move",
    "construction",
    "equipment",
    "security",
    "medical",
    "noise",
    "sanitation",
    "parking",
    "fees",
    "service",
    "other",
]


INTENTS: Final[tuple[Intent, ...]] = get_args(Intent)
CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)
SEVERITIES: Final[tuple[Severity, ...]] = tuple(Severity)


def is_category(code: str) -> TypeGuard[Category]:
    """Whether a stored or typed string is a category code this version knows."""
    return code in CATEGORIES


# Roles are per site (SPEC §1), lowest first; a higher role may do what a lower one may.
ROLES: Final[tuple[Role, ...]] = tuple(Role)
# What proves a patrol checkpoint was visited.
PROOFS: Final[tuple[Proof, ...]] = tuple(Proof)

# Ordering used when listing: major first (source 000 L151 — major events come before all else).
SEVERITY_RANK: Final[dict[str, int]] = {s: s.order for s in Severity}

# Intents that a duty-group message can be recorded as (a draft card is offered for these).
GROUP_RECORD_INTENTS: Final[frozenset[str]] = frozenset(
    {"incident", "key_borrow", "key_return", "patrol_report", "handover", "takeover"}
)
# Intents a resident's private message is filed as.
RESIDENT_TICKET_INTENTS: Final[frozenset[str]] = frozenset({"complaint", "repair", "inquiry"})
