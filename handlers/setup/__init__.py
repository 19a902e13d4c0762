"""Setting up a site (值班群), its people and their roles: /setup, /invite, /start, /whoami, /staff, /remove."""

from __future__ import annotations

from handlers.core.feature import Feature
from handlers.setup import commands, staff

__all__ = ["FEATURE"]

FEATURE = Feature.combine("setup", commands.PART, staff.PART)
