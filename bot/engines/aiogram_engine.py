"""The aiogram 3 engine: long polling (or a webhook), updates → Inbound → DutyDesk → Delivery."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Dispatcher
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
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageId,
    Update,
)
from aiogram.types import User as TgUser

from bot.delivery import Delivery, Refused, RetryLater, Transient
from handlers.desk import DutyDesk
from handlers.messages import Chat, Inbound, Keyboard, User
from handlers.router import menu

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
# Updates handled at once: beyond this a burst waits in Telegram's queue rather than in memory
# (SQLite runs one transaction at a time anyway).
CONCURRENT_UPDATES = 32


def make_bot(token: str, api_url: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url.rstrip("/")))
    return Bot(token, session=session)


def _user(user: TgUser) -> User:
    return User(
        id=user.id,
        name=user.full_name or user.username or str(user.id),
        username=user.username,
        language=user.language_code,
    )


def message_to_inbound(message: Message, update_id: int | None) -> Inbound | None:
    """A Telegram message as the neutral type; None for what DutyDesk does not read (service messages)."""
    if message.from_user is None or message.from_user.is_bot:
        return None
    text = message.text or message.caption or ""
    photo = message.photo[-1].file_id if message.photo else None
    if not text and photo is None:
        return None
    return Inbound(
        chat=Chat(id=message.chat.id, private=message.chat.type == "private", title=message.chat.title),
        user=_user(message.from_user),
        text=text,
        update_id=update_id,
        message_id=message.message_id,
        reply_to_message_id=message.reply_to_message.message_id if message.reply_to_message else None,
        photo_file_id=photo,
    )


def callback_to_inbound(query: CallbackQuery, update_id: int | None) -> Inbound | None:
    message = query.message
    if message is None:
        return None
    return Inbound(
        chat=Chat(
            id=message.chat.id, private=message.chat.type == "private", title=getattr(message.chat, "title", None)
        ),
        user=_user(query.from_user),
        update_id=update_id,
        message_id=message.message_id,
        callback_id=query.id,
        callback_data=query.data,
    )


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


class TokenRefused(RuntimeError):
    """The Bot API does not know this token; nothing will work until it is fixed."""


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
            raise Refused(str(exc)) from exc
        return False


class AiogramEngine:
    """Wires the dispatcher's two handlers to the desk; everything else is the desk's business."""

    def __init__(self, bot: Bot, desk: DutyDesk, delivery: Delivery, dispatcher: Dispatcher | None = None) -> None:
        self.bot, self.desk, self.delivery = bot, desk, delivery
        self.dispatcher = dispatcher or Dispatcher()
        self.dispatcher.message.register(self.on_message)
        self.dispatcher.callback_query.register(self.on_callback)

    async def on_message(self, message: Message, event_update: Update) -> None:
        inbound = message_to_inbound(message, event_update.update_id)
        if inbound is not None:
            await self.delivery.deliver(inbound, await self.desk.handle(inbound))

    async def on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        inbound = callback_to_inbound(query, event_update.update_id)
        if inbound is None:
            await self.delivery.retrying("answerCallbackQuery", lambda: self.bot.answer_callback_query(query.id))
            return
        await self.delivery.deliver(inbound, await self.desk.handle(inbound))

    async def introduce(self) -> None:
        """Ask Telegram who the bot is: the username for invite links, and whether privacy mode is on."""
        try:
            me = await self.bot.get_me()
        except TelegramUnauthorizedError as exc:
            raise TokenRefused("BOT_TOKEN was refused by the Bot API (401 Unauthorized): check the token.") from exc
        self.desk.services.bot_username = me.username
        self.desk.services.can_read_group_messages = bool(me.can_read_all_group_messages)
        await self.publish_menu()
        log.info("running as @%s (reads group messages: %s)", me.username, me.can_read_all_group_messages)

    async def publish_menu(self) -> None:
        """The command menu Telegram shows when someone types '/', in the default language."""
        language = self.desk.services.default_language
        for private, scope in ((False, BotCommandScopeAllGroupChats()), (True, BotCommandScopeAllPrivateChats())):
            commands = [BotCommand(command=name, description=text[:256]) for name, text in menu(private, language)]
            try:
                await self.bot.set_my_commands(commands, scope=scope)
            except (TelegramBadRequest, TelegramNetworkError, TelegramServerError) as exc:
                log.warning("could not publish the command menu: %s", exc)

    async def poll(self, *, polling_timeout: int = 30) -> None:
        """Long polling until stopped; call :meth:`introduce` first."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.dispatcher.start_polling(
            self.bot,
            allowed_updates=ALLOWED_UPDATES,
            handle_signals=False,
            close_bot_session=False,
            polling_timeout=polling_timeout,
        )

    async def stop(self) -> None:
        with contextlib.suppress(RuntimeError):  # not polling (any more)
            await self.dispatcher.stop_polling()
