"""The features, in the order their handover sections and help lines appear. Add a feature here."""

from __future__ import annotations

from handlers import (
    callbacks,
    daylog,
    drafts,
    dutylog,
    escalation,
    handover,
    keys,
    orders,
    patrols,
    residents,
    setup,
    shifts,
    staff,
    tickets,
)
from handlers.feature import Feature

FEATURES: tuple[Feature, ...] = (
    setup.FEATURE,
    dutylog.FEATURE,
    escalation.FEATURE,
    drafts.FEATURE,
    residents.FEATURE,
    staff.FEATURE,
    shifts.FEATURE,
    handover.FEATURE,
    orders.FEATURE,
    daylog.FEATURE,
    keys.FEATURE,
    tickets.FEATURE,
    callbacks.FEATURE,
    patrols.FEATURE,
)
