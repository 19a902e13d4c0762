"""Webhook mode's HTTP side, on aiohttp's web server (shared by both engines; bot.receiving.Webhook runs it).

Telegram POSTs each update to WEBHOOK_PATH with the secret in ``X-Telegram-Bot-Api-Secret-Token``.
An update is answered 200 only once it is stored in the inbox (``accept`` returned True): a wrong or
missing secret gets 401 and nothing is stored, a body that is not an update gets 400, a database
that is away gets 503 so that Telegram delivers it again later. ``GET /healthz`` answers 200 while the
database answers, 503 otherwise (for a load balancer or an orchestrator).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 16 * 1024 * 1024  # an update is small; this only bounds what a stranger can make us read

#: (update_id, payload) → stored in the inbox (True), or the database was away (False)
Accept = Callable[[int, str], Awaitable[bool]]
#: whether the database answers
Healthy = Callable[[], Awaitable[bool]]


class WebhookServer:
    """The aiohttp application and site of webhook mode."""

    def __init__(self, *, host: str, port: int, path: str, secret: str, accept: Accept, healthy: Healthy) -> None:
        self.host, self.port, self.path = host, port, path
        self._secret = secret.encode()
        self._accept, self._healthy = accept, healthy
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self.update)
        app.router.add_get("/healthz", self.health)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.application(), access_log=None, handle_signals=False, shutdown_timeout=5.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("webhook server listening on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        """Stop accepting; requests in progress finish (what they stored stays stored)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=401, text="wrong secret token")
        try:
            update = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="the body is not JSON")
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return web.Response(status=400, text="not an update (no integer update_id)")
        if not await self._accept(update_id, json.dumps(update, ensure_ascii=False, separators=(",", ":"))):
            return web.Response(status=503, text="storage unavailable; deliver again later")
        return web.Response(status=200)

    async def health(self, request: web.Request) -> web.Response:
        if await self._healthy():
            return web.Response(status=200, text="ok")
        return web.Response(status=503, text="database unavailable")
