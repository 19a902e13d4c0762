"""What the classifier tells the features, and the protocol it implements.

The classifier itself lives in ``bot/classifier`` (rules + optional LLM); features see only this.
Its answer is a suggestion: it never approves, escalates past a human or changes permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from storage.codes import Severity

Speaker = Literal["staff", "resident"]
Source = Literal["rules", "llm"]


@dataclass(frozen=True, slots=True)
class TimeHint:
    """When the text says something happens or happened ("10点半", "昨晚11点", "明天上午9点", "周三",
    "at 3pm yesterday"); :func:`handlers.parsing.resolve_time` turns it into a moment in the site's zone.

    ``hour`` is None when the text names a day but no time of day ("明天 3栋停水检修").
    """

    hour: int | None
    minute: int = 0
    day_offset: int = 0  # days from today: -1 昨天/昨晚/琴日, -2 前天, +1 明天/听日, +2 后天
    weekday: int | None = None  # 0 Monday … 6 Sunday (周三, 星期三, 禮拜三, Wednesday); replaces day_offset
    week_offset: int = 0  # with a weekday: -1 上周三 / last Wednesday, +1 下周三 / next Wednesday
    said_today: bool = False  # 今天, 今晚, tonight: a time later than now stays today


@dataclass(frozen=True, slots=True)
class Classification:
    intent: str  # one of taxonomy.INTENTS
    category: str  # one of taxonomy.CATEGORIES
    severity: Severity
    confidence: float  # 0..1
    source: Source = "rules"
    location: str | None = None  # "3栋2单元", "B座1802", "Tower 2"
    time: TimeHint | None = None
    # The next most likely categories, best first (at most 3, never the chosen one): the draft card
    # offers them as one-tap corrections.
    alternatives: tuple[str, ...] = ()
    # How sure the reading is of the intent alone (a record or not, and which); None when only the
    # overall confidence is known. A draft card needs only this: its category is one tap away.
    intent_confidence: float | None = None
    # The text names something wrong (a fault, a door left unlocked, a hazard, something found with
    # what it is), whatever its intent and even when no category fits: a patrol report that says
    # "done" and names a problem is a finding, not an all-clear (000 L376, L412).
    problem: bool = False
    # The text says a round or a task is over (完毕, 巡完, done).
    done: bool = False

    @property
    def record_confidence(self) -> float:
        return self.confidence if self.intent_confidence is None else max(self.confidence, self.intent_confidence)

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
