"""Loading the roster (值班表, 002 L10) from a CSV or XLSX file: columns ``date`` (YYYY-MM-DD),
``shift`` (code or name) and ``staff`` (Telegram id or @username; several per cell allowed).
Every row is checked first; one bad row and nothing of the file is loaded. Each problem is
:class:`Said` (``roster_row.*`` in the catalogues), put into words by whoever shows it: the chat in
the site's language, the command line in the operator's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Said, Translator
from handlers.core.uploads import TableRow
from handlers.shifts.times import ShiftDef, display_name, find_shift, shifts_of
from storage.codes import Role
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo
from storage.repos import sites

COLUMNS = ("date", "shift", "staff")  # the roster file's column headers
_SPLIT = re.compile(r"[\s,，、;；/]+")


async def load(
    session: AsyncSession, site: Site, rows: Sequence[TableRow], *, loaded_by: int | None = None
) -> tuple[int, list[tuple[int, Said]], list[date]]:
    """(entries stored, problems by line, dates loaded); nothing is stored when there are problems.
    The file replaces the roster of each date it names."""
    if rows and (missing := [c for c in COLUMNS if c not in rows[0].values]):
        return 0, [(1, Said("roster_row.missing_columns", columns=", ".join(missing), needed=", ".join(COLUMNS)))], []
    if not rows:
        return 0, [(1, Said("roster_row.no_rows"))], []
    defs = await shifts_of(session, site)
    members = {m.telegram_id for m in await sites.members(session, site_id=require_id(site), roles=_ROLES)}
    problems: list[tuple[int, Said]] = []
    entries: list[tuple[date, str, int]] = []
    for row in rows:
        day, shift_text, staff_text = (row.values.get(c, "").strip() for c in COLUMNS)
        try:
            when = date.fromisoformat(day)
        except ValueError:
            problems.append((row.line, Said("roster_row.bad_date", value=day)))
            continue
        shift = find_shift(defs, shift_text)
        if shift is None:
            problems.append((row.line, Said("roster_row.unknown_shift", value=shift_text, known=KnownShifts(defs))))
            continue
        names = [n for n in _SPLIT.split(staff_text) if n]
        if not names:
            problems.append((row.line, Said("roster_row.no_staff")))
            continue
        for name in names:
            telegram_id = await _person_id(session, name)
            if telegram_id is None or telegram_id not in members:
                problems.append((row.line, Said("roster_row.unknown_person", name=name, site=site.code)))
                continue
            entries.append((when, shift.code, telegram_id))
    if problems:
        return 0, problems, []
    stored = await shift_repo.replace_days(session, site_id=require_id(site), entries=entries, loaded_by=loaded_by)
    return stored, [], sorted({d for d, _, _ in entries})


class KnownShifts:
    """The site's shifts as ``CODE/name``, the default shifts named in the reader's language."""

    def __init__(self, defs: Sequence[ShiftDef]) -> None:
        self.defs = tuple(defs)

    def text(self, t: Translator) -> str:
        return ", ".join(f"{s.code}/{display_name(t, s)}" for s in self.defs)


_ROLES = (Role.STAFF, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


async def _person_id(session: AsyncSession, name: str) -> int | None:
    if name.startswith("@"):
        person = await sites.by_username(session, username=name[1:])
        return person.telegram_id if person else None
    return int(name) if name.isdigit() else None


async def importer(session: AsyncSession, site: Site, rows: Sequence[TableRow]) -> list[tuple[int, str]]:
    """``Feature.imports["roster"]``: load, or the problems by line in the site's language."""
    _, problems, _ = await load(session, site, rows)
    t = Translator(site.language)
    return [(line, what.text(t)) for line, what in problems]
