"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

An aiohttp.web server on 127.0.0.1 (random port) that speaks the Bot API wire format that
aiogram's ``TelegramAPIServer.from_base(url)`` expects: ``POST {base}/bot{token}/{method}`` and
``GET {base}/file/bot{token}/{path}``.  Parameters are accepted as a query string, JSON,
urlencoded form or multipart form (nested objects such as ``reply_markup`` arriving as JSON
strings are decoded).  Errors follow Telegram's shapes and descriptions, so the engine's error
handling meets what production meets.

It runs in the test's own event loop; the simulation API (``push_update``, builders,
``fail_next``, ``wait_for``...) is plain Python called from that loop.

Usage::

    async with FakeBotAPI() as api:
        bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
        api.push_update(api.user_message(-100, 7, "/log 3栋大堂漏水"))
        [call] = await api.wait_for("sendMessage")

Latency matching (benchmarks) — see ``latency_pairs`` and bench/README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import html
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "FakeBotAPI",
    "LatencyPair",
    "TelegramError",
    "Upload",
]

DEFAULT_TOKEN = "123456789:AAHfakeTokenForDutyDeskTests-0123456789"

#: Parameters that are always strings, never JSON-decoded (``text="123"`` stays ``"123"``).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "title",
        "description",
        "short_description",
        "name",
        "query",
        "data",
        "file_id",
        "photo",
        "document",
        "audio",
        "video",
        "voice",
        "sticker",
        "emoji",
        "first_name",
        "last_name",
        "username",
    }
)

_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")
_TAG_RE = re.compile(r"<[^>]*>")
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
# Telegram leaves these out unless they are asked for in allowed_updates.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_UPDATE_META_KEYS = frozenset({"update_id"})

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a content and reply markup of the current message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

_CURRENT_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "fake_bot_api_current_update", default=None
)


