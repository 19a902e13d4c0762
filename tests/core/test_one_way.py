"""The one way to do each common thing: a stored record's id (require_id), who holds a site's
roles and telling them (notices.holders / tell_roles), a ticket from a classifier reading."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.core import notices
from handlers.core.classification import Classification
from handlers.core.taxonomy import RESIDENT_TICKET_INTENTS
from handlers.tickets import flow
from storage.codes import Severity
from storage.models import NotStored, Outbox, Site, Ticket, require_id
from storage.models.tickets import Channel, TicketKind
from storage.repos import sites
from tests.support import ADMIN, MANAGER, STAFF, SUPERVISOR, DeskHarness

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def test_require_id_says_when_a_record_was_not_written() -> None:
    with pytest.raises(NotStored, match="Ticket has no id"):
        require_id(Ticket(kind=TicketKind.REPAIR, category="other", description="x", resident_id=1))
    assert require_id(Ticket(id=7, kind=TicketKind.REPAIR, category="other", description="x", resident_id=1)) == 7


def test_no_id_is_coerced_to_zero() -> None:
    """``x.id or 0`` turned a record never written into id 0, silently: require_id says so."""
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("bot", "handlers", "storage")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.id or 0\b", line) and "``" not in line
    ]
    assert found == []


async def _site(harness: DeskHarness) -> Site:
    await harness.setup_site()
    async with harness.desk.db.session() as session:
        site = await sites.by_code(session, code="HG")
    assert site is not None
    return site


async def test_holders_of_roles_admins_and_ladder(harness: DeskHarness) -> None:
    site = await _site(harness)
    async with harness.desk.db.session() as session:
        chain = await notices.holders(session, site, ("supervisor", "manager"))
        assert chain == [(SUPERVISOR.id, "supervisor"), (MANAGER.id, "manager")]
        assert await notices.holders(session, site, ("supervisor", "manager"), skip=(SUPERVISOR.id,)) == [
            (MANAGER.id, "manager")
        ]
        # The global admins join as "admin", once each, after the site's people.
        top = await notices.holders(session, site, ("manager", "admin"), admins={ADMIN.id, MANAGER.id})
        assert top == [(MANAGER.id, "manager"), (ADMIN.id, "admin")]
        # A ladder: the first rung anybody holds; the global admins are the last rung.
        assert await notices.holders(session, site, ("admin", "manager"), ladder=True) == [(MANAGER.id, "manager")]
        assert await notices.holders(session, site, ("admin",), admins={ADMIN.id}, ladder=True) == [(ADMIN.id, "admin")]
        assert await notices.holders(session, site, ("admin",), ladder=True) == []


async def test_tell_roles_queues_one_message_each_as_staff_of_the_site(harness: DeskHarness) -> None:
    site = await _site(harness)
    before = len(await harness.outbox())
    async with harness.desk.db.session() as session:
        told = await notices.tell_roles(
            session, site, ("staff", "supervisor"), "注意", purpose="reminder", urgent=True, link=("incident", 3)
        )
    assert told == 2
    rows: list[Outbox] = (await harness.outbox())[before:]
    assert [r.chat_id for r in rows] == [STAFF.id, SUPERVISOR.id]
    assert {(r.text, r.site_id, r.purpose, r.priority, r.ref_kind, r.ref_id) for r in rows} == {
        ("注意", site.id, "reminder", notices.URGENT, "incident", 3)
    }


def test_a_ticket_from_a_reading() -> None:
    reading = Classification(
        intent="incident", category="water", severity=Severity.MAJOR, confidence=0.8, location="3栋"
    )
    ticket = flow.from_reading(reading, "3栋漏水", NOW, resident_id=5, resident_name="刘", unit="3栋1201")
    assert (ticket.kind, ticket.urgency, ticket.location, ticket.unit, ticket.status) == (
        "inquiry",
        "urgent",
        "3栋",
        "3栋1201",
        "new",
    )
    taken = flow.from_reading(reading, "漏水", NOW, resident_id=0, channel=Channel.PHONE, accepted_by=(201, "陈姐"))
    assert (taken.status, taken.accepted_by, taken.accepted_name, taken.accepted_at) == ("accepted", 201, "陈姐", NOW)
    for intent in RESIDENT_TICKET_INTENTS:  # each intent a resident's message is filed as is a kind of its own
        assert flow.from_reading(replace(reading, intent=intent), "x", NOW, resident_id=5).kind == intent
