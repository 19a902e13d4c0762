"""What other features may use of the shifts (the only module of it they import): a site's shifts
and their instances in time (handlers.shifts.times), e.g. the shift digest sent at each shift's end."""

from __future__ import annotations

from handlers.shifts.times import Instance, ShiftDef, at_moment, instances, moment_of, moment_ref, shifts_of

__all__ = ["Instance", "ShiftDef", "at_moment", "instances", "moment_of", "moment_ref", "shifts_of"]