class TelegramError(Exception):
    """An error answer of the Bot API (raised inside method implementations)."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {description}")


@dataclass
class Upload:
    """A file that arrived as a multipart part."""

    name: str
    filename: str | None
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class Call:
    """One request received by the fake.

    Calls are appended to ``FakeBotAPI.calls`` in arrival order as soon as their parameters are
    read; ``done`` turns true when the answer is made (a long-polling getUpdates stays not done
    while it waits).  ``at`` is ``time.monotonic()`` when the request arrived (before its body was
    read).  ``ok`` is true only for a finished successful call: false while pending and for any
    error answer (including injected failures and dropped connections, whose ``status`` is 0).
    """

    method: str
    params: dict[str, Any]
    at: float
    ok: bool = False
    status: int = 200
    result: Any = None
    description: str | None = None
    done: bool = False


@dataclass(frozen=True)
class LatencyPair:
    """An update pushed by the test and the first reply the bot made for it."""

    update_id: int
    chat_id: int | None
    pushed_at: float
    replied_at: float
    reply: Call

    @property
    def latency(self) -> float:
        return self.replied_at - self.pushed_at


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class _Push:
    at: float
    chat_id: int | None
    message_id: int | None


@dataclass
class _Pending:
    update_id: int
    update: dict[str, Any]
    forced: bool = False


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    path: str
    data: bytes = field(repr=False)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode(key: str, value: Any) -> Any:
    """Decode one form/query value: JSON objects, arrays, numbers and booleans, except for
    parameters that are strings by definition."""
    if not isinstance(value, str) or key in STRING_PARAMS:
        return value
    s = value.strip()
    if not s:
        return value
    if s[0] in "{[" or s in ("true", "false", "null") or _NUMBER_RE.fullmatch(s):
        try:
            return json.loads(s)
        except ValueError:
            return value
    return value


def _update_type(update: dict[str, Any]) -> str | None:
    for key in update:
        if key not in _UPDATE_META_KEYS:
            return key
    return None


def _update_chat_and_message(update: dict[str, Any]) -> tuple[int | None, int | None]:
    kind = _update_type(update)
    if kind is None:
        return None, None
    body = update.get(kind)
    if not isinstance(body, dict):
        return None, None
    if kind == "callback_query":
        message = body.get("message")
        if isinstance(message, dict):
            return message.get("chat", {}).get("id"), None
        return None, None
    chat = body.get("chat")
    if isinstance(chat, dict):
        return chat.get("id"), body.get("message_id")
    return None, None


class FakeBotAPI:
    """A fake Bot API server; see the module docstring.

    Configuration attributes may be changed at any time: ``blocked_chats`` (sending there
    gives 403), ``username``, ``can_read_all_group_messages``, ``can_join_groups``.
    """

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
        self.host = host
        self._port = port

        self.calls: list[Call] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chat_members: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, _StoredFile] = {}

        self._update_ids = itertools.count(first_update_id)
        self._last_update_id = first_update_id - 1
        self._pending: list[_Pending] = []
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._next_message_id: dict[int, int] = {}
        self._callback_ids = itertools.count(1)
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._file_counter = itertools.count(1)
        self._failures: dict[str, deque[_Failure]] = {}
        self._disconnects: dict[str, int] = {}

        # benchmark bookkeeping
        self._pushes: dict[int, _Push] = {}
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

        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "close": self._true,
            "logOut": self._true,
        }
        self._methods = {name.lower(): name for name in self._handlers}

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
        self._enqueue(_Pending(uid, update))
        return uid

    def push_raw_update(self, update: dict[str, Any]) -> int:
        """Queue an update exactly as given (it must carry ``update_id``), even one already
        confirmed: it is delivered once by the next getUpdates whatever its offset.  This is
        how a redelivered duplicate is simulated."""
        uid = int(update["update_id"])
        self._enqueue(_Pending(uid, update, forced=True))
        return uid

    def _enqueue(self, pending: _Pending) -> None:
        chat_id, message_id = _update_chat_and_message(pending.update)
        if pending.update_id not in self._pushes:
            self._pushes[pending.update_id] = _Push(time.monotonic(), chat_id, message_id)
            if chat_id is not None:
                self._unreplied.setdefault(chat_id, deque()).append(pending.update_id)
                if message_id is not None:
                    self._push_by_message[(chat_id, message_id)] = pending.update_id
        if self._pending and self._pending[-1].update_id > pending.update_id:
            self._pending.append(pending)
            self._pending.sort(key=lambda p: p.update_id)
        else:
            self._pending.append(pending)
        self._wake_pollers()

    def make_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """The ``User`` object of a person (remembered for getChatMember)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}"}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        return user

    def make_chat(self, chat_id: int, *, chat_type: str | None = None, title: str | None = None) -> dict[str, Any]:
        """The ``Chat`` object of ``chat_id`` (created and remembered if new)."""
        chat = self.chats.get(chat_id)
        if chat is not None and (chat_type is None or chat["type"] == chat_type):
            if title and chat["type"] != "private":
                chat["title"] = title
            return chat
        if chat_type is None:
            chat_type = "private" if chat_id > 0 else ("supergroup" if chat_id <= -(10**12) else "group")
        chat = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            user = self.users.get(chat_id)
            chat["first_name"] = user["first_name"] if user else f"User {chat_id}"
            if user and user.get("username"):
                chat["username"] = user["username"]
        else:
            chat["title"] = title or f"Chat {chat_id}"
        self.chats[chat_id] = chat
        return chat

    def user_message(
        self,
        chat_id: int,
        user_id: int,
        text: str = "",
        *,
        chat_type: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
        photo: bool = False,
        chat_title: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A ``message`` update (without update_id) from ``user_id`` in ``chat_id``.

        ``chat_type`` defaults from the id (positive: private; negative: group; <= -10**12:
        supergroup).  A leading ``/command`` gets its ``bot_command`` entity like Telegram gives.
        ``photo=True`` makes a photo message with ``text`` as its caption.
        ``reply_to_message_id`` must name a message of that chat the fake knows (sent by the bot
        or built here).  ``extra`` is merged into the Message.
        """
        user = self.make_user(user_id, first_name=first_name, username=username, language_code=language_code)
        if chat_id == user_id and chat_type in (None, "private"):
            chat = self.make_chat(chat_id, chat_type="private")
        else:
            chat = self.make_chat(chat_id, chat_type=chat_type, title=chat_title)
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": dict(chat),
            "date": int(time.time()),
        }
        entities = self._command_entities(text)
        if photo:
            stored = self._store_file(b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9", "photos")
            message["photo"] = self._photo_sizes(stored)
            if text:
                message["caption"] = text
                if entities:
                    message["caption_entities"] = entities
        else:
            message["text"] = text
            if entities:
                message["entities"] = entities
        if reply_to_message_id is not None:
            replied = self.messages.get((chat_id, reply_to_message_id))
            if replied is None:
                raise KeyError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        if extra:
            message.update(extra)
        self.messages[(chat_id, message["message_id"])] = message
        return {"message": message}

    def user_click(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        data: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """A ``callback_query`` update: ``user_id`` pressed a button with ``data`` under the
        message ``message_id`` the bot sent to ``chat_id``.  ``data`` is not checked against
        the keyboard, so forged button data can be tested."""
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        user = self.users.get(user_id) if first_name is None and username is None else None
        if user is None:
            user = self.make_user(user_id, first_name=first_name, username=username)
        query_id = f"{self.bot_id}{next(self._callback_ids):010d}"
        self._callback_queries[query_id] = False
        return {
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": dict(message),
                "chat_instance": str(abs(hash((self.bot_id, chat_id))) % 10**18),
                "data": data,
            }
        }

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
            _Failure(status, description, retry_after if status == 429 else None, times)
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

    # ------------------------------------------------------------------ latency (benchmarks)

    def instrument(self, dispatcher: Dispatcher, bot: Bot) -> None:
        """Tag each reply with the update being handled (exact latency matching).

        Installs an outer update middleware on ``dispatcher`` that puts the update_id in a
        context variable, and a request middleware on ``bot.session`` that, when a ``send*``
        call made in that context returns a Message (or, for a method declared to return only the
        id, a MessageId), tells the fake which update it answered.
        Once called, ``latency_pairs`` uses these tags only.
        """
        from aiogram.types import Message

        async def update_context(handler: Any, event: Any, data: dict[str, Any]) -> Any:
            token = _CURRENT_UPDATE.set(getattr(event, "update_id", None))
            try:
                return await handler(event, data)
            finally:
                _CURRENT_UPDATE.reset(token)

        async def tag_reply(make_request: Any, bot: Any, method: Any) -> Any:
            result = await make_request(bot, method)
            update_id = _CURRENT_UPDATE.get()
            if update_id is None or not getattr(method, "__api_method__", "").startswith("send"):
                return result
            if isinstance(result, Message):
                self._tag(update_id, result.chat.id, result.message_id)
            elif isinstance(getattr(result, "message_id", None), int):  # a send read only for its id
                self._tag(update_id, int(method.chat_id), result.message_id)
            return result

        dispatcher.update.outer_middleware(update_context)
        bot.session.middleware(tag_reply)
        self._instrumented = True

    def _tag(self, update_id: int, chat_id: int, message_id: int) -> None:
        call = self._sent_index.get((chat_id, message_id))
        push = self._pushes.get(update_id)
        if call is None or push is None or (push.chat_id is not None and push.chat_id != chat_id):
            return
        current = self._tagged_reply.get(update_id)
        if current is None or call.at < current.at:
            self._tagged_reply[update_id] = call
            if current is None:
                self._reply_order.append(update_id)
            self._notify()

    def _match_fifo(self, call: Call) -> None:
        """Match a successful send* to a pushed update of the same chat: the update whose
        message it replies to, else the oldest unanswered one pushed before it."""
        chat_id = call.result["chat"]["id"]
        queue = self._unreplied.get(chat_id)
        if not queue:
            return
        reply_to = call.params.get("reply_to_message_id")
        reply_parameters = call.params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id", reply_to)
        chosen: int | None = None
        if reply_to is not None:
            quoted = self._push_by_message.get((chat_id, reply_to))
            if quoted is not None and quoted not in self._fifo_reply:
                chosen = quoted
        if chosen is None and self._pushes[queue[0]].at <= call.at:
            chosen = queue[0]
        if chosen is not None:
            if chosen == queue[0]:
                queue.popleft()
            else:
                queue.remove(chosen)
            self._fifo_reply[chosen] = call
            self._reply_order.append(chosen)

    @property
    def matching(self) -> str:
        """``"tagged"`` after ``instrument()``, else ``"fifo"``."""
        return "tagged" if self._instrumented else "fifo"

    def replies(self) -> dict[int, Call]:
        """update_id → the first reply matched to it (see ``matching``)."""
        return self._tagged_reply if self._instrumented else self._fifo_reply

    async def wait_replies(
        self,
        update_ids: Iterable[int],
        *,
        count: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> set[int]:
        """Wait until ``count`` (default: all) of ``update_ids`` have a matched reply; returns
        the ids that have one."""
        wanted = set(update_ids)
        need = len(wanted) if count is None else count
        replies = self.replies()
        got = {uid for uid in wanted if uid in replies}
        cursor = len(self._reply_order)

        def done() -> bool:
            nonlocal cursor
            # only the replies matched since the last check: O(new), not O(len(update_ids))
            for uid in self._reply_order[cursor:]:
                if uid in wanted:
                    got.add(uid)
            cursor = len(self._reply_order)
            return len(got) >= need

        await self.wait_until(done, timeout=timeout)
        return got

    def latency_pairs(self, update_ids: Iterable[int] | None = None) -> list[LatencyPair]:
        """Each pushed update (optionally only ``update_ids``) with its first reply, by update_id.

        Matching: after ``instrument(dp, bot)``, the first successful ``send*`` call made while
        aiogram handled that update (context variable), into the update's chat; exact under any
        concurrency.  Without instrumentation ("fifo"): a reply quoting the update's message
        (``reply_parameters``/``reply_to_message_id``), else the oldest unanswered update of that
        chat pushed before the reply; exact when each chat has one update in flight.
        Times are ``time.monotonic()``: push time and the reply's arrival at the fake.
        """
        replies = self.replies()
        ids = sorted(replies) if update_ids is None else [u for u in update_ids if u in replies]
        pairs = []
        for uid in ids:
            push = self._pushes[uid]
            call = replies[uid]
            pairs.append(LatencyPair(uid, push.chat_id, push.at, call.at, call))
        return pairs

    def push_time(self, update_id: int) -> float:
        return self._pushes[update_id].at

    # ------------------------------------------------------------------ HTTP

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def _wake_pollers(self) -> None:
        event, self._updates_changed = self._updates_changed, asyncio.Event()
        event.set()

    @staticmethod
    def _json_response(status: int, payload: dict[str, Any]) -> web.Response:
        return web.Response(
            status=status,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            content_type="application/json",
        )

    @staticmethod
    def _error_payload(status: int, description: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return payload

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
        if not request.can_read_body:
            return params
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                for key, value in body.items():
                    params[key] = value if not isinstance(value, str) else _decode_nested(key, value)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            uploads: dict[str, Upload] = {}
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = Upload(key, value.filename, value.content_type, value.file.read())
                elif isinstance(value, bytes | bytearray):
                    uploads[key] = Upload(key, None, "application/octet-stream", bytes(value))
                else:
                    params[key] = _decode(key, value)
            for key, value in list(params.items()):
                if isinstance(value, str) and value.startswith("attach://") and value[9:] in uploads:
                    params[key] = uploads.pop(value[9:])
            for key, upload in uploads.items():
                params.setdefault(key, upload)
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        name = self._methods.get(raw_method.lower(), raw_method)
        try:
            params = await self._read_params(request)
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

        handler = self._handlers.get(name)
        if handler is None:
            return self._finish(call, TelegramError(404, "Not Found"))
        try:
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except TelegramError as error:
            return self._finish(call, error)
        except (TypeError, ValueError, KeyError) as error:
            return self._finish(call, _bad(f"invalid parameters: {error}"))
        call.ok, call.result = True, result
        self._record(call)
        return self._json_response(200, {"ok": True, "result": result})

    def _finish(self, call: Call, error: TelegramError) -> web.Response:
        call.status, call.description = error.status, error.description
        self._record(call)
        return self._json_response(error.status, self._error_payload(error.status, error.description, error.parameters))

    def _record(self, call: Call) -> None:
        call.done = True
        if call.ok and call.method.startswith("send") and isinstance(call.result, dict) and "message_id" in call.result:
            self._sent_index[(call.result["chat"]["id"], call.result["message_id"])] = call
            if not self._instrumented:
                self._match_fifo(call)
        self._notify()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json_response(401, self._error_payload(401, "Unauthorized"))
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return self._json_response(404, self._error_payload(404, "Not Found"))

    # ------------------------------------------------------------------ helpers

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    @staticmethod
    def _command_entities(text: str) -> list[dict[str, Any]]:
        if not text.startswith("/") or len(text) < 2:
            return []
        command = text.split(maxsplit=1)[0]
        return [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]

    def _store_file(self, data: bytes, folder: str, ext: str = "jpg") -> _StoredFile:
        n = next(self._file_counter)
        stored = _StoredFile(
            file_id=f"AgACAgQAAxkBAAI{n:08d}{self.bot_id}",
            file_unique_id=f"AQAD{n:06d}",
            path=f"{folder}/file_{n}.{ext}",
            data=data,
        )
        self.files[stored.file_id] = stored
        return stored

    @staticmethod
    def _photo_sizes(stored: _StoredFile) -> list[dict[str, Any]]:
        return [
            {
                "file_id": f"{stored.file_id}s",
                "file_unique_id": f"{stored.file_unique_id}s",
                "width": 90,
                "height": 68,
                "file_size": min(len(stored.data), 1200),
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(stored.data),
            },
        ]

    def _chat(self, params: dict[str, Any], *, sending: bool = False) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if sending and chat_id in self.blocked_chats:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for known in self.chats.values():
                    if known.get("username") == chat_id[1:]:
                        return known
            raise _bad("chat not found")
        if not isinstance(chat_id, int):
            raise _bad("chat not found")
        chat = self.chats.get(chat_id)
        if chat is None:
            if self.strict_chats:
                raise _bad("chat not found")
            chat = self.make_chat(chat_id)
        return chat

    @staticmethod
    def _text_length(text: str, parse_mode: Any) -> int:
        if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
            text = html.unescape(_TAG_RE.sub("", text))
        return _utf16_len(text)

    def _check_text(self, text: Any, parse_mode: Any, *, editing: bool = False) -> str:
        if not isinstance(text, str) or not text.strip():
            raise _bad("text must be non-empty" if editing else "message text is empty")
        if self._text_length(text, parse_mode) > 4096:
            raise _bad("MESSAGE_TOO_LONG" if editing else "message is too long")
        return text

    def _check_caption(self, caption: Any, parse_mode: Any) -> str | None:
        if caption is None or caption == "":
            return None
        if not isinstance(caption, str):
            raise _bad("caption must be a string")
        if self._text_length(caption, parse_mode) > 1024:
            raise _bad("message caption is too long")
        return caption

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        """Validate a reply_markup; return what a Message echoes (inline keyboards only)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
        clean_rows = []
        for row in rows:
            clean_row = []
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                clean = {k: v for k, v in button.items() if v is not None}
                if "callback_data" in clean:
                    data = clean["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                        raise _bad("BUTTON_DATA_INVALID")
                elif len(clean) < 2:
                    raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                clean_row.append(clean)
            clean_rows.append(clean_row)
        return {"inline_keyboard": clean_rows}

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply_to = params.get("reply_to_message_id")
        allow_without = bool(params.get("allow_sending_without_reply"))
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id", reply_to)
            allow_without = bool(reply_parameters.get("allow_sending_without_reply", allow_without))
            chat_id = reply_parameters.get("chat_id", chat_id)
        if reply_to is None:
            return None
        replied = self.messages.get((chat_id, reply_to))
        if replied is None:
            if allow_without:
                return None
            raise _bad("message to be replied not found")
        return {k: v for k, v in replied.items() if k != "reply_to_message"}

    def _new_bot_message(self, chat: dict[str, Any], params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "from": self._bot_user(),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        reply_to = self._reply_to(chat["id"], params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update({k: v for k, v in content.items() if v is not None})
        self.messages[(chat["id"], message["message_id"])] = message
        return dict(message)

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise _bad("inline messages are not supported by the fake")
        chat = self._chat(params)
        message = self.messages.get((chat["id"], params.get("message_id")))  # type: ignore[arg-type]
        if message is None:
            raise _bad("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")
        return message

    # ------------------------------------------------------------------ methods

    @staticmethod
    def _true(params: dict[str, Any]) -> bool:
        return True

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

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
        kind = _update_type(update)
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _NOT_DEFAULT_UPDATES

    def _take(self, offset: int, limit: int) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        keep: list[_Pending] = []
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
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
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

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params, sending=True)
        text = self._check_text(params.get("text"), params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        return self._new_bot_message(chat, params, text=text, reply_markup=markup)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params, sending=True)
        caption = self._check_caption(params.get("caption"), params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        photo = params.get("photo")
        if isinstance(photo, Upload):
            stored = self._store_file(photo.data, "photos")
        elif isinstance(photo, str) and photo.rstrip("s") in self.files:
            stored = self.files[photo.rstrip("s")]
        elif isinstance(photo, str) and photo.startswith(("http://", "https://")):
            stored = self._store_file(b"", "photos")
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        return self._new_bot_message(
            chat, params, photo=self._photo_sizes(stored), caption=caption, reply_markup=markup
        )

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat(params, sending=True)
        return True

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        text = self._check_text(params.get("text"), params.get("parse_mode"), editing=True)
        markup = self._check_markup(params.get("reply_markup"))
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        if message["text"] == text and message.get("reply_markup") == markup:
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = text
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return dict(message)

    def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        caption = self._check_caption(params.get("caption"), params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        if "photo" not in message:
            raise _bad("there is no caption in the message to edit")
        if message.get("caption") == caption and message.get("reply_markup") == markup:
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        if caption is None:
            message.pop("caption", None)
        else:
            message["caption"] = caption
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return dict(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        markup = self._check_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return dict(message)

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        if self.messages.pop((chat["id"], params.get("message_id")), None) is None:  # type: ignore[arg-type]
            raise _bad("message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or self._callback_queries.get(query_id) is not False:
            raise _bad(_QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        return True

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise _bad("invalid user_id specified")
        if user_id == self.bot_id:
            user = self._bot_user()
        else:
            user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        member = self.chat_members.get((chat["id"], user_id), {"status": "member"})
        status = member["status"]
        result: dict[str, Any] = {"user": user, "status": status}
        if status == "administrator":
            result.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_send_welcome_messages": False,
                }
            )
        elif status == "creator":
            result["is_anonymous"] = False
        elif status == "kicked":
            result["until_date"] = 0
        result.update({k: v for k, v in member.items() if k != "status"})
        return result

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params.get("file_id")
        stored = self.files.get(str(file_id).rstrip("s")) if file_id else None
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("commands must be a list of at most 100 BotCommand")
        clean = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": command["command"], "description": description})
        self.commands[self._commands_key(params)] = clean
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands.get(self._commands_key(params), []))


def _decode_nested(key: str, value: str) -> Any:
    """In a JSON body, objects sometimes arrive as JSON strings (``reply_markup``); decode those."""
    if key in STRING_PARAMS:
        return value
    s = value.strip()
    if s[:1] in "{[":
        try:
            return json.loads(s)
        except ValueError:
            return value
    return value
