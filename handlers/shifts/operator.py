"""Operator actions for shifts from the command line (``dutydesk roster import``, ``shift set``,
``policy show|set``), free of any transport; a refusal is an :class:`AdminError` with the reason."""

from __future__ import annotations

import unicodedata

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.shifts.handover_flow as flow
import handlers.shifts.imports as roster
import handlers.shifts.roster_check as roster_check
from handlers.core.i18n import Translator
from handlers.core.operator import AdminError, import_caps, site_for_cli
from handlers.core.policy import CLAUSES, Policy, SettingError, parse_setting
from handlers.core.uploads import TableError, read_table
from handlers.shifts.times import DEFAULT_SHIFTS, parse_hhmm, shifts_of
from storage.db import Database
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo
from storage.repos import sites


async def pick_site(session: AsyncSession, code: str | None) -> Site:
    """The site named by code, or the only one."""
    return await site_for_cli(session, code)


async def import_roster(db: Database, data: bytes, filename: str, site_code: str | None, t: Translator) -> str:
    """Load a roster file; every bad row by line and nothing loaded when any is bad. Said in ``t``'s
    language, the rows' own problems too."""
    try:
        rows = read_table(data, filename, await import_caps(db, site_code))
    except TableError as exc:
        raise AdminError("cli.file_refused", name=filename, why=exc) from None
    async with db.session() as session:
        site = await pick_site(session, site_code)
        stored, problems, days = await roster.load(session, site, rows)
        if problems:
            lines = "\n".join(t("cli.bad_line", line=line, what=what.text(t)) for line, what in problems)
            raise AdminError("cli.roster.bad_rows", count=len(problems), lines=lines)
        done = t("cli.roster.loaded", count=stored, site=site.code, first=days[0], last=days[-1])
        waiting = await flow.roster_loaded(session, site, Translator(site.language))
        if waiting is not None:  # a handover made before this roster now expects the rostered person
            row, expected = waiting
            who = ", ".join(str(i) for i in expected) or t("role.anyone")
            done += "\n" + t("cli.roster.handover_waits", name=row.outgoing_name, who=who)
        gaps = await roster_check.gaps(session, site, rows, days, t)
        return "\n".join([done, *gaps])


async def set_shift(
    db: Database, *, code: str, name: str, start: str, end: str, site_code: str | None, t: Translator
) -> str:
    """Define or change a shift. The first definition keeps the default shifts (早班, 中班, 夜班)
    that the site used until then, so a site never loses a shift it did not name."""
    code = code.strip().upper()
    if not code or len(code) > 16 or not name.strip() or len(name) > 40:
        raise AdminError("cli.shift.bad_name")
    times = []
    for option, given in (("--start", start), ("--end", end)):
        try:
            times.append(parse_hhmm(given))
        except ValueError:
            raise AdminError("cli.shift.bad_time", option=option, given=given) from None
    begins, ends = times
    if begins == ends:
        raise AdminError("cli.shift.same_times")
    async with db.session() as session:
        site = await pick_site(session, site_code)
        site_id = require_id(site)
        if not await shift_repo.shifts_of(session, site_id=site_id):
            for shift in DEFAULT_SHIFTS:
                await shift_repo.put_shift(
                    session,
                    site_id=site_id,
                    code=shift.code,
                    name=shift.name,
                    start=f"{shift.start:%H:%M}",
                    end=f"{shift.end:%H:%M}",
                )
        await shift_repo.put_shift(
            session, site_id=site_id, code=code, name=name.strip(), start=f"{begins:%H:%M}", end=f"{ends:%H:%M}"
        )
        return t("cli.shift.set", site=site.code, code=code, name=name.strip(), hours=f"{begins:%H:%M}-{ends:%H:%M}")


async def remove_shift(db: Database, *, code: str, site_code: str | None, t: Translator) -> str:
    async with db.session() as session:
        site = await pick_site(session, site_code)
        site_id = require_id(site)
        if not await shift_repo.remove_shift(session, site_id=site_id, code=code.strip().upper()):
            own = ", ".join(s.code for s in await shift_repo.shifts_of(session, site_id=site_id)) or "-"
            raise AdminError("cli.shift.no_such", site=site.code, code=code, own=own)
        return t("cli.shift.removed", site=site.code, code=code.strip().upper())


async def list_shifts(db: Database, site_code: str | None) -> str:
    async with db.session() as session:
        site = await pick_site(session, site_code)
        defs = await shifts_of(session, site)
        return "\n".join(f"{s.code}\t{s.name}\t{s.hours}" for s in defs)


async def show_policy(db: Database, site_code: str | None, t: Translator) -> str:
    """A manager's table of every setting: setting, value (and the default when the site changed
    it), what it means and the clause it comes from, in ``t``'s language."""
    async with db.session() as session:
        site = await pick_site(session, site_code)
        effective = Policy.for_site(site.policy)
        rows = [[t("cli.policy.setting"), t("cli.policy.value"), t("cli.policy.meaning"), t("cli.policy.clause")]]
        for key, default in Policy.known().items():
            value = getattr(effective, key)
            shown = _show(value)
            if key in site.policy and value != default:
                shown = t("cli.policy.changed", value=shown, default=_show(default))
            rows.append([key, shown, t(f"policy.meaning.{key}"), CLAUSES.get(key) or t("cli.policy.no_clause")])
        title = t("cli.policy.title", site=site.code, name=site.name)
        return "\n".join([title, *table(rows), t("cli.policy.how_to_set")])


async def set_policy(db: Database, *, key: str, raw: str, site_code: str | None, t: Translator) -> str:
    try:
        value = parse_setting(key, raw)
    except SettingError as exc:
        raise AdminError("cli.said", text=exc) from None
    async with db.session() as session:
        site = await pick_site(session, site_code)
        loaded = await sites.get(session, site_id=require_id(site))
        assert loaded is not None
        loaded.policy = {**loaded.policy, key: value}  # a new dict: the JSON column sees the change
        session.add(loaded)
        default = Policy.known()[key]
        return t(
            "cli.policy.set",
            site=loaded.code,
            setting=key,
            value=_show(value),
            default=_show(default),
            meaning=t(f"policy.meaning.{key}"),
            clause=CLAUSES.get(key) or t("cli.policy.no_clause"),
        )


def _show(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def table(rows: list[list[str]]) -> list[str]:
    """Rows as aligned columns (Chinese characters take two columns of a terminal); the last column
    is not padded."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
