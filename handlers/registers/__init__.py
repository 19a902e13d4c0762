"""Registers as spreadsheets (issue 20 point 3): ``/export KIND [YYYY-MM]`` in private sends a register
as an XLSX file to a supervisor or above, their own sites only. The writer is
``handlers.core.export_xlsx``, shared with ``dutydesk export --format xlsx``."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.registers import commands

__all__ = ["FEATURE"]

FEATURE: Feature = Feature.combine("registers", commands.PART)
