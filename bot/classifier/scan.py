"""What the rules saw in one message (a ``Scan``), and how sure the rules are of their reading.

Kept apart from ``rules`` (the decisions): the scan is filled by the lexicon matcher and read by
every decision; the confidence is what the cascade uses to decide whether to ask the LLM.
"""

from __future__ import annotations

from collections import defaultdict

# Signals that small talk may carry without being a record (a question, an exclamation).
_SMALL_TALK_SIGNALS = frozenset({"chitchat", "question", "urgent_words"})


class Scan:
    __slots__ = (
        "category",
        "contested",
        "covered",
        "emergencies",
        "first",
        "future",
        "intent",
        "length",
        "letters",
        "matches",
        "neutral",
        "place",
        "severity",
        "signals",
    )

    def __init__(self, length: int) -> None:
        self.length = length
        self.covered = 0  # characters inside a matched term
        self.letters = 0  # letters and ideographs in the message
        self.contested = False  # a place or idle-equipment word gave way to an event word
        self.matches = 0
        self.emergencies: frozenset[str] = frozenset()  # families of the hard rule (families.py)
        self.neutral = 0
        self.intent: defaultdict[str, float] = defaultdict(float)
        self.category: defaultdict[str, float] = defaultdict(float)
        self.place: defaultdict[str, float] = defaultdict(float)
        self.severity: defaultdict[str, float] = defaultdict(float)
        self.signals: defaultdict[str, int] = defaultdict(int)
        self.first: dict[str, int] = {}  # signal → position of its first occurrence
        self.future = False  # the text names a day or hour still to come (set by classify_sync)


def confidence(intent: str, intent_conf: float, category: str, cat_conf: float, scan: Scan) -> float:
    """How likely intent *and* category are both right: low means "ask the LLM".

    The product of the intent's and the category's margins, lowered when a place word had to give
    way to an event word (the rules made a judgement call) and when most of a longer message is
    words the lexicon does not know (what it says may change the reading).
    """
    sig = scan.signals
    if intent == "other" and sig.get("chitchat") and not scan.category:
        if any(n for name, n in sig.items() if name not in _SMALL_TALK_SIGNALS):
            return 0.45  # small talk next to record words (交接, 钥匙, 无异常): a record in words we miss
        return round(min(0.95, 0.6 + 0.1 * sig["chitchat"]), 3)
    conf = intent_conf * cat_conf
    if scan.contested:
        conf *= 0.9
    if scan.letters >= 8:
        # Unknown words may change the reading: on fresh messages, those with under 40 % of their
        # letters inside known terms were right ~70 % of the time, the others ~90 %.
        if scan.covered < 0.25 * scan.letters:
            conf *= 0.85
        elif scan.covered < 0.4 * scan.letters:
            conf *= 0.92
    return round(max(0.05, min(0.98, conf)), 3)
