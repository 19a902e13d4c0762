"""Patrols (巡查): plans, rounds, checkpoints with proof, findings and their re-checks."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.patrols import commands, review

__all__ = ["FEATURE"]

FEATURE: Feature = Feature.combine("patrols", commands.PART, review.PART)
