"""Operator actions for shifts from the command line (``dutydesk roster import``, ``shift set``,
``policy show|set``), free of any transport; a refusal is an :class:`AdminError` with the reason."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.shifts.handover_flow as flow
import handlers.shifts.imports as roster
import handlers.shifts.roster_check as roster_check
from handlers.core.i18n import Translator
from handlers.core.operator import AdminError, import_caps, site_for_cli
from handlers.core.policy import CLAUSES, Policy, parse_setting
from handlers.core.uploads import TableError, read_table
from handlers.shifts.times import DEFAULT_SHIFTS, parse_hhmm, shifts_of
from storage.db import Database
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo
from storage.repos import sites


async def pick_site(session: AsyncSession, code: str | None) -> Site:
    """The site named by code, or the only one."""
    return await site_for_cli(session, code)


async def import_roster(db: Database, data: bytes, filename: str, site_code: str | None) -> str:
    """Load a roster file; every bad row by line and nothing loaded when any is bad."""
    try:
        rows = read_table(data, filename, await import_caps(db, site_code))
    except TableError as exc:
        raise AdminError(f"{filename}: {exc}") from None
    async with db.session() as session:
        site = await pick_site(session, site_code)
        stored, problems, days = await roster.load(session, site, rows)
        if problems:
            lines = [f"line {line}: {what}" for line, what in problems]
            raise AdminError(f"{len(problems)} bad row(s), nothing loaded:\n" + "\n".join(lines))
        done = f"loaded {stored} roster entries for {site.code} ({days[0]} to {days[-1]})"
        waiting = await flow.roster_loaded(session, site, Translator(site.language))
        if waiting is not None:  # a handover made before this roster now expects the rostered person
            row, expected = waiting
            who = ", ".join(str(i) for i in expected) or "anyone"
            done += f"\nthe waiting handover of {row.outgoing_name} now expects {who}"
        gaps = await roster_check.gaps(session, site, rows, days, Translator("en"))
        return "\n".join([done, *gaps])


async def set_shift(db: Database, *, code: str, name: str, start: str, end: str, site_code: str | None) -> str:
    """Define or change a shift. The first definition keeps the default shifts (早班, 中班, 夜班)
    that the site used until then, so a site never loses a shift it did not name."""
    code = code.strip().upper()
    if not code or len(code) > 16 or not name.strip() or len(name) > 40:
        raise AdminError("a shift needs a CODE of 1-16 characters and a --name of 1-40")
    try:
        begins, ends = parse_hhmm(start), parse_hhmm(end)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    if begins == ends:
        raise AdminError("--start and --end must differ")
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
        return f"{site.code}: shift {code} {name.strip()} {begins:%H:%M}-{ends:%H:%M}"


async def remove_shift(db: Database, *, code: str, site_code: str | None) -> str:
    async with db.session() as session:
        site = await pick_site(session, site_code)
        if not await shift_repo.remove_shift(session, site_id=require_id(site), code=code.strip().upper()):
            raise AdminError(f"{site.code} has no shift {code!r} of its own (defaults cannot be removed one by one)")
        return f"{site.code}: shift {code.upper()} removed"


async def list_shifts(db: Database, site_code: str | None) -> str:
    async with db.session() as session:
        site = await pick_site(session, site_code)
        defs = await shifts_of(session, site)
        return "\n".join(f"{s.code}\t{s.name}\t{s.hours}" for s in defs)


async def show_policy(db: Database, site_code: str | None) -> str:
    """Every setting: value, whether the site changed it, and the clause it comes from."""
    async with db.session() as session:
        site = await pick_site(session, site_code)
        effective = Policy.for_site(site.policy)
        lines = [f"policy of {site.code} ({site.name}):"]
        for key, default in Policy.known().items():
            value = getattr(effective, key)
            mark = " (site)" if key in site.policy and value != default else ""
            lines.append(f"{key} = {_show(value)}{mark}    # {CLAUSES.get(key, '')}")
        return "\n".join(lines)


async def set_policy(db: Database, *, key: str, raw: str, site_code: str | None) -> str:
    try:
        value = parse_setting(key, raw)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    async with db.session() as session:
        site = await pick_site(session, site_code)
        loaded = await sites.get(session, site_id=require_id(site))
        assert loaded is not None
        loaded.policy = {**loaded.policy, key: value}  # a new dict: the JSON column sees the change
        session.add(loaded)
        return f"{loaded.code}: {key} = {_show(value)}    # {CLAUSES.get(key, '')}"


def _show(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
