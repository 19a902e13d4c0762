"""What the classifier tells the features, and the protocol it implements.

The classifier itself lives in ``bot/classifier`` (rules + optional LLM); features see only this.
Its answer is a suggestion: it never approves, escalates past a human or changes permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Speaker = Literal["staff", "resident"]
Source = Literal["rules", "llm"]


@dataclass(frozen=True, slots=True)
class TimeHint:
    """A time of day the text mentions ("10点半", "昨晚11点", "at 3pm"); resolved in the site's zone."""

    hour: int
    minute: int = 0
    day_offset: int = 0  # 0 today, -1 yesterday ("昨晚", "琴日")


@dataclass(frozen=True, slots=True)
class Classification:
    intent: str  # one of taxonomy.INTENTS
    category: str  # one of taxonomy.CATEGORIES
    severity: str  # one of taxonomy.SEVERITIES
    confidence: float  # 0..1
    source: Source = "rules"
    location: str | None = None  # "3栋2单元", "B座1802", "Tower 2"
    time: TimeHint | None = None
    # The next most likely categories, best first (at most 3, never the chosen one): the draft card
    # offers them as one-tap corrections.
    alternatives: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The `dutydesk classify` contract (SPEC §6) plus the extracted location."""
        data: dict[str, object] = {
            "intent": self.intent,
            "category": self.category,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "source": self.source,
        }
        if self.location:
            data["location"] = self.location
        return data


class Classifier(Protocol):
    """Reads one message. ``speaker`` and ``private`` matter: the same words from a resident in
    private are a repair or complaint; from staff in the duty group they are usually an incident."""

    async def classify(self, text: str, *, speaker: Speaker, private: bool) -> Classification: ...
