"""The rules classifier: lexicon scan + a few decisions, no network, tens of microseconds a message.

One pass of the compiled lexicon (see :mod:`bot.classifier.lexicon`) over the normalised text gives
scores for intents and categories, severity words and *signals*; the decisions below combine them
with who is speaking and where:

- key words + a return verb → ``key_return``; + a borrow verb → ``key_borrow``;
- 交班/交更 → ``handover``; 接班/接更/已接班 → ``takeover``; 巡查/巡楼 + 正常/完毕 (or a checklist of
  ticks) → ``patrol_report`` (a patrol that found something urgent is an ``incident``);
- an event (a category with evidence, or a fault word) from **staff** → ``incident``; from a
  **resident** → ``complaint`` for nuisance categories (noise, sanitation, service…), ``repair``
  for faults, ``incident`` for emergencies (fire, fight, injury…) at urgent severity or above;
- explicit 投诉 / 报修 / 请问 decide for anybody (staff also register residents' calls);
- questions without a problem → ``inquiry``; chit-chat (好的, 收到, thanks, 👍) and nothing at all
  → ``other`` (decisive for chit-chat, low confidence for text nothing matched).

Confidence is the intent's margin over the runner-up blended with the category's margin, lowered
when a place word gave way or when much of the message is words the lexicon does not know, so that
the low-confidence answers are the ambiguous ones: the cascade sends only those to the LLM.

``alternatives`` lists the other categories the text gave evidence for, best first (at most three):
the draft card offers them as one-tap corrections.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from bot.classifier.categories import (
    alternatives,
    best_category,
    decide_category,
    quick_severity_level,
    weigh_places,
)
from bot.classifier.extract import extract_location
from bot.classifier.families import (
    NOTICE_WEIGHT,
    SHIFT_WEIGHT_IN_QUESTION,
    asks_about_shift,
    emergencies,
    is_future,
    is_notice,
    weigh_events,
    weigh_heater,
    weigh_staff_conduct,
)
from bot.classifier.lexicon import PACKAGE_LEXICON_DIR, CompiledLexicon, Lexicon
from bot.classifier.normalize import normalize_pair
from bot.classifier.scan import Scan as _Scan
from bot.classifier.scan import confidence as _confidence
from bot.classifier.times import extract_time
from handlers.core.classification import Classification, Speaker
from handlers.core.taxonomy import INTENTS
from storage.codes import Severity

SEVERITY_LEVELS: tuple[Severity, ...] = (Severity.NORMAL, Severity.URGENT, Severity.MAJOR)


# A resident reporting these at urgent severity or above reports an incident, not a ticket.
RESIDENT_EMERGENCIES = frozenset({"fire", "fight", "medical", "security", "theft"})
# Mentioning these is already a grievance when a resident writes (a question aside).
NUISANCE_CATEGORIES = frozenset({"noise", "sanitation", "service", "staff_violation", "security"})
# Intents whose severity is not an event's severity.
_NO_SEVERITY_INTENTS = frozenset(
    {"inquiry", "other", "key_borrow", "key_return", "takeover", "patrol_report", "complaint"}
)
# Intents that carry the event's severity (the cascade keeps a major reading for these).
SEVERITY_INTENTS = frozenset({"incident", "repair", "handover"})
assert frozenset(INTENTS) == SEVERITY_INTENTS | _NO_SEVERITY_INTENTS
_NEGATORS = frozenset("不没无冇未非别勿唔")


class RuleClassifier:
    """Implements :class:`handlers.core.classification.Classifier` from data files only."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._compiled: CompiledLexicon = lexicon.compile()

    @classmethod
    def load(cls, extra_dir: Path | None = None) -> RuleClassifier:
        """The packaged lexicon, plus every ``*.toml`` in ``extra_dir`` (``Settings.lexicon_dir``)."""
        return cls(Lexicon.from_dirs(PACKAGE_LEXICON_DIR, extra_dir))

    async def classify(self, text: str, *, speaker: Speaker, private: bool) -> Classification:
        return self.classify_sync(text, speaker=speaker, private=private)

    def classify_fast(self, text: str, *, speaker: Speaker, private: bool) -> Classification:
        """The rules never need the network: always an answer (handlers.core.context.Context.classify)."""
        return self.classify_sync(text, speaker=speaker, private=private)

    def classify_sync(self, text: str, *, speaker: Speaker, private: bool) -> Classification:
        cased, low = normalize_pair(text)
        scan = self._scan(low)
        time = extract_time(low)
        scan.future = is_future(time, scan.signals)
        intent, intent_conf = _decide_intent(scan, speaker=speaker)
        category, cat_conf = decide_category(scan, intent)
        severity = _decide_severity(scan, intent, category, self._compiled)
        confidence = _confidence(intent, intent_conf, category, cat_conf, scan)
        return Classification(
            intent=intent,
            category=category,
            severity=severity,
            confidence=confidence,
            source="rules",
            location=extract_location(cased, low),
            time=time,
            alternatives=alternatives(scan, intent, category),
            intent_confidence=round(intent_conf * (0.9 if scan.contested else 1.0), 3),
            problem=names_problem(scan),
            done=bool(scan.signals.get("done")),
        )

    def severity_signal(self, text: str) -> Severity:
        """The severity the severity lexicon alone sees in ``text`` whatever the intent (used by the
        cascade's cap and floor); a drill or a notice of planned works reads ``normal``."""
        _, low = normalize_pair(text)
        scan = self._scan(low)
        if is_notice(scan.signals, future=is_future(extract_time(low), scan.signals)):
            return Severity.NORMAL
        level = _severity_level(scan, self._compiled)
        return SEVERITY_LEVELS[level]

    def _scan(self, low: str) -> _Scan:
        scan = _Scan(len(low))
        scan.letters = sum(1 for ch in low if ch.isalpha())
        covered_to = 0
        for start, end, feats in self._compiled.scan(low):
            scan.covered += end - max(start, covered_to)
            covered_to = end
            negated = start > 0 and (
                low[start - 1] in _NEGATORS or (start > 1 and low[start - 2] in _NEGATORS and low[start - 1] == "有")
            )
            scan.matches += 1
            for kind, label, weight in feats:
                if kind == "category":
                    scan.category[label] += weight
                elif kind == "place":
                    scan.place[label] += weight
                elif kind == "intent":
                    scan.intent[label] += weight
                elif kind == "severity":
                    if not negated:
                        scan.severity[label] += weight
                elif kind == "signal":
                    if not negated or label in ("question", "chitchat", "ok"):
                        scan.signals[label] += 1
                        scan.first.setdefault(label, start)
                else:  # neutral
                    scan.neutral += 1
        if scan.signals.get("trapped") and scan.category.get("fire", 0.0) < 2.0:
            scan.category["equipment"] += 3.0  # people are trapped in lifts (困梯), unless by a fire
        scan.emergencies = emergencies(scan.signals)
        if scan.emergencies:
            scan.severity["major"] += 3.0  # the hard rule: an emergency family is major
        scan.contested = weigh_events(scan.category, scan.signals)
        scan.contested = weigh_staff_conduct(scan.category, scan.signals) or scan.contested
        weigh_heater(scan.category, scan.signals)
        weigh_places(scan)
        return scan


