"""The aiogram 3 engine: the Bot API through aiogram for the runner (stored updates are read by
``bot.engines.inbound``)."""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates, SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    BotCommandScopeUnion,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageId,
)
from aiohttp import ClientError

from bot.engines.base import TokenRefused, Unreachable
from bot.engines.inbound import ALLOWED_UPDATES, update_to_inbound
from bot.menus import MenuScope
from bot.transport import FileRef, Refused, RetryLater, Transient
from handlers.core.messages import Inbound, Keyboard

log = logging.getLogger(__name__)


def make_bot(token: str, api_url: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url.rstrip("/")))
    return Bot(token, session=session)


class SendMessageForId(SendMessage):
    """sendMessage whose answer is read only for its message_id: validating the whole returned
    Message (chat, sender, keyboard) cost about half a millisecond per reply (bench/bench_log.py)."""

    __returning__ = MessageId  # type: ignore[assignment]  # narrower on purpose


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.data, url=b.url) for b in row] for row in buttons
        ]
    )


def _input(file: FileRef) -> str | BufferedInputFile:
    """A Telegram file id as it is; a file the bot made as a multipart upload."""
    return file if isinstance(file, str) else BufferedInputFile(file.data, filename=file.name)


class AiogramTransport:
    """Sends through aiogram and maps its exceptions onto the delivery's three kinds."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int:
        async with _mapped():
            sent = await self.bot(
                SendMessageForId(
                    chat_id=chat_id,
                    text=text,
                    reply_markup=markup(buttons),
                    reply_to_message_id=reply_to,
                    allow_sending_without_reply=True if reply_to else None,
                )
            )
        return sent.message_id

    async def send_photo(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        async with _mapped():
            sent = await self.bot.send_photo(
                chat_id=chat_id, photo=_input(file_id), caption=caption or None, reply_markup=markup(buttons)
            )
        return sent.message_id

    async def send_document(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        async with _mapped():
            sent = await self.bot.send_document(
                chat_id=chat_id, document=_input(file_id), caption=caption or None, reply_markup=markup(buttons)
            )
        return sent.message_id

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        try:
            async with _mapped():
                await self.bot.edit_message_text(
                    text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup(buttons)
                )
        except Refused as exc:
            if "not modified" not in str(exc):
                raise

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        async with _mapped():
            await self.bot.answer_callback_query(callback_id, text=text, show_alert=alert)


class _mapped:
    """Translate aiogram's errors for the delivery's retry policy."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None:
            return False
        if isinstance(exc, TelegramRetryAfter):
            raise RetryLater(float(exc.retry_after)) from exc
        if isinstance(exc, TelegramServerError | TelegramNetworkError):
            raise Transient(str(exc)) from exc
        if isinstance(exc, TelegramForbiddenError | TelegramBadRequest | TelegramNotFound):
            raise Refused(str(exc), unreachable=isinstance(exc, TelegramForbiddenError)) from exc
        return False


class GetRawUpdates(GetUpdates):
    """getUpdates whose answer is kept as the JSON objects Telegram sent: they are stored in the
    inbox as they are, and parsed once, when handled."""

    __returning__ = list[dict[str, Any]]  # type: ignore[assignment]  # raw on purpose


class AiogramFiles:
    """Downloads files people send (a roster, a key list) through the same session."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def fetch(self, file_id: str) -> bytes:
        async with _mapped():
            found = await self.bot.get_file(file_id)
            if not found.file_path:
                raise Refused(f"file {file_id} has no path")
            data = await self.bot.download_file(found.file_path)
        if data is None:
            raise Refused(f"file {file_id} could not be downloaded")
        return data.read()


class AiogramEngine:
    """aiogram 3 as an :class:`bot.engines.base.Engine`: the runner owns polling and the inbox."""

    name = "aiogram"

    def __init__(self, token: str, api_url: str) -> None:
        self.bot = make_bot(token, api_url)
        self.transport = AiogramTransport(self.bot)
        self.files = AiogramFiles(self.bot)

    async def introduce(self) -> tuple[str | None, bool]:
        try:
            me = await self.bot.get_me()
        except TelegramUnauthorizedError as exc:
            raise TokenRefused("BOT_TOKEN was refused by the Bot API (401 Unauthorized): check the token.") from exc
        except (TelegramNetworkError, TelegramServerError, ClientError, ValueError) as exc:
            raise Unreachable(str(exc)) from exc
        return me.username, bool(me.can_read_all_group_messages)

    async def publish_menu(self, menus: dict[MenuScope, list[tuple[str, str]]]) -> None:
        for where, entries in menus.items():
            scope: BotCommandScopeUnion = (
                BotCommandScopeChatMember(chat_id=where.chat_id, user_id=where.user_id)
                if where.chat_id is not None and where.user_id is not None
                else BotCommandScopeChat(chat_id=where.chat_id)
                if where.chat_id is not None
                else BotCommandScopeAllPrivateChats()
                if where.private
                else BotCommandScopeAllGroupChats()
            )
            commands = [BotCommand(command=name, description=text[:256]) for name, text in entries]
            try:
                await self.bot.set_my_commands(commands, scope=scope)
            except (TelegramBadRequest, TelegramNetworkError, TelegramServerError) as exc:
                log.warning("could not publish the command menu: %s", exc)

    async def get_updates(self, offset: int | None, poll_seconds: int) -> list[tuple[int, str]]:
        async with _mapped():
            answer = await self.bot(
                GetRawUpdates(offset=offset, timeout=poll_seconds, allowed_updates=ALLOWED_UPDATES),
                request_timeout=poll_seconds + 10,
            )
        raw = cast(list[dict[str, Any]], answer)
        return [(int(item["update_id"]), json.dumps(item, ensure_ascii=False)) for item in raw]

    def to_inbound(self, payload: str) -> Inbound | None:
        return update_to_inbound(payload)

    async def set_webhook(self, url: str, secret: str) -> None:
        async with _mapped():
            await self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def delete_webhook(self) -> None:
        async with _mapped():
            await self.bot.delete_webhook(drop_pending_updates=False)

    async def close(self) -> None:
        await self.bot.session.close()
