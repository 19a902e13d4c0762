"""How updates come in, by long polling or by webhook: either way each is stored in the inbox before
Telegram is told it was received (the next getUpdates carries the new offset; a webhook answers
200), so a process killed at any moment loses nothing, and a fresh one is queued for the workers."""

from __future__ import annotations

import asyncio
import contextlib

from bot import faults
from bot.config import Settings
from bot.engines.base import Engine, TokenRefused, Unreachable
from bot.errors import StartupError, first_line
from bot.intake import Intake
from bot.outage import OutageLog, pause
from bot.transport import Refused, RetryLater, Transient
from bot.webhook import WebhookServer


class Polling:
    """getUpdates into the inbox until the bot stops."""

    def __init__(self, engine: Engine, intake: Intake, *, timeout: int, api_outage: OutageLog) -> None:
        self.engine, self.intake, self.timeout, self.api_outage = engine, intake, timeout, api_outage
        self.stopping = intake.stopping
        self.offset: int | None = None  # the next getUpdates confirms every update before it

    async def run(self) -> None:
        await self.engine.delete_webhook()
        while not self.stopping.is_set():
            offset = self.offset
            try:
                updates = await self.engine.get_updates(offset, self.timeout)
                self.api_outage.ok()
            except TokenRefused:
                raise
            except (Transient, RetryLater, Refused, Unreachable) as exc:
                self.api_outage.failed(exc, "getUpdates")
                await pause(self.stopping, 2.0)
                continue
            if not updates:
                continue
            fresh = await self._store(updates)
            if fresh is None:
                return  # stopping while the database is away: nothing was confirmed
            faults.point("stored")
            self.offset = max(update_id for update_id, _ in updates) + 1  # confirmed with the next call
            for update_id, payload in updates:
                if update_id in fresh:
                    await self.intake.put(update_id, payload)

    async def _store(self, updates: list[tuple[int, str]]) -> set[int] | None:
        """Store the batch, retrying while the database is away (Telegram keeps the updates meanwhile)."""
        delay = 0.5
        while not self.stopping.is_set():
            fresh = await self.intake.store(updates, f"storing {len(updates)} update(s)")
            if fresh is not None:
                return fresh
            await pause(self.stopping, delay)
            delay = min(delay * 2, 10.0)
        return None

    async def confirm_stored(self) -> None:
        """At a clean stop, tell Telegram that what is stored was received (what comes back with
        this call is not confirmed by it, and is fetched again at the next start)."""
        if self.offset is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.engine.get_updates(self.offset, 0), timeout=5)


class Webhook:
    """Webhook mode: Telegram POSTs updates to the server (bot/webhook.py), which answers 200 only
    once one is stored, so several processes can share the work."""

    def __init__(self, engine: Engine, intake: Intake, settings: Settings) -> None:
        self.engine, self.intake, self.settings = engine, intake, settings
        self.stopping = intake.stopping

    async def run(self) -> None:
        """Listen, set the webhook, and serve until the bot stops."""
        host, port = self.settings.webhook_address
        secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else ""
        server = WebhookServer(
            host=host, port=port, path=self.settings.webhook_path, secret=secret,
            accept=self._accept, healthy=self.intake.database_answers,
        )  # fmt: skip
        try:
            await server.start()
        except OSError as exc:
            raise StartupError(
                f"cannot listen on {self.settings.webhook_listen} ({exc}); check WEBHOOK_LISTEN"
            ) from None
        try:
            await self._set_webhook(secret)
            await self.stopping.wait()
        finally:
            await server.stop()

    async def _set_webhook(self, secret: str) -> None:
        for attempt in range(1, 4):
            try:
                await self.engine.set_webhook(self.settings.webhook_url, secret)
                return
            except (Transient, RetryLater, Unreachable) as exc:
                if attempt == 3:
                    raise StartupError(f"setWebhook failed ({first_line(exc)}); check WEBHOOK_URL") from None
                await pause(self.stopping, attempt)
            except Refused as exc:
                raise StartupError(f"setWebhook was refused ({first_line(exc)}); check WEBHOOK_URL") from None

    async def confirm_stored(self) -> None:
        """Nothing to confirm at a stop: each update was answered 200 once it was stored."""

    async def _accept(self, update_id: int, payload: str) -> bool:
        """One pushed update: stored (True; a fresh one is queued for the workers) or not (False:
        the webhook answers 5xx and Telegram delivers it again)."""
        fresh = await self.intake.store([(update_id, payload)], f"storing update {update_id}")
        if fresh is None:
            return False
        faults.point("stored")
        if fresh:  # shielded: a dropped connection must not leave it marked queued but not in the queue
            await asyncio.shield(self.intake.put(update_id, payload))
        return True
