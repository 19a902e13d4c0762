"""The duty log (值班日志): records and drafts, escalation of major events, the major-incident chain."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.dutylog import commands, drafts, escalation

__all__ = ["FEATURE"]

FEATURE = Feature.combine("dutylog", commands.PART, escalation.PART, drafts.PART)
