"""``/export KIND [YYYY-MM] [CODE]`` in private: a register as an XLSX file (handlers.core.export_xlsx),
sent as a document through the outbox to a supervisor or above, with the rows of their own sites only.

The rows are those of ``dutydesk export KIND`` (every kind a feature declares) of the sender's own
sites and, for a kind with a time of its own (:data:`MONTH_FIELDS`), of the month on the site's
calendar (this month when none is given): a kind with a by-period reader (``ExportKind.in_period``)
has the database pick the month's rows of each site, so the month is read, not the register's
history; another is read whole and filtered here. A register of things rather than events
(``keys``) is sent whole. The rows are read in the transaction into plain values;
the workbook is written outside it, in a thread (``Prepared``: the handler runs again with the file)."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from handlers.core import notices
from handlers.core.commands import Command
from handlers.core.context import Context, ExportTable
from handlers.core.exports import is_time_field, month_window
from handlers.core.feature import Feature
from handlers.core.lookups import sites_where
from handlers.core.messages import Outcome
from storage.codes import Role
from storage.models import Site, require_id

# The time that puts a row in a month, per kind (the event the register records; the first of the
# columns that is filled in); a kind not named here uses its first time column, and one without any
# (``keys``: the key register lists things, not events) is sent whole.
MONTH_FIELDS: Mapping[str, tuple[str, ...]] = {
    "incidents": ("occurred_at",),
    "tickets": ("created_at",),
    "callbacks": ("due_at",),
    "handovers": ("shift_date",),
    "orders": ("issued_at",),
    "duty_days": ("date",),
    "roster": ("date",),
    "keys": (),
    "key_loans": ("out_at", "requested_at"),  # handed out that month (as the monthly report counts), or asked
    "patrols": ("due_at",),
    "weekly_reviews": ("week",),
}
TELEGRAM_LIMIT = 50 * 1024 * 1024  # the Bot API's largest upload
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")  # a site code as /setup takes it


def month_fields(kind: str, export: ExportTable) -> tuple[str, ...]:
    if kind in MONTH_FIELDS:
        return MONTH_FIELDS[kind]
    return tuple(str(name) for name in export.fields if is_time_field(str(name)))[:1]


def parse_month(text: str) -> str | None:
    """``YYYY-MM`` (a month 1-12 of a year 2000-2999) as ``YYYY-MM``, or None."""
    found = _MONTH.match(text.strip())
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    return f"{year:04d}-{month:02d}" if 2000 <= year <= 2999 and 1 <= month <= 12 else None


def in_month(row: Mapping[str, Any], when: tuple[str, ...], month: str) -> bool:
    """The export writes times on the site's clock (``2026-11-23T10:00:00+08:00``) and days as
    ``2026-11-23``: the first seven characters are the month on the site's calendar."""
    value = next((row[name] for name in when if row.get(name)), None)
    return isinstance(value, str) and value[:7] == month


async def read_rows(
    ctx: Context, export: ExportTable, mine: Sequence[Site], when: tuple[str, ...], month: str | None
) -> list[dict[str, Any]]:
    """The register's rows of the sites ``mine`` (and ``month``), as plain values: by the database
    for a kind with a by-period reader; else every row is read and the others dropped here."""
    kept: list[dict[str, Any]] = []
    if month is not None and export.in_period is not None:
        for site in mine:
            async for row in export.in_period(ctx.session, month_window(site, month)):
                kept.append(row)
        return kept
    codes = frozenset(s.code for s in mine)
    async for row in export.rows(ctx.session):
        if row.get("site") not in codes:
            continue
        if month is not None and not in_month(row, when, month):
            continue
        kept.append(row)
    return kept


def workbook(kind: str, fields: Sequence[str], rows: list[dict[str, Any]], language: str) -> bytes:
    from handlers.core.export_xlsx import RegisterBook  # openpyxl: imported on the first export, not at start

    book = RegisterBook(kind, fields, language=language)
    book.extend(rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def export_command(ctx: Context, args: str) -> Outcome:
    t = ctx.t
    kinds = ctx.features.exports
    sep = t("rg.list_sep")
    words = args.split()
    if not words or len(words) > 3:
        return Outcome.say(t("rg.usage", kinds=sep.join(kinds)))
    kind, rest = words[0].lower(), words[1:]
    if kind not in kinds:
        return Outcome.say(t("rg.unknown_kind", kind=words[0][:32], kinds=sep.join(kinds)))
    month: str | None = None
    code: str | None = None
    for word in rest:
        if word[:1].isdigit():
            month = parse_month(word)
            if month is None:
                return Outcome.say(t("rg.usage", kinds=sep.join(kinds)))
        elif _CODE.match(word) and code is None:
            code = word
        else:
            return Outcome.say(t("rg.usage", kinds=sep.join(kinds)))
    mine = await own_sites(ctx)
    if code is not None:
        mine = [s for s in mine if s.code.lower() == code.lower()]
        if not mine:
            return Outcome.say(t("rg.not_your_site", code=code[:32]))
    if not mine:
        return Outcome.say(t("denied.role", role=t("role.supervisor")))
    export = kinds[kind]
    when = month_fields(kind, export)
    if when and month is None:  # this month on the (first) site's calendar
        month = ctx.now.astimezone(ZoneInfo(mine[0].timezone)).strftime("%Y-%m")
    if not when:
        month = None
    codes = frozenset(s.code for s in mine)
    return await _send(ctx, kind, export, mine, codes, when, month)


async def _send(
    ctx: Context,
    kind: str,
    export: ExportTable,
    mine: list[Site],
    codes: frozenset[str],
    when: tuple[str, ...],
    month: str | None,
) -> Outcome:
    t, language = ctx.t, ctx.t.language
    key = ("export", kind, month, tuple(sorted(codes)), language)
    if key in ctx.prepared.answers:  # the second pass: the file was made outside the transaction
        count, data = ctx.prepared.answers[key]
    else:
        rows = await read_rows(ctx, export, mine, when, month)

        async def write() -> tuple[int, bytes]:
            return len(rows), (await asyncio.to_thread(workbook, kind, export.fields, rows, language) if rows else b"")

        count, data = await ctx.prepared.get(key, write)
    names = t("rg.list_sep").join(sorted(codes))
    kind_name = t(f"rg.kind.{kind}")
    kind_name = kind if kind_name == f"rg.kind.{kind}" else kind_name  # a kind added since
    if count == 0:
        if month is None:
            return Outcome.say(t("rg.empty_all", kind=kind_name, sites=names))
        return Outcome.say(t("rg.empty", kind=kind_name, sites=names, month=month))
    if len(data) > TELEGRAM_LIMIT:
        return Outcome.say(t("rg.too_big", size=round(len(data) / 2**20, 1)))
    stem = "+".join(sorted(codes))[:60]
    name = f"{stem}-{kind}-{month}.xlsx" if month else f"{stem}-{kind}.xlsx"
    caption = (
        t("rg.caption", kind=kind_name, sites=names, month=month, count=count)
        if month
        else t("rg.caption_all", kind=kind_name, sites=names, count=count)
    )
    reference = await notices.store_file(ctx.session, name=name, data=data)
    site_id = require_id(mine[0]) if len(mine) == 1 else None
    await notices.queue(ctx.session, ctx.msg.user.id, caption, site_id=site_id, purpose="export", document=reference)
    ctx.notified += 1
    return Outcome()


async def own_sites(ctx: Context) -> list[Site]:
    """The sites where the sender is a supervisor or above (every site for a global admin)."""
    return await sites_where(ctx, Role.SUPERVISOR)


PART = Feature(
    name="registers",
    commands=[Command("export", export_command, min_role=Role.SUPERVISOR, where="private", needs_site=False)],
)
