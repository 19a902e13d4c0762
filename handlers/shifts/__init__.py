"""Shifts (值班表), handover and takeover (交接班), standing orders (上级指令), the signed daily log, and
leave and swaps approved by a supervisor (请假 / 调班)."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.shifts import commands, daylog, handover, leave, orders, request_commands, swaps

__all__ = ["FEATURE"]

FEATURE = Feature.combine(
    "shifts", commands.PART, handover.PART, orders.PART, daylog.PART, leave.PART, swaps.PART, request_commands.PART
)
