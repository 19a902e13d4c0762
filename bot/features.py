"""The features this app is built with, in the order their help lines and handover sections appear.
Add a feature here: the registry hands it to the router, the timer sweep, the drafts, the handover
report and ``dutydesk export``."""

from __future__ import annotations

from handlers import digest, dutylog, keys, patrols, registers, reports, setup, shifts, tickets
from handlers.core.feature import Feature
from handlers.core.registry import Registry

FEATURES: tuple[Feature, ...] = (
    setup.FEATURE,
    dutylog.FEATURE,
    shifts.FEATURE,
    keys.FEATURE,
    tickets.FEATURE,
    patrols.FEATURE,
    reports.FEATURE,
    digest.FEATURE,
    registers.FEATURE,
)


def registry() -> Registry:
    """The app's features, indexed (a name declared twice is an error here, at start-up)."""
    return Registry(FEATURES)
