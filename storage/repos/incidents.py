"""Duty-log entries with their handling notes, photos and escalation notices."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import Role, Severity
from storage.models import (
    EscalationNotice,
    Incident,
    IncidentNote,
    IncidentPhoto,
    IncidentStatus,
    WrittenReport,
    WrittenReportPhoto,
    table_of,
)
from storage.repos import children, chunks, spans

_TABLE = table_of(Incident)
_INSERT = _TABLE.insert().returning(_TABLE.c.id)


async def add(session: AsyncSession, incident: Incident) -> Incident:
    """Insert with one statement (the ORM's flush costs twice as much on this hot path), then
    attach the object to the session as persistent, so later changes to it are UPDATEs."""
    values = {c.name: getattr(incident, c.name) for c in _TABLE.columns if c.name != "id"}
    connection = await session.connection()
    incident.id = (await connection.execute(_INSERT, values)).scalar_one()
    make_transient_to_detached(incident)
    session.add(incident)
    return incident


async def by_number(session: AsyncSession, *, site_id: int, number: int) -> Incident | None:
    result = await session.exec(select(Incident).where(Incident.site_id == site_id, Incident.number == number))
    return result.first()


async def get(session: AsyncSession, *, incident_id: int) -> Incident | None:
    return await session.get(Incident, incident_id)


async def open_for_site(session: AsyncSession, *, site_id: int, limit: int = 30) -> Sequence[Incident]:
    result = await session.exec(
        select(Incident)
        .where(Incident.site_id == site_id, Incident.status == IncidentStatus.OPEN)
        .order_by(col(Incident.logged_at).desc(), col(Incident.id).desc())
        .limit(limit)
    )
    return result.all()


async def add_note(session: AsyncSession, *, incident_id: int, author_id: int, author_name: str, text: str) -> None:
    session.add(IncidentNote(incident_id=incident_id, author_id=author_id, author_name=author_name, text=text))


async def notes(session: AsyncSession, *, incident_ids: Sequence[int]) -> dict[int, list[IncidentNote]]:
    return await children.of(session, IncidentNote, IncidentNote.incident_id, incident_ids, order_by=IncidentNote.id)


async def add_photo(session: AsyncSession, *, incident_id: int, file_id: str, added_by: int) -> None:
    session.add(IncidentPhoto(incident_id=incident_id, file_id=file_id, added_by=added_by))


async def photo_counts(session: AsyncSession, *, incident_ids: Sequence[int]) -> dict[int, int]:
    out = dict.fromkeys(incident_ids, 0)
    if not incident_ids:
        return out
    rows = await session.exec(
        select(IncidentPhoto.incident_id).where(col(IncidentPhoto.incident_id).in_(list(incident_ids)))
    )
    for incident_id in rows.all():
        out[incident_id] += 1
    return out


async def record_notice(
    session: AsyncSession, *, incident_id: int, level: int, telegram_id: int, role: Role, at: datetime
) -> None:
    session.add(
        EscalationNotice(incident_id=incident_id, level=level, telegram_id=telegram_id, role=role, notified_at=at)
    )


def all_for_export(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[list[chunks.Record]]:
    """Every incident (or a site's that occurred in ``window``), by site and number, in chunks of dicts."""
    where = window.times(_TABLE.c.site_id, _TABLE.c.occurred_at) if window else ()
    return chunks.records(session, Incident, "site_id", "number", where=where)


async def handling(session: AsyncSession, *, incident_ids: Sequence[int]) -> dict[int, list[tuple[datetime, str, str]]]:
    """The notes of these incidents, oldest first, as (``created_at``, ``author_name``, ``text``):
    the export's cheap twin of :func:`notes`."""
    out: dict[int, list[tuple[datetime, str, str]]] = {i: [] for i in incident_ids}
    if not incident_ids:
        return out
    note = table_of(IncidentNote)
    stmt = (
        sa_select(note.c.incident_id, note.c.created_at, note.c.author_name, note.c.text)
        .where(note.c.incident_id.in_(list(incident_ids)))
        .order_by(note.c.id)
    )
    connection = await session.connection()
    for incident_id, created_at, author_name, words in (await connection.execute(stmt)).all():
        out[incident_id].append((created_at, author_name, words))
    return out


async def pinged(session: AsyncSession, *, incident_id: int) -> list[tuple[int, Role]]:
    """Everyone an escalation reached, once each, as (telegram id, role), in the order first pinged."""
    rows = await session.exec(
        select(EscalationNotice).where(EscalationNotice.incident_id == incident_id).order_by(col(EscalationNotice.id))
    )
    seen: dict[int, Role] = {}
    for row in rows.all():
        seen.setdefault(row.telegram_id, row.role)
    return list(seen.items())


def _open(site_id: int) -> Any:
    return select(Incident).where(Incident.site_id == site_id, Incident.status == IncidentStatus.OPEN)


_NEWEST = (col(Incident.logged_at).desc(), col(Incident.id).desc())


async def open_majors(session: AsyncSession, *, site_id: int) -> list[Incident]:
    """Every open major incident of a site, newest first (all of them: none may be left out)."""
    return list(
        (await session.exec(_open(site_id).where(Incident.severity == Severity.MAJOR).order_by(*_NEWEST))).all()
    )


async def open_of_severity(session: AsyncSession, *, site_id: int, severities: Sequence[Severity]) -> list[Incident]:
    """Every open incident of a site at one of ``severities``, newest first (none left out)."""
    stmt = _open(site_id).where(col(Incident.severity).in_(list(severities))).order_by(*_NEWEST)
    return list((await session.exec(stmt)).all())


async def open_others(session: AsyncSession, *, site_id: int, limit: int, offset: int = 0) -> list[Incident]:
    """A page of the other open incidents, newest first."""
    stmt = (
        _open(site_id).where(Incident.severity != Severity.MAJOR).order_by(*_NEWEST).offset(offset).limit(max(limit, 0))
    )
    return list((await session.exec(stmt)).all())


async def count_open(session: AsyncSession, *, site_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Incident)
        .where(Incident.site_id == site_id, Incident.status == IncidentStatus.OPEN)
    )
    return int((await session.exec(stmt)).one())


async def between(session: AsyncSession, *, site_id: int, start: datetime, end: datetime) -> Sequence[Incident]:
    """The duty log of a duty day: entries that occurred in it, or were logged in it."""
    rows = await session.exec(
        select(Incident)
        .where(
            Incident.site_id == site_id,
            or_(
                and_(col(Incident.occurred_at) >= start, col(Incident.occurred_at) < end),
                and_(col(Incident.logged_at) >= start, col(Incident.logged_at) < end),
            ),
        )
        .order_by(col(Incident.number))
    )
    return rows.all()


async def numbers(session: AsyncSession, *, incident_ids: Sequence[int]) -> dict[int, int]:
    """incident id → its #N."""
    if not incident_ids:
        return {}
    rows = await session.exec(select(Incident.id, Incident.number).where(col(Incident.id).in_(list(incident_ids))))
    return {incident_id or 0: number for incident_id, number in rows.all()}


async def add_report(session: AsyncSession, report: WrittenReport) -> WrittenReport:
    """File an incident's written report (one per incident)."""
    session.add(report)
    await session.flush()
    return report


async def report_of(session: AsyncSession, *, incident_id: int) -> WrittenReport | None:
    result = await session.exec(select(WrittenReport).where(WrittenReport.incident_id == incident_id))
    return result.first()


async def get_report(session: AsyncSession, *, report_id: int) -> WrittenReport | None:
    return await session.get(WrittenReport, report_id)


async def add_report_photo(session: AsyncSession, *, report_id: int, file_id: str, added_by: int) -> int:
    """Attach a photo to a written report; returns how many photos it has now."""
    session.add(WrittenReportPhoto(report_id=report_id, file_id=file_id, added_by=added_by))
    await session.flush()
    stmt = select(func.count()).select_from(WrittenReportPhoto).where(WrittenReportPhoto.report_id == report_id)
    return int((await session.exec(stmt)).one())


# Monthly statistics (handlers.reports): aggregates computed by the database.


async def counts_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> list[tuple[str, str, int, int]]:
    """(category, severity, entries, closed) of the entries that occurred in [start, end)."""
    t = _TABLE.c
    stmt = (
        sa_select(t.category, t.severity, func.count(), spans.count_if(t.status == "closed"))
        .where(t.site_id == site_id, t.occurred_at >= start, t.occurred_at < end)
        .group_by(t.category, t.severity)
    )
    connection = await session.connection()
    rows = (await connection.execute(stmt)).all()
    return [(str(c), str(s), int(n), int(closed)) for c, s, n, closed in rows]


async def median_close_seconds(session: AsyncSession, *, site_id: int, start: datetime, end: datetime) -> float | None:
    """Median time from logging to closing of the entries that occurred in [start, end) and are closed."""
    t = _TABLE.c
    connection = await session.connection()
    span = spans.seconds_between(connection.dialect.name, t.logged_at, t.closed_at)
    values = sa_select(span).where(
        t.site_id == site_id, t.occurred_at >= start, t.occurred_at < end, t.closed_at.is_not(None)
    )
    return await spans.median(connection, values)


def in_period(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> AsyncIterator[list[chunks.Record]]:
    """A site's entries that occurred in [start, end), by number, in chunks of dicts (times raw)."""
    t = _TABLE.c
    return chunks.records(
        session, Incident, "number", where=(t.site_id == site_id, t.occurred_at >= start, t.occurred_at < end)
    )
