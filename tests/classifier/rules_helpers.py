"""Helpers shared by the rules classifier tests (test_rules_*.py): the labelled data sets, and
classifying as a staff member in the group or as a resident in private."""

from __future__ import annotations

import json
from pathlib import Path

from bot.classifier.rules import RuleClassifier
from handlers.core.classification import Classification

HERE = Path(__file__).resolve().parent


def load(name: str) -> list[dict]:
    with (HERE / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def staff(rules: RuleClassifier, text: str) -> Classification:
    return rules.classify_sync(text, speaker="staff", private=False)


def resident(rules: RuleClassifier, text: str) -> Classification:
    return rules.classify_sync(text, speaker="resident", private=True)
