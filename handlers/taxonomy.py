"""The stable codes of SPEC §3: intents, categories and severities.

The classifier, the records and the exports use exactly these strings.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

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

Severity = Literal["normal", "urgent", "major"]

INTENTS: Final[tuple[str, ...]] = get_args(Intent)
CATEGORIES: Final[tuple[str, ...]] = get_args(Category)
SEVERITIES: Final[tuple[str, ...]] = get_args(Severity)

# Ordering used when listing: major first (source 000 L151 — major events come before all else).
SEVERITY_RANK: Final[dict[str, int]] = {"major": 0, "urgent": 1, "normal": 2}

# Intents that a duty-group message can be recorded as (a draft card is offered for these).
GROUP_RECORD_INTENTS: Final[frozenset[str]] = frozenset(
    {"incident", "key_borrow", "key_return", "patrol_report", "handover", "takeover"}
)
# Intents a resident's private message is filed as.
RESIDENT_TICKET_INTENTS: Final[frozenset[str]] = frozenset({"complaint", "repair", "inquiry"})
