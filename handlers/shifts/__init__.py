"""Shifts (值班表), handover and takeover (交接班), standing orders (上级指令) and the signed daily log."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.shifts import commands, daylog, handover, orders

__all__ = ["FEATURE"]

FEATURE = Feature.combine("shifts", commands.PART, handover.PART, orders.PART, daylog.PART)
