"""Which category a scanned message is about: the category scores weighed (place words count less
than what happened), the best one with its margin, the runner-ups offered as corrections, and which
intents carry a category at all. Split from :mod:`bot.classifier.rules`, which decides the intent."""

from __future__ import annotations

import math

from bot.classifier.scan import Scan
from handlers.core.taxonomy import CATEGORIES

# Order breaks ties between categories: the dangerous ones first.
CATEGORY_PRIORITY = {
    c: i
    for i, c in enumerate(
        (
            "fire",
            "medical",
            "fight",
            "weather",
            "water",
            "power",
            "theft",
            "security",
            "equipment",
            "staff_violation",
            "construction",
            "move",
            "noise",
            "sanitation",
            "parking",
            "fees",
            "service",
            "other",
        )
    )
}
assert set(CATEGORY_PRIORITY) == set(CATEGORIES)

# Intents with no category to correct (a key loan, a takeover).
CATEGORYLESS_INTENTS = frozenset({"takeover", "key_borrow", "key_return"})
# Intents that name a category only when they report a problem.
PROBLEM_ONLY_INTENTS = frozenset({"handover", "patrol_report"})
# Intents about something that happened: with no known category, the category is a guess.
EVENT_INTENTS = frozenset({"incident", "complaint", "repair", "handover", "patrol_report"})


# Categories that name something that happened (an inquiry about a fee names no event).
EVENT_CATEGORIES = frozenset(
    {"fire", "medical", "fight", "weather", "water", "power", "theft", "security", "noise", "sanitation"}
    | {"staff_violation", "construction"}
)
# Where something happened is weaker evidence than what happened: 车库 + 摔伤 is medical.
PLACE_WEIGHT_WITH_EVENT = 0.3
# Equipment nouns (门铃, lift, 监控) without a fault are things the event happened at, not the event.
IDLE_EQUIPMENT_WEIGHT = 0.5


def weigh_places(scan: Scan) -> None:
    """Fold place words into the category scores: in full when nothing else happened, a third otherwise."""
    cats = scan.category
    sig = scan.signals
    if cats.get("equipment") and not (sig.get("fault") or sig.get("trapped")):
        others = max((v for c, v in cats.items() if c in EVENT_CATEGORIES), default=0.0)
        if others >= 1.5:
            cats["equipment"] *= IDLE_EQUIPMENT_WEIGHT
            scan.contested = True
    if scan.place:
        event = max((v for c, v in cats.items() if c != "other"), default=0.0) >= 1.5
        factor = PLACE_WEIGHT_WITH_EVENT if event else 1.0
        scan.contested = scan.contested or (event and any(c not in scan.place for c, v in cats.items() if v))
        for cat, weight in scan.place.items():
            cats[cat] += weight * factor


def best_category(scan: Scan) -> tuple[str, float, float]:
    """(best, its score, runner-up score); ``other`` has evidence too (拾到, 流浪狗) but ranks last."""
    best, best_score, second = "other", 0.0, 0.0
    for cat, score in scan.category.items():
        if score > best_score or (score == best_score and CATEGORY_PRIORITY[cat] < CATEGORY_PRIORITY[best]):
            second = max(second, best_score)
            best, best_score = cat, score
        else:
            second = max(second, score)
    return best, best_score, second


MAX_ALTERNATIVES = 3


def alternatives(scan: Scan, intent: str, category: str) -> tuple[str, ...]:
    """The other categories that had evidence (a term or a place word), best first, at most three.

    Only categories the text gave evidence for: nothing is padded in, so a message naming one thing
    has none.  Key loans and takeovers have no category to correct.
    """
    if intent in CATEGORYLESS_INTENTS:
        return ()
    ranked = sorted(
        (c for c, v in scan.category.items() if v > 0.0 and c != category),
        key=lambda c: (-scan.category[c], CATEGORY_PRIORITY[c]),
    )
    return tuple(ranked[:MAX_ALTERNATIVES])


def decide_category(scan: Scan, intent: str) -> tuple[str, float]:
    cat, score, second = best_category(scan)
    if intent in CATEGORYLESS_INTENTS:
        return "other", 1.0
    if intent in ("other", "inquiry") and scan.signals.get("drill"):
        return "other", 0.9  # a drill rehearses a category, it is not one
    if intent in PROBLEM_ONLY_INTENTS:
        # A handover or patrol names a category only when it reports a problem.
        sig = scan.signals
        problem = sig.get("fault") or sig.get("pending") or sig.get("found") or quick_severity_level(scan)
        if not problem:
            return "other", 0.9
    if score < 1.5:
        # An event or a ticket about nothing the lexicon knows: the category is a guess.
        return "other", (0.45 if intent in EVENT_INTENTS else 0.8)
    conf = 1.0 - 0.5 * math.exp(-(score - second) / 1.5)
    if score < 2.5:
        conf *= 0.9  # only medium evidence
    return cat, conf


def quick_severity_level(scan: Scan) -> int:
    """0 normal, 1 urgent, 2 major from the severity words alone (no combinations of signals)."""
    if scan.severity.get("major", 0.0) >= 3.0:
        return 2
    if scan.severity.get("urgent", 0.0) >= 2.0:
        return 1
    return 0
