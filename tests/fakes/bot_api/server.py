"""``FakeBotAPI``: the server's lifecycle, the simulation and inspection API tests call, and
the HTTP routing of requests to the method implementations (methods.py, polling.py), with
injected failures and dropped connections."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, ClassVar

from aiohttp import web

from .errors import TelegramError, bad
from .latency import LatencyTracking
from .methods import BotMethods
from .polling import UpdatePolling
from .records import Call, Failure, Pending
from .webhook import WebhookPush
from .wire import error_payload, json_response, read_params

Handler = Callable[["FakeBotAPI", dict[str, Any]], Any]


class FakeBotAPI(BotMethods, WebhookPush, LatencyTracking):
    """A fake Bot API server; see the package docstring, and ``FakeState`` for the constructor.

    Configuration attributes may be changed at any time: ``blocked_chats`` (sending there
    gives 403), ``username``, ``can_read_all_group_messages``, ``can_join_groups``.
    """

    #: Bot API method → its implementation (called with the fake and the request's parameters).
    _HANDLERS: ClassVar[dict[str, Handler]] = {
        "getMe": BotMethods._get_me,
        "getUpdates": UpdatePolling._get_updates,
        "setWebhook": WebhookPush._set_webhook,
        "deleteWebhook": WebhookPush._delete_webhook,
        "getWebhookInfo": UpdatePolling._get_webhook_info,
        "sendMessage": BotMethods._send_message,
        "sendPhoto": BotMethods._send_photo,
        "sendDocument": BotMethods._send_document,
        "sendChatAction": BotMethods._send_chat_action,
        "editMessageText": BotMethods._edit_message_text,
        "editMessageCaption": BotMethods._edit_message_caption,
        "editMessageReplyMarkup": BotMethods._edit_message_reply_markup,
        "deleteMessage": BotMethods._delete_message,
        "answerCallbackQuery": BotMethods._answer_callback_query,
        "getChat": BotMethods._get_chat,
        "getChatMember": BotMethods._get_chat_member,
        "getFile": BotMethods._get_file,
        "setMyCommands": BotMethods._set_my_commands,
        "deleteMyCommands": BotMethods._delete_my_commands,
        "getMyCommands": BotMethods._get_my_commands,
        "close": BotMethods._true,
        "logOut": BotMethods._true,
    }
    #: method names are case-insensitive, as Telegram's are
    _METHODS: ClassVar[dict[str, str]] = {name.lower(): name for name in _HANDLERS}

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        if self._site is None:
            raise RuntimeError("FakeBotAPI is not started")
        server = self._site._server
        sockets = getattr(server, "sockets", None)
        if not sockets:
            raise RuntimeError("FakeBotAPI has no listening socket")
        return int(sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` — pass to ``TelegramAPIServer.from_base``."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._stopping = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self._port)
        await self._site.start()

    async def stop(self) -> None:
        self._stopping = True
        await self._stop_pushing()
        self._wake_pollers()
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._site = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ simulation API

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; assigns ``update_id`` if missing and returns it."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        uid = int(update["update_id"])
        if uid > self._last_update_id:
            self._last_update_id = uid
            self._update_ids = itertools.count(uid + 1)
        self._enqueue(Pending(uid, update))
        return uid

    def push_raw_update(self, update: dict[str, Any]) -> int:
        """Queue an update exactly as given (it must carry ``update_id``), even one already
        confirmed: it is delivered once by the next getUpdates whatever its offset.  This is
        how a redelivered duplicate is simulated."""
        uid = int(update["update_id"])
        self._enqueue(Pending(uid, update, forced=True))
        return uid

    def _enqueue(self, pending: Pending) -> None:
        self._note_push(pending.update_id, pending.update)
        if self._pending and self._pending[-1].update_id > pending.update_id:
            self._pending.append(pending)
            self._pending.sort(key=lambda p: p.update_id)
        else:
            self._pending.append(pending)
        self._wake_pollers()

    def set_chat_member(self, chat_id: int, user_id: int, status: str = "member", **fields: Any) -> None:
        """What getChatMember answers for this user in this chat (default: ``member``)."""
        self.chat_members[(chat_id, user_id)] = {"status": status, **fields}

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` answer an error: 429 (with
        ``parameters.retry_after``), 5xx or any other status."""
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                try:
                    description = HTTPStatus(status).phrase
                except ValueError:
                    description = "Error"
        self._failures.setdefault(method.lower(), deque()).append(
            Failure(status, description, retry_after if status == 429 else None, times)
        )

    def disconnect_next(self, method: str, *, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get their connection dropped (network error)."""
        self._disconnects[method.lower()] = self._disconnects.get(method.lower(), 0) + times

    # ------------------------------------------------------------------ inspection

    def calls_of(self, method: str, *, ok: bool | None = True) -> list[Call]:
        """Recorded calls of ``method`` (successful ones by default; ``ok=None``: all)."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Params of successful sendMessage calls, optionally to one chat, in order."""
        return [
            c.params
            for c in self.calls
            if c.method == "sendMessage" and c.ok and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The current state of a message (after edits)."""
        return self.messages.get((chat_id, message_id))

    def clear_calls(self) -> None:
        self.calls.clear()

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return [p.update for p in self._pending]

    async def wait_polling(self, *, min_offset: int | None = None, timeout: float = 5.0) -> Call:  # noqa: ASYNC109
        """Wait until a getUpdates request is in flight (long polling), optionally one whose
        ``offset`` is at least ``min_offset`` (i.e. it confirmed the updates below it)."""

        def in_flight() -> Call | None:
            for call in reversed(self.calls):
                if (
                    call.method == "getUpdates"
                    and not call.done
                    and (min_offset is None or int(call.params.get("offset") or 0) >= min_offset)
                ):
                    return call
            return None

        await self.wait_until(lambda: in_flight() is not None, timeout=timeout)
        found = in_flight()
        assert found is not None
        return found

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """Wait until ``count`` successful calls of ``method`` matching ``predicate(call)`` have
        been recorded (since the last ``clear_calls``); returns the first ``count`` of them."""

        def matching() -> list[Call]:
            return [c for c in self.calls if c.method == method and c.ok and (predicate is None or predicate(c))]

        try:
            await self.wait_until(lambda: len(matching()) >= count, timeout=timeout)
        except TimeoutError:
            seen = ", ".join(f"{c.method}({'ok' if c.ok else c.status})" for c in self.calls[-20:])
            raise TimeoutError(
                f"waited {timeout}s for {count} {method} call(s), got {len(matching())}; last calls: {seen}"
            ) from None
        return matching()[:count]

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        name = self._METHODS.get(raw_method.lower(), raw_method)
        try:
            params = await read_params(request)
        except ValueError:
            params = {}
        call = Call(name, params, at)
        self.calls.append(call)
        if name == "getUpdates":
            self._notify()  # a long poll is now in flight (see wait_polling)

        if token != self.token:
            return self._finish(call, TelegramError(401, "Unauthorized"))

        key = name.lower()
        if self._disconnects.get(key):
            self._disconnects[key] -= 1
            call.status, call.description = 0, "connection dropped"
            self._record(call)
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never written: the transport is gone

        failures = self._failures.get(key)
        if failures:
            failure = failures[0]
            failure.times -= 1
            if failure.times <= 0:
                failures.popleft()
            parameters = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
            return self._finish(call, TelegramError(failure.status, failure.description, parameters))

        handler = self._HANDLERS.get(name)
        if handler is None:
            return self._finish(call, TelegramError(404, "Not Found"))
        try:
            result = handler(self, params)
            if asyncio.iscoroutine(result):
                result = await result
        except TelegramError as error:
            return self._finish(call, error)
        except (TypeError, ValueError, KeyError) as error:
            return self._finish(call, bad(f"invalid parameters: {error}"))
        call.ok, call.result = True, result
        self._record(call)
        return json_response(200, {"ok": True, "result": result})

    def _finish(self, call: Call, error: TelegramError) -> web.Response:
        call.status, call.description = error.status, error.description
        self._record(call)
        return json_response(error.status, error_payload(error.status, error.description, error.parameters))

    def _record(self, call: Call) -> None:
        call.done = True
        self._note_sent(call)
        self._notify()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return json_response(401, error_payload(401, "Unauthorized"))
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return json_response(404, error_payload(404, "Not Found"))
