"""The composition root: settings → database → classifier → desk → engine, delivery and ticker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.classifier.factory import build_classifier
from bot.config import Settings
from bot.features import registry
from handlers.core.context import Services
from handlers.core.desk import DutyDesk
from storage.clock import utcnow
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    db: Database
    desk: DutyDesk
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        for close in reversed(self.closers):
            try:
                await close()
            except Exception:
                log.exception("error while shutting down")


async def build_app(settings: Settings, *, clock: Callable[[], datetime] = utcnow, migrate: bool = True) -> App:
    db = Database(settings.database_url)
    if migrate:
        await db.migrate()
    classifier, close_classifier = build_classifier(settings)
    services = Services(
        classifier=classifier,
        admin_ids=settings.admin_ids,
        default_language=settings.dutydesk_language,
        default_timezone=settings.dutydesk_timezone,
    )
    desk = DutyDesk(db, services, registry(), clock=clock, stale_claim=timedelta(seconds=settings.claim_stale_seconds))
    return App(settings=settings, db=db, desk=desk, closers=[db.dispose, close_classifier])
