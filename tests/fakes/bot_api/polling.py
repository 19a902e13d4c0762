"""How updates leave the fake: getUpdates long polling over the queue of pushed updates
(offsets, limits, ``allowed_updates``, a newer poll superseding an older one), and the webhook
methods that exclude it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from .errors import TelegramError, bad
from .objects import update_type
from .records import Pending
from .state import FakeState

# Telegram leaves these out unless they are asked for in allowed_updates.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdatePolling(FakeState):
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll is superseded (it answers 409)
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise TelegramError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            batch = self._take(offset, limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping:
                return batch
            event = self._updates_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            keep = self._pending[offset:]
            self._pending = [p for p in self._pending if p.forced or p in keep]
        elif offset > 0:
            self._pending = [p for p in self._pending if p.forced or p.update_id >= offset]

    def _wanted(self, update: dict[str, Any]) -> bool:
        kind = update_type(update)
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _NOT_DEFAULT_UPDATES

    def _take(self, offset: int, limit: int) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        keep: list[Pending] = []
        for pending in self._pending:
            if not self._wanted(pending.update):
                continue  # dropped, as Telegram drops updates of types not asked for
            keep.append(pending)
            if len(batch) < limit and (pending.forced or offset <= 0 or pending.update_id >= offset):
                batch.append(pending.update)
                if pending.forced:
                    keep.pop()  # a forced duplicate is delivered once
        self._pending = keep
        return batch

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params) if url else None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._wake_pollers()
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", "") if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info
