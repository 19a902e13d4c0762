"""The month's rows of each register for the workbook, read through the records' repos with the site
and the period in the query (the database picks the month's rows: time and memory follow the month,
not the history), streamed in chunks. Keys as in docs/exports.md (a subset: the register's columns
a reader of the month needs); times converted once, here, to naive times on the site's clock (what the
workbook writes as date-time cells: Excel has no zone), so the sheet writes them as they are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.numbers import ref
from storage.codes import Register as Numbered
from storage.repos import incidents, keys, patrols, tickets

Rows = AsyncIterator[list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Register:
    name: str
    fields: tuple[str, ...]
    read: Callable[[AsyncSession, int, datetime, datetime, ZoneInfo, datetime], Rows]


def local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored time (SQLite gives it naive, in UTC; PostgreSQL aware) in the site's zone."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)


def wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored time as a naive time on the site's clock (the workbook's date-time cells)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone).replace(tzinfo=None)


def _with_times(row: Mapping[Any, Any], fields: tuple[str, ...], zone: ZoneInfo) -> dict[str, Any]:
    """The row's ``fields``, each stored time as :func:`wall` (one pass, each value converted once)."""
    out = {}
    for name in fields:
        value = row.get(name)
        out[name] = wall(value, zone) if type(value) is datetime else value
    return out


INCIDENT_FIELDS = (
    "number", "occurred_at", "logged_at", "reporter_name", "location", "category", "severity", "status",
    "situation", "result", "closed_at", "escalation", "acknowledged_name", "acknowledged_at", "report_filed_at",
)  # fmt: skip
TICKET_FIELDS = (
    "number", "kind", "category", "urgency", "status", "unit", "location", "description", "resident_name",
    "channel", "created_at", "accepted_name", "accepted_at", "dispatched_to", "deadline_at", "resolved_name",
    "resolved_at", "reopened", "satisfaction",
)  # fmt: skip
CALLBACK_FIELDS = ("ticket", "created_at", "due_at", "done_at", "how", "by_name", "satisfaction", "note", "state")
LOAN_FIELDS = (
    "key", "label", "kind", "borrower_name", "external", "phone", "purpose", "lent_by_name", "out_at", "due_at",
    "approved_name", "returned_at", "returned_to_name", "condition", "status", "overdue",
)  # fmt: skip
ROUND_FIELDS = (
    "plan", "due_at", "manual", "status", "late", "started_name", "started_at", "done_name", "done_at",
    "escalated_at", "missed_at",
)  # fmt: skip


async def _incidents(
    session: AsyncSession, site_id: int, start: datetime, end: datetime, zone: ZoneInfo, _: datetime
) -> Rows:
    async for chunk in incidents.in_period(session, site_id=site_id, start=start, end=end):
        yield [_with_times(r, INCIDENT_FIELDS, zone) for r in chunk]


async def _tickets(
    session: AsyncSession, site_id: int, start: datetime, end: datetime, zone: ZoneInfo, _: datetime
) -> Rows:
    async for chunk in tickets.tickets_in_period(session, site_id=site_id, start=start, end=end):
        yield [_with_times(r, TICKET_FIELDS, zone) | {"number": ref(Numbered.TICKET, r["number"])} for r in chunk]


async def _callbacks(
    session: AsyncSession, site_id: int, start: datetime, end: datetime, zone: ZoneInfo, _: datetime
) -> Rows:
    async for chunk in tickets.callbacks_in_period(session, site_id=site_id, start=start, end=end):
        yield [
            _with_times(r._mapping, CALLBACK_FIELDS, zone) | {"ticket": ref(Numbered.TICKET, r._mapping["ticket"])}
            for r in chunk
        ]


async def _loans(
    session: AsyncSession, site_id: int, start: datetime, end: datetime, zone: ZoneInfo, as_of: datetime
) -> Rows:
    async for chunk in keys.loans_in_period(session, site_id=site_id, start=start, end=end):
        out, now = [], wall(as_of, zone)
        for r in chunk:
            row = _with_times(r._mapping, LOAN_FIELDS, zone)
            due, back = row["due_at"], row["returned_at"]
            row["overdue"] = due is not None and (back > due if back is not None else r.status == "out" and due <= now)
            out.append(row)
        yield out


async def _rounds(
    session: AsyncSession, site_id: int, start: datetime, end: datetime, zone: ZoneInfo, _: datetime
) -> Rows:
    async for chunk in patrols.rounds_in_period(session, site_id=site_id, start=start, end=end):
        out = []
        for r in chunk:
            row = _with_times(r._mapping, ROUND_FIELDS, zone)
            row["late"] = r.late_at is not None
            out.append(row)
        yield out


REGISTERS: tuple[Register, ...] = (
    Register("incidents", INCIDENT_FIELDS, _incidents),
    Register("tickets", TICKET_FIELDS, _tickets),
    Register("callbacks", CALLBACK_FIELDS, _callbacks),
    Register("key_loans", LOAN_FIELDS, _loans),
    Register("patrols", ROUND_FIELDS, _rounds),
)
