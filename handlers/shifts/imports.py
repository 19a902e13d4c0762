"""Loading the roster (值班表, 002 L10) from a CSV or XLSX file: columns ``date`` (YYYY-MM-DD),
``shift`` (code or name) and ``staff`` (Telegram id or @username; several per cell allowed).
Every row is checked first; one bad row and nothing of the file is loaded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.uploads import TableRow
from handlers.shifts.times import find_shift, shifts_of
from storage.codes import Role
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo
from storage.repos import sites

COLUMNS = ("date", "shift", "staff")  # the roster file's column headers
_SPLIT = re.compile(r"[\s,，、;；/]+")


async def load(
    session: AsyncSession, site: Site, rows: Sequence[TableRow], *, loaded_by: int | None = None
) -> tuple[int, list[tuple[int, str]], list[date]]:
    """(entries stored, problems by line, dates loaded); nothing is stored when there are problems.
    The file replaces the roster of each date it names."""
    if rows and (missing := [c for c in COLUMNS if c not in rows[0].values]):
        return 0, [(1, f"missing column(s): {', '.join(missing)}")], []
    if not rows:
        return 0, [(1, "no rows")], []
    defs = await shifts_of(session, site)
    members = {m.telegram_id for m in await sites.members(session, site_id=require_id(site), roles=_ROLES)}
    problems: list[tuple[int, str]] = []
    entries: list[tuple[date, str, int]] = []
    for row in rows:
        day, shift_text, staff_text = (row.values.get(c, "").strip() for c in COLUMNS)
        try:
            when = date.fromisoformat(day)
        except ValueError:
            problems.append((row.line, f"bad date {day!r} (YYYY-MM-DD)"))
            continue
        shift = find_shift(defs, shift_text)
        if shift is None:
            known = ", ".join(f"{s.code}/{s.name}" for s in defs)
            problems.append((row.line, f"unknown shift {shift_text!r} (shifts: {known})"))
            continue
        names = [n for n in _SPLIT.split(staff_text) if n]
        if not names:
            problems.append((row.line, "no staff"))
            continue
        for name in names:
            telegram_id = await _person_id(session, name)
            if telegram_id is None or telegram_id not in members:
                problems.append((row.line, f"unknown person {name!r} (not staff of {site.code})"))
                continue
            entries.append((when, shift.code, telegram_id))
    if problems:
        return 0, problems, []
    stored = await shift_repo.replace_days(session, site_id=require_id(site), entries=entries, loaded_by=loaded_by)
    return stored, [], sorted({d for d, _, _ in entries})


_ROLES = (Role.STAFF, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


async def _person_id(session: AsyncSession, name: str) -> int | None:
    if name.startswith("@"):
        person = await sites.by_username(session, username=name[1:])
        return person.telegram_id if person else None
    return int(name) if name.isdigit() else None


async def importer(session: AsyncSession, site: Site, rows: Sequence[TableRow]) -> list[tuple[int, str]]:
    """``Feature.imports["roster"]``: load, or the problems by line."""
    _, problems, _ = await load(session, site, rows)
    return problems
