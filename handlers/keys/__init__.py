"""Keys (钥匙): the register, loans, approvals, witnesses, overdue pings and the daily key report."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.keys import commands, register_commands

__all__ = ["FEATURE"]

FEATURE: Feature = Feature.combine("keys", commands.PART, register_commands.PART)
