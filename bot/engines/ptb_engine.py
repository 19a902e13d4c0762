"""The python-telegram-bot 22 engine: PTB's Bot and its request layer (on aiohttp) pointed at ``TELEGRAM_API_URL``.

It only talks to the Bot API (send, edit, answer, files, getMe, the menu, getUpdates, the webhook);
the runner owns the inbox and the handling. PTB's errors are mapped onto the delivery's three kinds
exactly like the aiogram engine's: 429 → RetryLater, 5xx and network faults → Transient, a refusal
(403, 400) → Refused. A refused token (401; PTB says the same for 404) is ``TokenRefused`` in every
call, like aiogram's unmapped 401: an outbox row is then not marked failed for good, it waits.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import timedelta
from urllib.parse import urlencode

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    InputFile,
    ReplyParameters,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.engines.base import TokenRefused, Unreachable
from bot.engines.inbound import ALLOWED_UPDATES, update_to_inbound
from bot.engines.ptb_inbound import markup
from bot.engines.ptb_request import AiohttpRequest
from bot.menus import MenuScope
from bot.transport import FileRef, Refused, RetryLater, Transient, Transport
from handlers.core.context import FileSource
from handlers.core.messages import Inbound, Keyboard

log = logging.getLogger(__name__)
# PTB 22.2+ warns on every time period read as an int (retry_after) until this opt-in to its
# announced default (timedelta); _mapped reads either.
os.environ.setdefault("PTB_TIMEDELTA", "1")
TOKEN_REFUSED = "BOT_TOKEN was refused by the Bot API (401 Unauthorized): check the token."


def make_bot(token: str, api_url: str, *, pool_size: int = 64) -> tuple[Bot, list[AiohttpRequest]]:
    """A PTB ``Bot`` on ``api_url`` (``{api_url}/bot{token}/method``, files under ``/file/bot``), and
    its two request objects (getUpdates has its own, so a long poll never waits for a connection),
    on aiohttp (bot/engines/ptb_request.py)."""
    base = api_url.rstrip("/")
    requests = [AiohttpRequest(connection_pool_size=pool_size), AiohttpRequest(connection_pool_size=1)]
    bot = Bot(
        token,
        base_url=base + "/bot",
        base_file_url=base + "/file/bot",
        request=requests[0],
        get_updates_request=requests[1],
    )
    return bot, requests


class _mapped:
    """Translate PTB's errors for the delivery's retry policy (BadRequest is a NetworkError in
    PTB, so the refusals are tested first)."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None:
            return False
        if isinstance(exc, InvalidToken):
            raise TokenRefused(TOKEN_REFUSED) from exc
        if isinstance(exc, RetryAfter):
            wait = exc.retry_after
            raise RetryLater(wait.total_seconds() if isinstance(wait, timedelta) else float(wait)) from exc
        if isinstance(exc, Forbidden | BadRequest | EndPointNotFound | ChatMigrated):
            raise Refused(exc.message, unreachable=isinstance(exc, Forbidden)) from exc
        if isinstance(exc, NetworkError | TelegramError):  # 5xx, timeouts, dropped connections, 409
            raise Transient(exc.message) from exc
        return False


def _input(file: FileRef) -> str | InputFile:
    """A Telegram file id as it is; a file the bot made as a multipart upload."""
    return file if isinstance(file, str) else InputFile(file.data, filename=file.name)


class PtbTransport:
    """Sends through PTB; see :class:`bot.delivery.Transport`."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int:
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        async with _mapped():
            sent = await self.bot.send_message(chat_id, text, reply_markup=markup(buttons), reply_parameters=quote)
        return sent.message_id

    async def send_photo(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        async with _mapped():
            sent = await self.bot.send_photo(
                chat_id, _input(file_id), caption=caption or None, reply_markup=markup(buttons)
            )
        return sent.message_id

    async def send_document(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        async with _mapped():
            sent = await self.bot.send_document(
                chat_id, _input(file_id), caption=caption or None, reply_markup=markup(buttons)
            )
        return sent.message_id

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        try:
            async with _mapped():
                await self.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, reply_markup=markup(buttons)
                )
        except Refused as exc:
            if "not modified" not in str(exc):
                raise

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        async with _mapped():
            await self.bot.answer_callback_query(callback_id, text=text, show_alert=alert)


class PtbFiles:
    """Downloads what users attach: getFile, then the file itself (under ``/file/bot``)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def fetch(self, file_id: str) -> bytes:
        async with _mapped():
            file = await self.bot.get_file(file_id)
            data = await file.download_as_bytearray(read_timeout=30)  # an XLSX roster may be large
        return bytes(data)


class PtbEngine:
    """The :class:`bot.engines.base.Engine` of python-telegram-bot."""

    name = "ptb"

    def __init__(self, token: str, api_url: str) -> None:
        self.bot, self._requests = make_bot(token, api_url)
        self.transport: Transport = PtbTransport(self.bot)
        self.files: FileSource = PtbFiles(self.bot)

    async def introduce(self) -> tuple[str | None, bool]:
        """getMe (not ``Bot.initialize``: its error message carries the token). A refused token is
        ``TokenRefused``; no answer (network, DNS, a malformed URL, 5xx, 429) is ``Unreachable``."""
        try:
            async with _mapped():
                me = await self.bot.get_me()
        except (Transient, RetryLater) as exc:
            raise Unreachable(str(exc)) from exc
        return me.username, bool(me.can_read_all_group_messages)

    async def publish_menu(self, menus: dict[MenuScope, list[tuple[str, str]]]) -> None:
        for where, entries in menus.items():
            scope: BotCommandScope = (
                BotCommandScopeChatMember(where.chat_id, where.user_id)
                if where.chat_id is not None and where.user_id is not None
                else BotCommandScopeChat(where.chat_id)
                if where.chat_id is not None
                else BotCommandScopeAllPrivateChats()
                if where.private
                else BotCommandScopeAllGroupChats()
            )
            commands = [BotCommand(name, text[:256]) for name, text in entries]
            try:
                await self.bot.set_my_commands(commands, scope=scope)
            except TelegramError as exc:
                log.warning("could not publish the command menu: %s", exc.message)

    async def get_updates(self, offset: int | None, poll_seconds: int) -> list[tuple[int, str]]:
        """Raw updates, as Telegram sent them (``Bot.get_updates`` would parse them; the inbox stores
        the JSON): PTB's getUpdates request object, parameters in the query string, which the Bot
        API accepts. Asking from ``offset`` confirms everything before it."""
        params: dict[str, object] = {"timeout": poll_seconds, "allowed_updates": json.dumps(ALLOWED_UPDATES)}
        if offset is not None:
            params["offset"] = offset
        url = f"{self.bot.base_url}/getUpdates?{urlencode(params)}"
        async with _mapped():
            raw = await self._requests[1].post(url, read_timeout=poll_seconds + 10)
        if not isinstance(raw, list):
            raise Transient(f"getUpdates answered {type(raw).__name__}, not a list")
        return [(int(u["update_id"]), json.dumps(u, ensure_ascii=False, separators=(",", ":"))) for u in raw]

    def to_inbound(self, payload: str) -> Inbound | None:
        return update_to_inbound(payload)

    async def set_webhook(self, url: str, secret: str) -> None:
        async with _mapped():
            await self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def delete_webhook(self) -> None:
        async with _mapped():
            await self.bot.delete_webhook(drop_pending_updates=False)

    async def close(self) -> None:
        for request in self._requests:
            await request.shutdown()
