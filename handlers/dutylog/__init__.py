"""The duty log (值班日志): records and drafts, escalation of major and urgent events, the written report."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.dutylog import commands, drafts, escalation, written

__all__ = ["FEATURE"]

FEATURE = Feature.combine("dutylog", commands.PART, escalation.PART, written.PART, drafts.PART)
