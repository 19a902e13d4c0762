"""The fake's state: its configuration, what it has recorded and made (calls, chats, users,
messages, files, pending updates), and the change notification every wait is built on.

``FakeState`` is the base of ``FakeBotAPI`` and of each of its parts (objects, methods,
polling, latency), so each part can be read on its own against this one list of attributes.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .records import Call, Delivery, Failure, Pending, Push, StoredFile

DEFAULT_TOKEN = "123456789:AAHfakeTokenForDutyDeskTests-0123456789"


class FakeState:
    """Configuration and state of a ``FakeBotAPI`` (its constructor)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "dutydesk_test_bot",
        first_name: str = "DutyDesk",
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
        supports_inline_queries: bool = False,
        strict_chats: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        first_update_id: int = 1000,
        group_limit_per_minute: int = 0,
        group_limit_window: float = 60.0,
        allow_http_webhook: bool = False,
        webhook_retry_seconds: float = 0.2,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.first_name = first_name
        self.can_join_groups = can_join_groups
        self.can_read_all_group_messages = can_read_all_group_messages
        self.supports_inline_queries = supports_inline_queries
        #: unknown chat ids: False → created on first use (positive = private, negative = group,
        #: <= -10**12 = supergroup); True → 400 "chat not found".
        self.strict_chats = strict_chats
        self.blocked_chats: set[int | str] = set()
        #: Telegram's limit of messages a minute in one group (0: unlimited); past it a send gets 429.
        self.group_limit_per_minute = group_limit_per_minute
        self.group_limit_window = group_limit_window  # seconds; tests shorten Telegram's minute
        self._group_sends: dict[int, deque[float]] = {}
        self.rate_limited = 0  # sends refused with 429 by that limit
        self.host = host
        self._port = port

        self.calls: list[Call] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chat_members: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        #: tests: setWebhook accepts an http:// URL (a bot on loopback); Telegram wants https
        self.allow_http_webhook = allow_http_webhook
        self.webhook_retry_seconds = webhook_retry_seconds  # before an update not answered 200 is POSTed again
        self.balance_to: list[str] = []  # a load balancer: deliver to these URLs in turn (webhook.py)
        self.deliveries: list[Delivery] = []  # every POST of an update to a webhook
        self._pusher: asyncio.Task[None] | None = None
        self.files: dict[str, StoredFile] = {}

        self._update_ids = itertools.count(first_update_id)
        self._last_update_id = first_update_id - 1
        self._pending: list[Pending] = []
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._next_message_id: dict[int, int] = {}
        self._callback_ids = itertools.count(1)
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._file_counter = itertools.count(1)
        self._failures: dict[str, deque[Failure]] = {}
        self._disconnects: dict[str, int] = {}

        # benchmark bookkeeping
        self._pushes: dict[int, Push] = {}
        self._unreplied: dict[int, deque[int]] = {}
        self._fifo_reply: dict[int, Call] = {}
        self._tagged_reply: dict[int, Call] = {}
        self._sent_index: dict[tuple[int, int], Call] = {}
        self._push_by_message: dict[tuple[int, int], int] = {}
        self._reply_order: list[int] = []  # update ids in the order their reply was matched
        self._instrumented = False

        self._changed = asyncio.Event()
        self._updates_changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    # ------------------------------------------------------------------ change notification

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def _wake_pollers(self) -> None:
        event, self._updates_changed = self._updates_changed, asyncio.Event()
        event.set()

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until ``predicate()`` is true; it is re-checked after every recorded call."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            event = self._changed
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue
