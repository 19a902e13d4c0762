"""The statistics of one site over a month, a quarter or a year (000 L95-97: monthly compilation and
statistics to the superior; 000 L76: monthly, quarterly and annual summaries; 003 L23, L39, L63,
L101): a short message, four PNG charts and an XLSX workbook. A month's workbook holds a summary
sheet, then one sheet per register with the month's rows (incidents, tickets, callbacks, key loans,
patrol rounds, and the handovers, standing orders and duty days as their exports write them); a
quarter's or a year's the summary and a sheet of the same figures month by month, no register rows
(a year is 330 000 of them at a large site: a summary for the superior is read by its trend, and the
rows of any span stay one ``/export`` or ``dutydesk export --from --to`` away; the workbook stays
small and quick whatever the history).

The figures are read in the transaction as plain values; the charts are drawn outside it and off
the event loop (a slow call: ``Prepared``, as the LLM step; a month's in a child process, on the
command line while the workbook is written: ``handlers.reports.drawing``); the registers' rows of the month are
streamed from the database into the write-only workbook chunk by chunk (each chunk appended in a
worker thread), so neither the rows nor the workbook are held in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.context import ExportTable
from handlers.core.i18n import Translator
from handlers.core.prepared import Prepared
from handlers.reports.drawing import File, draw_aside
from handlers.reports.figures import RATINGS, Figures, Rate, read
from handlers.reports.periods import Period
from handlers.reports.registers import REGISTERS
from storage.models import Site, require_id
from storage.repos.chunks import Window

SUMMARY_FIELDS = ("item", "value", "previous", "change", "numerator", "denominator", "definition")
TICKET_KINDS = ("complaint", "repair", "inquiry")
# Registers of other features in a month's workbook, as their exports write them (when declared):
# the shift handovers, the standing orders and the signed duty days (000 L116).
EXPORTED = ("handovers", "orders", "duty_days")
CHUNK = 1000  # export rows appended to a sheet at a time (in a worker thread)
PREFIX = {"month": "monthly", "quarter": "quarterly", "year": "annual"}  # each period's catalogue keys


@dataclass(frozen=True, slots=True)
class Report:
    text: str
    files: list[File] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Line:
    """One figure of the summary: its value this month and last, and, for a rate, its fraction."""

    key: str
    now: float | int | None
    before: float | int | None
    rate: Rate | None = None
    definition: str = ""


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def percent(rate: Rate) -> float | None:
    value = rate.value
    return None if value is None else round(value * 100, 1)


def lines(now: Figures, before: Figures) -> list[Line]:
    """The summary's figures in order (README "Monthly statistics" defines each rate)."""
    rate_lines = [
        ("complaint_validity", now.complaint_validity, before.complaint_validity),
        ("timeliness", now.timeliness, before.timeliness),
        ("callback_rate", now.callback_rate, before.callback_rate),
        ("satisfaction", now.satisfaction, before.satisfaction),
        ("patrol_on_time", now.patrol_on_time, before.patrol_on_time),
    ]
    out = [
        Line("incidents", now.incident_total, before.incident_total),
        Line("majors", now.majors, before.majors),
        Line("incidents_closed", now.incident_closed, before.incident_closed),
        Line("median_close_h", hours(now.incident_median_close_s), hours(before.incident_median_close_s)),
        Line("tickets", now.received, before.received),
        *(
            Line(f"kind.{k}", now.tickets.get(k, 0), before.tickets.get(k, 0))
            for k in ("complaint", "repair", "inquiry")
        ),
        *(Line(key, percent(a), percent(b), a, f"rp.def.{key}") for key, a, b in rate_lines),
        Line("sla_breaches", now.sla_breaches, before.sla_breaches, definition="rp.def.sla_breaches"),
        Line("median_resolve_h", hours(now.ticket_median_resolve_s), hours(before.ticket_median_resolve_s)),
        *(Line(f"rating.{r}", now.ratings.get(r, 0), before.ratings.get(r, 0)) for r in RATINGS),
        Line("key_loans", now.loans.get("lent", 0), before.loans.get("lent", 0)),
        Line("key_overdue", now.key_overdue, before.key_overdue, definition="rp.def.key_overdue"),
        Line("problems", now.problems, before.problems, definition="rp.def.problems"),
        Line("rechecked", now.rechecked, before.rechecked),
    ]
    out.extend(Line(f"category:{c}", n, before.by_category.get(c, 0)) for c, n in now.by_category.items())
    out.extend(Line(f"severity:{s}", n, before.by_severity.get(s, 0)) for s, n in now.by_severity.items())
    earlier = {p.plan: p for p in before.plans}
    for plan in now.plans:
        old = earlier.get(plan.plan)
        mine, theirs = Rate(plan.on_time, plan.rounds), Rate(old.on_time, old.rounds) if old else Rate(0, 0)
        out.append(Line(f"plan:{plan.plan}", percent(mine), percent(theirs), mine))
    return out


def item_name(t: Translator, key: str) -> str:
    kind, _, name = key.partition(":")
    if kind == "category":
        return t("rp.item.category", name=t(f"cat.{name}"))
    if kind == "severity":
        return t("rp.item.severity", name=t(f"sev.{name}"))
    if kind == "plan":
        return t("rp.item.plan", name=name)
    return t(f"rp.item.{key}")


def change(line: Line) -> float | int | None:
    if line.now is None or line.before is None:
        return None
    delta = line.now - line.before
    return round(delta, 1) if isinstance(delta, float) else delta


def summary_labels(t: Translator, kind: str) -> list[str]:
    """The summary sheet's translated header: "this month / last month", or the quarter's, the year's."""
    names = {"value": f"rp.{PREFIX[kind]}.this", "previous": f"rp.{PREFIX[kind]}.before"}
    return [t(names.get(name, f"rp.summary.{name}")) for name in SUMMARY_FIELDS]


def by_month_rows(t: Translator, months: Sequence[Figures]) -> list[dict[str, Any]]:
    """The summary's figures month by month (a quarter's or a year's workbook): one row per figure,
    one column per month; a figure a month has not (a category not seen then) is left empty."""
    values: dict[str, dict[str, Any]] = {}
    for month in months:
        for line in lines(month, month):
            values.setdefault(line.key, {})[month.month] = line.now
    return [{"item": item_name(t, key), **by_month} for key, by_month in values.items()]


def summary_rows(t: Translator, now: Figures, before: Figures) -> list[dict[str, Any]]:
    return [
        {
            "item": item_name(t, line.key),
            "value": line.now,
            "previous": line.before,
            "change": change(line),
            "numerator": line.rate.numerator if line.rate else None,
            "denominator": line.rate.denominator if line.rate else None,
            "definition": t(line.definition) if line.definition else "",
        }
        for line in lines(now, before)
    ]


def signed(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:+g}{unit}"


def message(t: Translator, now: Figures, before: Figures) -> str:
    """The short message: the figures, the change from the period before, and the definitions."""
    prefix = PREFIX[now.kind]
    head = t(f"rp.{prefix}.header", site=now.site_name, month=now.month)
    if now.is_empty:
        return "\n".join([head, t(f"rp.{prefix}.empty", month=now.month, previous=before.month)])

    def rate(r: Rate) -> str:
        return t("rp.rate", percent=r.percent(), numerator=r.numerator, denominator=r.denominator)

    def points(a: Rate, b: Rate) -> str:
        va, vb = percent(a), percent(b)
        return signed(None if va is None or vb is None else round(va - vb, 1), t("rp.points"))

    median = hours(now.incident_median_close_s)
    body = [
        head,
        t(
            "rp.monthly.incidents",
            total=now.incident_total,
            majors=now.majors,
            closed=now.incident_closed,
            median="—" if median is None else median,
        ),
        t(
            "rp.monthly.counts",
            categories=t("rp.list_sep").join(f"{t(f'cat.{c}')} {n}" for c, n in list(now.by_category.items())[:6]),
            severities=t("rp.list_sep").join(f"{t(f'sev.{c}')} {n}" for c, n in now.by_severity.items()),
        ),
        t(
            "rp.monthly.tickets",
            total=now.received,
            median="—" if hours(now.ticket_median_resolve_s) is None else hours(now.ticket_median_resolve_s),
            validity=rate(now.complaint_validity),
            timeliness=rate(now.timeliness),
            breaches=now.sla_breaches,
        ),
        t("rp.monthly.callbacks", callback=rate(now.callback_rate), satisfaction=rate(now.satisfaction)),
        t(
            "rp.monthly.keys_patrols",
            overdue=now.key_overdue,
            patrol=rate(now.patrol_on_time),
            problems=now.problems,
            rechecked=now.rechecked,
        ),
        t(
            f"rp.{prefix}.compare",
            previous=before.month,
            incidents=signed(now.incident_total - before.incident_total),
            tickets=signed(now.received - before.received),
            timeliness=points(now.timeliness, before.timeliness),
            satisfaction=points(now.satisfaction, before.satisfaction),
        ),
        t("rp.monthly.definitions"),
        *(t(f"rp.def.{key}") for key in ("complaint_validity", "timeliness", "callback_rate", "satisfaction")),
        t("rp.def.patrol_on_time"),
    ]
    return "\n".join(body)


