"""Reports for managers (issue 20): the monthly statistics with charts and a workbook (``/report``,
the monthly timer, ``dutydesk report monthly``) and ``/stats`` in the duty group."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.reports import commands

__all__ = ["FEATURE"]

FEATURE: Feature = Feature.combine("reports", commands.PART)
