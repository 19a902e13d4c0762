"""Each register's own counter (issue 19 point 3): migration 0017 carries a database numbered under
the shared per-site sequence over without renumbering anything or handing a number out twice within
a register, and numbers taken at the same moment by two processes differ (PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import col, select

from storage.codes import Register, Severity
from storage.db import Database, alembic_config, upgrade
from storage.models import Incident, ShiftRequest, StandingOrder, Ticket
from storage.models.leave import ShiftRequestKind
from storage.models.tickets import TicketKind
from storage.repos import sites
from tests.support.postgres import database_at

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SITE = sa.table(
    "site",
    *(sa.column(name, sa.String) for name in ("code", "name", "language", "timezone")),
    sa.column("id", sa.Integer),
    sa.column("next_number", sa.Integer),
    sa.column("policy", sa.JSON),
    sa.column("created_at", sa.DateTime),
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_numbers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database at revision 0016, the last with the shared sites.next_number."""
    with database_at(request.param, "0016", tmp_path) as url:
        yield url


def _records(site_id: int) -> list[object]:
    """Site HG's records as the shared sequence numbered them: #1 T2 #3 O4 T5 R6 #7."""
    return [
        *(
            Incident(
                site_id=site_id, number=n, occurred_at=AT, reporter_id=7, category="other",
                severity=Severity.NORMAL, situation=f"事件{n}",
            )
            for n in (1, 3, 7)
        ),
        *(
            Ticket(site_id=site_id, number=n, kind=TicketKind.REPAIR, category="other", description="漏水",
                   resident_id=9)
            for n in (2, 5)
        ),
        StandingOrder(site_id=site_id, number=4, text="今晚停水", issued_by=7, issued_at=AT),
        ShiftRequest(
            site_id=site_id, number=6, kind=ShiftRequestKind.LEAVE, day=date(2026, 11, 25), shift_codes="D",
            requester_id=7, requested_at=AT,
        ),
    ]  # fmt: skip


async def test_old_numbers_stay_and_each_register_goes_on_from_its_highest(shared_numbers: str) -> None:
    db = Database(shared_numbers)
    try:
        async with db.engine.begin() as connection:
            for site_id, code, counter in ((1, "HG", 8), (2, "TW", 1)):
                await connection.execute(
                    SITE.insert().values(
                        id=site_id, code=code, name=code, language="zh-Hans", timezone="Asia/Shanghai",
                        next_number=counter, policy={}, created_at=datetime(2026, 11, 1),
                    )
                )  # fmt: skip
        async with db.session() as session:
            session.add_all(_records(1))
        await asyncio.to_thread(upgrade, shared_numbers)

        async with db.session() as session:
            numbers = [i.number for i in (await session.exec(select(Incident).order_by(col(Incident.id)))).all()]
            taken = {r: await sites.next_number(session, site_id=1, register=r) for r in Register}
            fresh = [await sites.next_number(session, site_id=2, register=r) for r in Register]
        assert numbers == [1, 3, 7]  # nothing renumbered
        assert taken == {Register.INCIDENT: 8, Register.TICKET: 6, Register.ORDER: 5, Register.REQUEST: 7}
        assert fresh == [1, 1, 1, 1]  # a site with no records starts every register at 1
        async with db.engine.connect() as connection:
            columns = await connection.run_sync(lambda c: [col["name"] for col in sa.inspect(c).get_columns("site")])
        assert "next_number" not in columns

        # back down: the shared counter goes on after the highest number any register gave
        await asyncio.to_thread(command.downgrade, alembic_config(shared_numbers), "0016")
        async with db.engine.connect() as connection:
            rows = (await connection.execute(sa.text("SELECT id, next_number FROM site ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, 9), (2, 2)]
    finally:
        await db.dispose()


async def test_registers_count_apart_and_never_share_a_number(any_db: Database) -> None:
    async with any_db.session() as session:
        site = await sites.create(session, code="HG", name="华庭花园", language="zh-Hans", timezone="Asia/Shanghai")
        site_id = site.id
        assert site_id is not None
        order = [Register.INCIDENT, Register.TICKET, Register.INCIDENT, Register.ORDER, Register.INCIDENT]
        got = [(r, await sites.next_number(session, site_id=site_id, register=r)) for r in order]
    assert [n for _, n in got] == [1, 1, 2, 1, 3]


@pytest.mark.postgres
async def test_two_processes_taking_numbers_at_once_get_different_ones(pg_db: Database) -> None:
    async with pg_db.session() as session:
        site = await sites.create(session, code="HG", name="华庭花园", language="zh-Hans", timezone="Asia/Shanghai")
        site_id = site.id
    assert site_id is not None
    other = Database(pg_db.url)  # a second engine: its own connections, as a second process has

    async def take(db: Database, register: Register) -> int:
        async with db.session() as session:
            number = await sites.next_number(session, site_id=site_id, register=register)
            await asyncio.sleep(0.02)  # hold the transaction open while the others try
            return number

    try:
        for register in (Register.TICKET, Register.TICKET):  # first the counter's creation, then its update
            numbers = await asyncio.gather(*(take(pg_db if i % 2 else other, register) for i in range(8)))
            assert len(set(numbers)) == 8
        assert sorted(numbers) == list(range(9, 17))
    finally:
        await other.dispose()
