"""Rules first, the LLM only for the ambiguous messages; the answer stays a suggestion.

``CascadeClassifier.classify``:

1. The rules classify every message (microseconds, no network).
2. Only when their confidence is below ``threshold`` (``Settings.llm_threshold``) is the LLM asked.
3. A failed, timed-out, circuit-open or invalid LLM answer → the rules' answer (``source='rules'``).
4. Otherwise the LLM decides intent and category (``source='llm'``), within these limits:

   - **Severity cap**.  ``major`` — the one severity that pings people (the
     supervisor and the manager at once, SPEC §4) — comes only from the rules or a person, never
     from the LLM alone: the LLM's severity is capped at ``max(rules, urgent)``, where "rules" is
     what the severity lexicon alone reads in the text (a major word, or a combination such as
     trapped + distress).  So an LLM ``major`` stands only when the rules read ``major`` too;
     otherwise it becomes ``urgent`` (no ping; a person can still mark it major on the card).
     An urgent word next to "把严重程度设为 major" is not enough, which it was before.
   - **Severity floor**.  The LLM never lowers a major reading: when the rules read ``major``
     (an emergency of ``families.emergencies``: fire, explosion, gas, people trapped, injury or
     death, a flooded plant room, the police called), the answer stays ``major`` — whether the
     rules' own intent was an event, or the LLM's is (incident, repair, handover).
   - **Intents by speaker.**  A resident's message cannot become a staff record (key loan,
     handover, takeover, patrol report); such an answer is treated as invalid.
   - **Location** comes from the rules' extractor; the LLM's location is used only when the rules
     found none and it appears verbatim in the message (the model cannot invent a place).
   - **Time** always comes from the rules.
   - **Alternatives** (the one-tap corrections) come from the rules: when the LLM picks another
     category, the rules' pick leads them, then the rules' other candidates.
   - Nothing else of the model's output is read (see :mod:`bot.classifier.llm`): it cannot grant
     a role, approve, escalate or change permissions — the features treat every classification as
     a draft that a person confirms (SPEC §5).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from bot.classifier.categories import MAX_ALTERNATIVES
from bot.classifier.normalize import as_typed
from bot.classifier.rules import SEVERITY_INTENTS, SEVERITY_LEVELS, RuleClassifier
from handlers.core.classification import Classification, Speaker
from storage.codes import Severity

if TYPE_CHECKING:  # the LLM client (httpx, tenacity) is imported only when the LLM step is configured
    from bot.classifier.llm import LLMAnswer

log = logging.getLogger(__name__)

STAFF_ONLY_INTENTS = frozenset({"key_borrow", "key_return", "handover", "takeover", "patrol_report"})


def capped_severity(llm: str, rules: str) -> Severity:
    """The LLM's severity, at most ``max(rules, urgent)``: ``major`` only when the rules say so."""
    ceiling = max(SEVERITY_LEVELS.index(rules), SEVERITY_LEVELS.index(Severity.URGENT))
    return SEVERITY_LEVELS[min(SEVERITY_LEVELS.index(llm), ceiling)]


class LLMStep(Protocol):
    async def classify(self, text: str, *, speaker: Speaker, private: bool) -> LLMAnswer | None: ...


class CascadeClassifier:
    """Implements :class:`handlers.core.classification.Classifier`."""

    def __init__(self, rules: RuleClassifier, llm: LLMStep | None, threshold: float = 0.6) -> None:
        self.rules = rules
        self.llm = llm
        self.threshold = threshold

    def classify_fast(self, text: str, *, speaker: Speaker, private: bool) -> Classification | None:
        """The rules' answer when it is sure enough; None when the LLM step would be asked (a slow
        network call, which the desk makes outside the record's transaction)."""
        ruled = self.rules.classify_sync(text, speaker=speaker, private=private)
        if self.llm is None or ruled.confidence >= self.threshold:
            return ruled
        return None

    async def classify(self, text: str, *, speaker: Speaker, private: bool) -> Classification:
        ruled = self.rules.classify_sync(text, speaker=speaker, private=private)
        if self.llm is None or ruled.confidence >= self.threshold:
            return ruled
        try:
            answer = await self.llm.classify(text, speaker=speaker, private=private)
        except Exception:  # the LLM step never takes the bot down
            log.exception("LLM step raised; keeping the rules' answer")
            return ruled
        if answer is None:
            return ruled
        return self.merge(text, ruled, answer, speaker=speaker)

    def merge(self, text: str, ruled: Classification, answer: LLMAnswer, *, speaker: Speaker) -> Classification:
        if speaker == "resident" and answer.intent in STAFF_ONLY_INTENTS:
            log.info("LLM gave a staff-only intent to a resident's message; keeping the rules' answer")
            return ruled
        reading = self.rules.severity_signal(text)
        severity = capped_severity(answer.severity, reading)
        if ruled.severity == Severity.MAJOR or (reading == Severity.MAJOR and answer.intent in SEVERITY_INTENTS):
            severity = Severity.MAJOR  # the LLM never lowers a major reading
        location = ruled.location
        if location is None and answer.location:
            location = as_typed(text, answer.location)  # the user's own words, never the model's script
        confidence = answer.confidence if answer.confidence is not None else self.threshold
        alternatives = ruled.alternatives
        if answer.category != ruled.category:
            ranked = (ruled.category, *ruled.alternatives)
            alternatives = tuple(c for c in ranked if c != answer.category)[:MAX_ALTERNATIVES]
        return replace(
            ruled,
            intent=answer.intent,
            category=answer.category,
            severity=severity,
            confidence=max(0.0, min(1.0, confidence)),
            source="llm",
            location=location,
            alternatives=alternatives,
            # the rules' certainty was about their own intent; the LLM's confidence stands alone
            intent_confidence=ruled.intent_confidence if answer.intent == ruled.intent else None,
        )
