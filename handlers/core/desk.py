"""DutyDesk's core: one inbound in, one outcome out, in one transaction; and the timer sweep.

Engines call :meth:`DutyDesk.handle` and send what it returns; the scheduler calls :meth:`sweep`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import replies, undeliverable
from handlers.core.context import Context, Services, TimerContext
from handlers.core.i18n import Translator, pick_language
from handlers.core.messages import Inbound, Outcome, Reply, clean_inbound
from handlers.core.prepared import NeedsSlowCall, Prepared
from handlers.core.registry import Registry
from handlers.core.router import Router
from storage.clock import utcnow
from storage.codes import Role
from storage.db import Database
from storage.models import Timer, require_id
from storage.repos import inbox, links, outbox, processed, sites, timers

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
MAX_SLOW_CALLS = 4  # an update needing more (LLM calls, downloads) is a bug


class StorageUnavailable(Exception):
    """The database did not answer; nothing of the update was written and it stays in the inbox."""


class DutyDesk:
    def __init__(
        self,
        db: Database,
        services: Services,
        registry: Registry,
        *,
        clock: Callable[[], datetime] = utcnow,
        stale_claim: timedelta = STALE_CLAIM,
    ) -> None:
        self.db = db
        self.stale_claim = stale_claim  # a claim older than this belonged to a process that died
        self.services = services
        self.registry = registry  # the app's features (bot.features)
        self.router = Router(registry)
        self.clock = clock
        self.token = f"desk-{uuid.uuid4().hex[:12]}"  # who claimed a row, for the logs
        self._people: dict[int, tuple[tuple[str, str | None, str | None], bool]] = {}

    def translator_for(self, msg: Inbound) -> Translator:
        return Translator(pick_language(msg.user.language, self.services.default_language))

    async def handle(self, msg: Inbound) -> Outcome:
        """Handle one update in one transaction: the record, the inbox row's removal and every reply
        and notice (into the outbox) commit together. A duplicate update id is ignored. A slow call
        (the LLM, a download) is made between attempts, never inside one (handlers.core.prepared).

        A database fault raises :class:`StorageUnavailable`: nothing was written, the update stays
        in the inbox and is handled again once the database answers. Any other fault is logged
        with context and the sender is told (the update is then done: retrying would fail again)."""
        msg = clean_inbound(msg)
        prepared = Prepared()
        for _ in range(MAX_SLOW_CALLS + 1):
            try:
                return await self._attempt(msg, prepared)
            except NeedsSlowCall as wanted:
                prepared.answers[wanted.key] = await wanted.call()
            except (SQLAlchemyError, OSError) as exc:
                log.debug(  # the runner logs the outage once, not once per update
                    "database error on update %s in chat %s from user %s: %s",
                    msg.update_id,
                    msg.chat.id,
                    msg.user.id,
                    type(exc).__name__,
                )
                raise StorageUnavailable(str(exc)) from exc
            except Exception:
                log.exception(
                    "failed to handle update %s in chat %s from user %s", msg.update_id, msg.chat.id, msg.user.id
                )
                return await self._fault(msg, "error.internal")
        log.error("update %s wanted more than %d slow calls", msg.update_id, MAX_SLOW_CALLS)
        return await self._fault(msg, "error.internal")

    async def _attempt(self, msg: Inbound, prepared: Prepared) -> Outcome:
        try:
            async with self.db.session() as session:
                return await self._handle(session, msg, prepared)
        except BaseException:  # rolled back (commit included): the sender is not known written
            self._people.pop(msg.user.id, None)
            raise

    async def _fault(self, msg: Inbound, key: str) -> Outcome:
        """Tell the sender something went wrong, and mark the update done (through the outbox)."""
        text = self.translator_for(msg)(key)
        outcome = Outcome(toast=text, alert=True) if msg.is_button else Outcome.say(text)
        try:
            async with self.db.session() as session:
                if msg.update_id is not None and not await processed.first_delivery(session, update_id=msg.update_id):
                    return Outcome()
                await inbox.done(session, update_id=msg.update_id)
                outcome.notified = await replies.queue_outcome(session, msg, outcome)
        except (SQLAlchemyError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        return outcome

    async def _handle(self, session: AsyncSession, msg: Inbound, prepared: Prepared) -> Outcome:
        session.sync_session.info["update_id"] = msg.update_id  # for the logs and the fault tests
        if msg.update_id is not None and not await processed.first_delivery(session, update_id=msg.update_id):
            log.info("duplicate update %s ignored", msg.update_id)
            await inbox.done(session, update_id=msg.update_id)
            return Outcome()
        await inbox.done(session, update_id=msg.update_id)
        await self._remember(session, msg)
        site, roles = None, dict[int, Role]()
        if not msg.chat.private:
            site, role = await sites.site_and_role(session, chat_id=msg.chat.id, telegram_id=msg.user.id)
            if site is not None and role is not None:
                roles = {require_id(site): role}
        if site is None:  # private chats and groups that are no duty group see every role
            roles = await sites.roles_of(session, telegram_id=msg.user.id)
        language = site.language if site else pick_language(msg.user.language, self.services.default_language)
        ctx = Context(
            msg=msg,
            session=session,
            services=self.services,
            t=Translator(language),
            now=self.clock(),
            features=self.registry,
            site=site,
            roles=roles,
            prepared=prepared,
        )
        outcome = await self.router.route(ctx)
        outcome.notified = ctx.notified + await replies.queue_outcome(session, msg, outcome)
        return outcome

    async def _remember(self, session: AsyncSession, msg: Inbound) -> None:
        """Upsert the sender, unless this process already wrote exactly this (most messages)."""
        user = msg.user
        known = self._people.get(user.id)
        if msg.chat.private and undeliverable.reached(user.id):
            known = None  # marked unreachable since: write ``reachable`` again
        seen = (user.name, user.username, user.language)
        if known is not None and known[0] == seen and (known[1] or not msg.chat.private):
            return
        await sites.touch_person(
            session,
            telegram_id=user.id,
            name=user.name,
            username=user.username,
            language=user.language,
            private=msg.chat.private,
        )
        if len(self._people) > 50_000:
            self._people.clear()
        self._people[user.id] = (seen, msg.chat.private or (known is not None and known[1]))

    async def link_sent(self, chat_id: int, message_id: int, reply: Reply) -> None:
        """Remember which record a message shows, so a reply or photo to it finds the record (the
        delivery writes these with the rows it marks sent; this is for messages sent otherwise)."""
        if reply.link is None:
            return
        async with self.db.session() as session:
            await links.link_many(session, links=[(chat_id, message_id, *reply.link)])

    async def sweep(self, now: datetime | None = None, *, limit: int = 50) -> int:
        """Run the due business timers once; returns how many ran. Each runs in its own transaction."""
        now = now or self.clock()
        for plan in self.registry.planners:
            try:
                async with self.db.session() as session:
                    await plan(session, now)
            except (SQLAlchemyError, OSError):
                raise  # the database is away: the caller logs the outage once
            except Exception:
                log.exception("planning timers (%s) failed; the next tick tries again", plan.__qualname__)
        async with self.db.session() as session:
            await timers.release_stale(session, older_than=now - self.stale_claim)
            await outbox.release_stale(session, older_than=utcnow() - self.stale_claim)
            claimed = list(await timers.claim(session, now=now, token=self.token, limit=limit))
        for timer in claimed:
            try:
                await self._run_timer(timer, now)
            except (SQLAlchemyError, OSError):
                raise  # the database is away: the claimed timers are taken up again after the stale period
            except Exception:
                log.exception("timer %s (%s for %s) failed; it will be retried", timer.id, timer.kind, timer.ref_id)
        return len(claimed)

    async def _run_timer(self, timer: Timer, now: datetime) -> None:
        """One claimed timer in its own transaction; a slow call it asks for (drawing a report's
        charts) is made between attempts, outside any transaction, as for an update."""
        prepared = Prepared()
        for _ in range(MAX_SLOW_CALLS + 1):
            try:
                async with self.db.session() as session:
                    row = await session.merge(timer)
                    run = self.registry.timers.get(row.kind)
                    context = TimerContext(session, row, now, self.services, prepared, self.registry)
                    due = await run(context) if run else None
                    if due is None:
                        await timers.finish(session, timer=row)
                    else:
                        await timers.reschedule(session, timer=row, due_at=due)
                return
            except NeedsSlowCall as wanted:
                prepared.answers[wanted.key] = await wanted.call()
        raise RuntimeError(f"timer {timer.kind} wanted more than {MAX_SLOW_CALLS} slow calls")