def _decide_intent(scan: _Scan, *, speaker: Speaker) -> tuple[str, float]:
    sig = scan.signals
    first = scan.first
    scores: defaultdict[str, float] = defaultdict(float)
    for intent, value in scan.intent.items():
        scores[intent] += value
    cat, cat_score, _ = best_category(scan)
    event = cat_score >= 2.0 or (scan.severity.get("urgent", 0.0) + scan.severity.get("major", 0.0)) >= 3.0
    fault = sig.get("fault", 0)
    question = sig.get("question", 0)
    severe = quick_severity_level(scan) >= 1
    notice = speaker == "staff" and is_notice(sig, future=scan.future)
    if notice:
        event, fault, severe = False, 0, False  # announced, not happened (a drill, planned works)
        scores["other"] += NOTICE_WEIGHT
    if asks_about_shift(sig, future=scan.future):
        for shift in ("takeover", "handover"):
            if shift in scores:
                scores[shift] *= SHIFT_WEIGHT_IN_QUESTION
    # Frequency words alone (成日, every day) are weak: "the light often flickers" is still a repair.
    dissatisfied = scores.get("complaint", 0.0) >= 2.0

    # Keys: a key word with a return or borrow verb; the verb that comes first wins
    # ("took the key, will return it by 5" is a loan).
    keyed = False
    if sig.get("key"):
        ret, bor = first.get("return"), first.get("borrow")
        if ret is not None and (bor is None or ret <= bor):
            scores["key_return"] += 4.0
            keyed = True
        elif bor is not None:
            scores["key_borrow"] += 4.0
            keyed = True
    if keyed and not (fault or severe):
        event = False  # the rooms a key opens (配电房, 水箱) are not events

    # Patrols: a patrol word, better with "normal/done", or a checklist of ticks.
    if sig.get("patrol"):
        scores["patrol_report"] += 2.0 + (1.5 if sig.get("ok") else 0.0)
    if sig.get("ok", 0) >= 3:
        scores["patrol_report"] += 3.5
    if scores["patrol_report"] and severe and (sig.get("found") or scan.emergencies):
        scores["incident"] += scores["patrol_report"] + 1.0  # a patrol that found a fire is a fire
    elif sig.get("patrol") and not severe and (fault or sig.get("ok") or _found_hazard(sig)):
        # A patrol that found a broken light or a blocked exit is still a patrol report (its "发现"
        # leans incident).
        scores["patrol_report"] += 1.5 + (1.0 if sig.get("found") else 0.0)

    # Events and faults: who speaks decides what they are.
    if event or fault:
        weight = 1.5 + min(cat_score, 6.0) * 0.25 + min(fault, 2) * 0.5
        if speaker == "resident":
            if scan.emergencies or (severe and cat in RESIDENT_EMERGENCIES and not question):
                # an emergency (a fire, gas, someone trapped or hurt) even asked about: "煤气味 怎么办"
                scores["incident"] += weight + 1.0
            elif dissatisfied:
                scores["complaint"] += weight
            elif cat == "theft" and not question:
                scores["incident"] += weight + 1.0  # something was stolen: an event, not a repair
            elif fault:
                scores["repair"] += weight + 0.5
            elif cat in NUISANCE_CATEGORIES:
                scores["complaint"] += weight
            elif not question:
                scores["complaint" if cat in ("fees", "parking", "move", "construction") else "repair"] += weight * 0.7
                scan.contested = True  # neither a fault nor a grievance word: a guess from the category
        else:
            scores["incident"] += weight + (1.0 if severe else 0.0)

    if question:
        strong_context = fault or dissatisfied or (event and speaker == "staff")
        scores["inquiry"] += min(question, 3) * (0.7 if strong_context else 1.5)
    if sig.get("chitchat") and not event and not fault:
        scores["other"] += 1.0 + 0.8 * sig["chitchat"]

    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] < 1.0:
        return "other", 0.3 if scan.matches else 0.35
    best, best_score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    # The margin over the runner-up, squashed to [0.5, 1): a tie is a coin toss.
    conf = 1.0 - 0.5 * math.exp(-(best_score - second) / 2.0)
    if best_score < 2.0:
        conf *= 0.85  # one weak word decided
    return best, conf


