"""The shift digest (班次简报): one private message per site to each manager at the end of each shift
(at fixed policy times on a day without rostered shifts), and ``/digest on|off``."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.digest import commands, schedule

__all__ = ["FEATURE"]

FEATURE = Feature.combine("digest", commands.PART, schedule.PART)
