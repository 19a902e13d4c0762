"""A desk on a database as a running process has one: the suite's services (the rules classifier, admin 1,
a bot that reads group messages) and the settable clock; a second process on the same database."""

from __future__ import annotations

from sqlalchemy import text

from bot.classifier.rules import RuleClassifier
from bot.features import registry
from handlers.core.context import Services
from handlers.core.desk import DutyDesk
from storage.db import Database
from tests.support import FakeClock


def make_desk(db: Database, rules: RuleClassifier, clock: FakeClock) -> DutyDesk:
    services = Services(
        classifier=rules, admin_ids=frozenset({1}), bot_username="DutyDeskTestBot", can_read_group_messages=True
    )
    return DutyDesk(db, services, registry(), clock=clock)


async def second_process(db: Database, desk: DutyDesk, clock: FakeClock) -> DutyDesk:
    """Another running process: its own engine (own, already open connections) on the same database."""
    other = make_desk(Database(db.url), desk.services.classifier, clock)  # type: ignore[arg-type]
    for engine in (db.engine, other.db.engine):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    return other
