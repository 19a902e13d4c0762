"""The features, in the order their handover sections and help lines appear. Add a feature here."""

from __future__ import annotations

from handlers import drafts, dutylog, escalation, patrols, residents, setup
from handlers.feature import Feature

FEATURES: tuple[Feature, ...] = (
    setup.FEATURE,
    dutylog.FEATURE,
    escalation.FEATURE,
    drafts.FEATURE,
    residents.FEATURE,
    patrols.FEATURE,
)
