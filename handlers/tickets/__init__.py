"""Residents' tickets: their messages in private, the duty group's card, relays, timers and callbacks (回访)."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.tickets import callbacks, residents, staff

__all__ = ["FEATURE"]

FEATURE = Feature.combine("tickets", residents.PART, staff.PART, callbacks.PART)
