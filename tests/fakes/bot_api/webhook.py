"""Webhook delivery, as Telegram does it: while a webhook is set, pending updates are POSTed to its
URL (with ``X-Telegram-Bot-Api-Secret-Token`` when a secret was given), at most ``max_connections``
at once; an update that does not get 200 stays pending and is POSTed again later. Every attempt is
recorded in ``deliveries``.

``balance_to`` models a load balancer in front of several bot processes: when set, updates go to
those URLs in turn instead of the registered one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import aiohttp

from .polling import UpdatePolling
from .records import Delivery, Pending

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookPush(UpdatePolling):
    """The pusher task of a ``FakeBotAPI`` with a webhook set."""

    def _start_pushing(self) -> None:
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.get_running_loop().create_task(self._push_loop())

    async def _stop_pushing(self) -> None:
        pusher, self._pusher = self._pusher, None
        if pusher is not None:
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pusher

    def delivered(self, update_id: int | None = None) -> list[Delivery]:
        """Successful (200) deliveries, optionally of one update."""
        return [d for d in self.deliveries if d.status == 200 and (update_id is None or d.update_id == update_id)]

    async def _push_loop(self) -> None:
        in_flight: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()
        targets = itertools.count()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            try:
                while self.webhook is not None and not self._stopping:
                    limit = int(self.webhook.get("max_connections") or 40)
                    woken = self._updates_changed
                    for pending in list(self._pending):
                        if len(in_flight) >= limit:
                            break
                        if pending.update_id in in_flight or not self._wanted(pending.update):
                            continue
                        in_flight.add(pending.update_id)
                        url = self._target(next(targets))
                        task = asyncio.create_task(self._post(http, url, pending, in_flight))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(woken.wait(), self.webhook_retry_seconds)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    def _target(self, n: int) -> str:
        if self.balance_to:
            return self.balance_to[n % len(self.balance_to)]
        assert self.webhook is not None
        return str(self.webhook["url"])

    async def _post(self, http: aiohttp.ClientSession, url: str, pending: Pending, in_flight: set[int]) -> None:
        assert self.webhook is not None
        secret = self.webhook.get("secret_token")
        headers = {SECRET_HEADER: str(secret)} if secret else {}
        status = 0
        try:
            async with http.post(url, json=pending.update, headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            status = 0
        except asyncio.CancelledError:
            in_flight.discard(pending.update_id)
            raise
        self.deliveries.append(Delivery(pending.update_id, url, status))
        if status == 200 and pending in self._pending:
            self._pending.remove(pending)
        self._notify()
        try:
            if status != 200:
                await asyncio.sleep(self.webhook_retry_seconds)  # Telegram waits before trying again
        finally:
            in_flight.discard(pending.update_id)
            self._wake_pollers()

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if url.startswith("http://") and self.allow_http_webhook:
            params = {**params, "url": "https://" + url[len("http://") :]}  # passes Telegram's check
            done = super()._set_webhook(params)
            assert self.webhook is not None
            self.webhook["url"] = url
        else:
            done = super()._set_webhook(params)
        if self.webhook is not None:
            self._start_pushing()
        return done

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        done = super()._delete_webhook(params)
        if self._pusher is not None:
            self._pusher.cancel()
            self._pusher = None
        return done