async def write_workbook(
    session: AsyncSession,
    site_id: int,
    period: Period,
    now: Figures,
    before: Figures,
    months: Sequence[Figures] = (),
    exports: Mapping[str, ExportTable] | None = None,
) -> bytes:
    """The summary sheet, then: a month's registers, their rows of the month streamed chunk by chunk
    (each chunk appended in a worker thread; the write-only workbook keeps no rows in memory), each
    with the field names translated under the keys; a quarter's or a year's figures by month."""
    from handlers.core.export_xlsx import Book  # openpyxl: imported on the first workbook, not at start

    t, zone = Translator(now.language), ZoneInfo(now.timezone)
    book = Book()
    summary = book.table(t("rp.sheet.summary"), SUMMARY_FIELDS, labels=summary_labels(t, now.kind))
    summary.extend(summary_rows(t, now, before))
    if months:
        fields = ("item", *(m.month for m in months))
        book.table(t("rp.sheet.by_month"), fields, labels=[t("rp.summary.item"), *fields[1:]]).extend(
            by_month_rows(t, months)
        )
    if period.kind != "month":
        return await asyncio.to_thread(book.to_bytes)
    start, end = period.start(zone), period.end(zone)
    for register in REGISTERS:
        sheet = book.register(register.name, register.fields, language=now.language)
        async for chunk in register.read(session, site_id, start, end, zone, now.as_of):
            await asyncio.to_thread(sheet.extend, chunk)
    window = Window(site_id, start, end, period.first, period.months[-1].next.first)
    for kind in EXPORTED:
        export = (exports or {}).get(kind)
        if export is None or export.in_period is None:
            continue
        sheet = book.register(kind, export.fields, language=now.language)
        rows: list[dict[str, Any]] = []
        async for row in export.in_period(session, window):
            rows.append(row)
            if len(rows) == CHUNK:
                await asyncio.to_thread(sheet.extend, rows)
                rows = []
        sheet.extend(rows)
    return await asyncio.to_thread(book.to_bytes)


async def _workbook(
    session: AsyncSession,
    site: Site,
    t: Translator,
    period: Period,
    now: Figures,
    before: Figures,
    exports: Mapping[str, ExportTable] | None,
) -> File:
    months = [await read(session, site, month, now.as_of) for month in period.months] if period.kind != "month" else []
    return File(
        f"{site.code}-{period.label}.xlsx",
        await write_workbook(session, require_id(site), period, now, before, months, exports),
        False,
        t(f"rp.{PREFIX[period.kind]}.workbook"),
    )


async def compose(
    session: AsyncSession,
    chosen: Sequence[Site],
    period: Period,
    as_of: datetime,
    prepared: Prepared,
    exports: Mapping[str, ExportTable] | None = None,
) -> list[tuple[Site, Report]]:
    """Each site's report of ``period`` (a month, quarter or year): message, charts and workbook (no
    files for an empty period). The charts of every site are one slow call: in a transaction the first
    pass asks for them, the caller runs again with them (``Prepared``); the workbooks are then written
    in the transaction."""
    read_sites: list[tuple[Site, Translator, Figures, Figures]] = []
    for site in chosen:
        t = Translator(site.language)
        read_sites.append(
            (site, t, await read(session, site, period, as_of), await read(session, site, period.previous, as_of))
        )
    to_draw = [(now, t) for _, t, now, _ in read_sites if not now.is_empty]

    async def drawn() -> list[list[File]]:
        return await draw_aside(to_draw, child=period.kind == "month")  # a quarter's workbook is short

    key = (period.kind, period.label, tuple(now.site_code for now, _ in to_draw))
    # Without a transaction to protect (the command line) the charts are drawn while the workbooks
    # are written; in the desk they are a slow call between attempts (Prepared), drawn aside too.
    pictures: list[list[File]] = []
    pending: asyncio.Future[list[list[File]]] | None = None
    if to_draw and prepared.inline and key not in prepared.answers:
        pending = asyncio.ensure_future(prepared.get(key, drawn))
    elif to_draw:
        pictures = await prepared.get(key, drawn)
    workbooks: list[File | None] = []
    try:
        for site, t, now, before in read_sites:
            workbooks.append(None if now.is_empty else await _workbook(session, site, t, period, now, before, exports))
        if pending is not None:
            pictures = await pending
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
    reports: list[tuple[Site, Report]] = []
    for (site, t, now, before), workbook in zip(read_sites, workbooks, strict=True):
        text = message(t, now, before)
        if workbook is None:
            reports.append((site, Report(text)))
            continue
        reports.append((site, Report(text, [*pictures.pop(0), workbook])))
    return reports


async def send(session: AsyncSession, site: Site, report: Report, people: Sequence[int]) -> int:
    """Queue the report to each person in private: the message, then each file (stored once)."""
    stored = [(f, await notices.store_file(session, name=f.name, data=f.data)) for f in report.files] if people else []
    for person in people:
        await notices.queue(session, person, report.text, site_id=site.id, purpose="report")
        for file, reference in stored:
            photo, document = (reference, None) if file.photo else (None, reference)
            await notices.queue(
                session, person, file.caption, site_id=site.id, purpose="report", photo=photo, document=document
            )
    return len(people)