def names_problem(scan: _Scan) -> bool:
    """Whether the text names something wrong: a fault (broken, leaking, left unlocked), a blocked
    exit, an urgent or major reading, or something found or still pending together with what it is.
    Negated words (无异常, 门已锁好, no issues found) give no signal, so they name none."""
    sig = scan.signals
    if sig.get("fault") or _found_hazard(sig) or scan.emergencies or quick_severity_level(scan):
        return True
    if sig.get("fire_exit") and sig.get("blocked"):
        return True
    _, score, _ = best_category(scan)
    return bool((sig.get("found") or sig.get("pending")) and score >= 1.5)


def _found_hazard(sig: defaultdict[str, int]) -> bool:
    """发现 + something blocked or parked where it should not be (a fire exit, a lane)."""
    return bool(sig.get("found") and (sig.get("blocked") or sig.get("parking_act")))


def _severity_level(scan: _Scan, compiled: CompiledLexicon) -> int:
    level = quick_severity_level(scan)
    if level < 2 and compiled.combos:
        present = {name for name, n in scan.signals.items() if n}
        cat, cat_score, _ = best_category(scan)
        for c, s in scan.category.items():
            if s >= 2.0:
                present.add("cat:" + c)
        if cat_score:
            present.add("cat:" + cat)
        if level >= 1:
            present.add("sev:urgent")
        for combo in compiled.combos:
            if combo.signals <= present:
                level = max(level, SEVERITY_LEVELS.index(combo.severity))
    if scan.emergencies:
        return 2  # fire, explosion, gas, trapped, injury, death, plant-room flood, police: major
    if scan.signals.get("false_alarm"):
        level = 0
    elif level == 1 and scan.signals.get("minor"):
        level = 0  # "knee grazed, first aid done", "sparks a bit"
    return level


def _decide_severity(scan: _Scan, intent: str, category: str, compiled: CompiledLexicon) -> Severity:
    if intent in _NO_SEVERITY_INTENTS:
        return Severity.NORMAL
    return SEVERITY_LEVELS[_severity_level(scan, compiled)]
