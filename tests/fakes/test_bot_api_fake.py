"""Tests of the fake Bot API server, driven by the real aiogram engine (long polling)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from .bot_api import FakeBotAPI

GROUP = -1001234567890
STAFF = 4242


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(username="dutydesk_bot") as fake:
        yield fake


def make_bot(api: FakeBotAPI, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    return Bot(token or api.token, session=session)


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = make_bot(api)
    yield bot
    await bot.session.close()


@contextlib.asynccontextmanager
async def polling(api: FakeBotAPI, dp: Dispatcher, bot: Bot) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(dp.start_polling(bot, polling_timeout=1, handle_signals=False, close_bot_session=False))
    try:
        await api.wait_polling(timeout=5)
        yield task
    finally:
        if not task.done():
            await asyncio.wait_for(dp.stop_polling(), 5)
        await asyncio.wait_for(task, 5)


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    dp.include_router(router)
    return dp


async def test_handler_answers_pushed_message(api: FakeBotAPI, bot: Bot) -> None:
    dp = echo_dispatcher()
    async with polling(api, dp, bot):
        update_id = api.push_update(api.user_message(GROUP, STAFF, "/log 3栋大堂漏水", first_name="阿明"))
        [call] = await api.wait_for("sendMessage", timeout=5)
    assert update_id >= 1000
    assert call.params["chat_id"] == GROUP
    assert call.params["text"] == "echo: /log 3栋大堂漏水"
    assert call.result["from"]["username"] == "dutydesk_bot"
    assert call.result["chat"] == {"id": GROUP, "type": "supergroup", "title": f"Chat {GROUP}"}
    assert api.sent_messages(GROUP) == [call.params]
    assert api.sent_messages(1) == []
    assert [c.method for c in api.calls][:2] == ["getMe", "getUpdates"]
    assert api.calls[0].done and api.calls[0].ok


async def test_command_entity_reaches_command_filter(api: FakeBotAPI, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(Command("log"))
    async def log(message: Message) -> None:
        await message.reply("logged")

    async with polling(api, dp, bot):
        update = api.user_message(GROUP, STAFF, "/log@dutydesk_bot 电梯困人")
        assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 17}]
        api.push_update(update)
        [call] = await api.wait_for("sendMessage")
    assert call.result["reply_to_message"]["message_id"] == update["message"]["message_id"]


async def test_update_is_delivered_once(api: FakeBotAPI, bot: Bot) -> None:
    seen: list[int] = []
    dp = Dispatcher()

    @dp.message()
    async def record(message: Message) -> None:
        seen.append(message.message_id)
        await message.answer("ok")

    async with polling(api, dp, bot):
        uid = api.push_update(api.user_message(STAFF, STAFF, "hello"))
        await api.wait_for("sendMessage")
        # the next poll confirms the update with its offset; it is not delivered again
        await api.wait_polling(min_offset=uid + 1)
        assert api.pending_updates == []
    assert len(seen) == 1
    deliveries = [c for c in api.calls_of("getUpdates") if c.result]
    assert len(deliveries) == 1


async def test_raw_duplicate_is_redelivered(api: FakeBotAPI, bot: Bot) -> None:
    seen: list[int] = []
    dp = Dispatcher()

    @dp.message()
    async def record(message: Message) -> None:
        seen.append(message.message_id)
        await message.answer("ok")

    async with polling(api, dp, bot):
        update = api.user_message(STAFF, STAFF, "hello")
        uid = api.push_update(update)
        await api.wait_for("sendMessage")
        api.push_raw_update({**update, "update_id": uid})
        await api.wait_for("sendMessage", count=2)
    assert seen == [1, 1]


async def test_long_poll_returns_early_when_update_arrives(api: FakeBotAPI, bot: Bot) -> None:
    async def push_later() -> None:
        await asyncio.sleep(0.1)
        api.push_update(api.user_message(STAFF, STAFF, "hi"))

    pusher = asyncio.create_task(push_later())
    started = time.monotonic()
    updates = await asyncio.wait_for(bot.get_updates(timeout=5), 3)
    await pusher
    assert 0.05 < time.monotonic() - started < 1.5
    assert [u.message.text for u in updates if u.message] == ["hi"]
    # nothing pending: a short poll returns empty after its timeout
    started = time.monotonic()
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_retry_after_is_surfaced(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(GROUP, "hi")
    assert info.value.retry_after == 3
    await bot.send_message(GROUP, "hi")  # only the next call failed
    assert [c.ok for c in api.calls_of("sendMessage", ok=None)] == [False, True]
    assert api.calls[0].status == 429


async def test_server_error_and_disconnect(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", status=502, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(GROUP, "hi")
    api.disconnect_next("sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(GROUP, "hi")
    await bot.send_message(GROUP, "hi")
    assert len(api.sent_messages()) == 1


async def test_text_limits(api: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(GROUP, "长" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(GROUP, "   ")
    await bot.send_message(GROUP, "长" * 4096)
    await bot.send_message(GROUP, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(api.sent_messages()) == 2


async def test_text_and_caption_limits_count_utf16_units(api: FakeBotAPI, bot: Bot) -> None:
    """Like Telegram: an emoji is two units, so 2049 of them (2049 characters) are too long."""
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(GROUP, "👍" * 2049)
    await bot.send_message(GROUP, "👍" * 2048)
    update = api.user_message(GROUP, STAFF, "报价单", document=("quote.pdf", b"%PDF-1.4"))
    file_id = update["message"]["document"]["file_id"]
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(GROUP, file_id, caption="👍" * 513)
    sent = await bot.send_document(GROUP, file_id, caption="👍" * 512)
    assert sent.document is not None and sent.document.file_id == file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(GROUP, "no-such-file")


async def test_callback_data_limit_and_blocked_chat(api: FakeBotAPI, bot: Bot) -> None:
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="a" * 65)]])
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(GROUP, "hi", reply_markup=markup)
    api.blocked_chats.add(STAFF)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(STAFF, "hi")


async def test_callback_query_round_trip(api: FakeBotAPI, bot: Bot) -> None:
    dp = Dispatcher()
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="确认", callback_data="ack:12")]])

    @dp.message(Command("start"))
    async def start(message: Message) -> None:
        await message.answer("事件 #12", reply_markup=keyboard)

    @dp.callback_query(F.data.startswith("ack:"))
    async def ack(query: CallbackQuery) -> None:
        await query.answer("已确认")
        assert isinstance(query.message, Message)
        await query.message.edit_text("事件 #12 已确认")

    async with polling(api, dp, bot):
        api.push_update(api.user_message(GROUP, STAFF, "/start"))
        [sent] = await api.wait_for("sendMessage")
        assert sent.params["reply_markup"] == {"inline_keyboard": [[{"text": "确认", "callback_data": "ack:12"}]]}
        assert sent.result["reply_markup"] == sent.params["reply_markup"]
        message_id = sent.result["message_id"]
        api.push_update(api.user_click(GROUP, STAFF, message_id, "ack:12"))
        [answer] = await api.wait_for("answerCallbackQuery")
        [edit] = await api.wait_for("editMessageText")
    assert answer.params["text"] == "已确认"
    assert edit.params["message_id"] == message_id
    stored = api.message(GROUP, message_id)
    assert stored is not None
    assert stored["text"] == "事件 #12 已确认"
    assert "reply_markup" not in stored  # edit without markup removes the keyboard
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("事件 #12 已确认", chat_id=GROUP, message_id=message_id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(answer.params["callback_query_id"])


async def test_wrong_token_is_unauthorized(api: FakeBotAPI) -> None:
    bad = make_bot(api, token="987654321:wrong-token")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bad.get_me()
        dp = echo_dispatcher()
        with pytest.raises(TelegramUnauthorizedError):
            await asyncio.wait_for(dp.start_polling(bad, handle_signals=False, close_bot_session=False), 5)
    finally:
        await bad.session.close()


async def test_unknown_method_json_and_form_bodies(api: FakeBotAPI) -> None:
    base = f"{api.base_url}/bot{api.token}"
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{base}/sendTelepathy", json={})
        assert response.status_code == 404
        assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        response = await client.post(
            f"{base}/sendMessage",
            json={"chat_id": GROUP, "text": "123", "reply_markup": '{"inline_keyboard": []}'},
        )
        assert response.json()["ok"] is True
        response = await client.post(f"{base}/sendmessage", data={"chat_id": str(GROUP), "text": "[1]"})
        assert response.json()["result"]["text"] == "[1]"
    assert [p["text"] for p in api.sent_messages(GROUP)] == ["123", "[1]"]
    assert api.sent_messages(GROUP)[0]["reply_markup"] == {"inline_keyboard": []}


async def test_bot_methods_parse_in_aiogram(api: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.username, me.can_join_groups, me.can_read_all_group_messages) == ("dutydesk_bot", True, False)
    api.user_message(GROUP, STAFF, "hi", chat_title="3栋值班群")
    chat = await bot.get_chat(GROUP)
    assert (chat.type, chat.title) == ("supergroup", "3栋值班群")
    member = await bot.get_chat_member(GROUP, STAFF)
    assert member.status == "member"
    api.set_chat_member(GROUP, STAFF, "administrator")
    assert (await bot.get_chat_member(GROUP, STAFF)).status == "administrator"
    assert await bot.set_my_commands([BotCommand(command="log", description="记录事件")])
    assert [c.command for c in await bot.get_my_commands()] == ["log"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Log-Now", description="x")])
    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(TelegramConflictError):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.close()
    assert await bot.log_out()
    with pytest.raises(TelegramNotFound):
        await bot.get_chat_administrators(GROUP)


async def test_photo_upload_and_download(api: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_photo(GROUP, BufferedInputFile(b"\xff\xd8jpeg", "leak.jpg"), caption="漏水")
    [call] = api.calls_of("sendPhoto")
    assert call.params["photo"].data == b"\xff\xd8jpeg"
    assert sent.photo is not None and sent.caption == "漏水"
    file = await bot.get_file(sent.photo[-1].file_id)
    assert file.file_path is not None
    data = await bot.download_file(file.file_path)
    assert data is not None and data.read() == b"\xff\xd8jpeg"
    update = api.user_message(GROUP, STAFF, "现场照片", photo=True)
    assert update["message"]["caption"] == "现场照片"
    assert len(update["message"]["photo"]) == 2


async def test_latency_pairs_tagged(api: FakeBotAPI, bot: Bot) -> None:
    dp = echo_dispatcher()
    api.instrument(dp, bot)
    async with polling(api, dp, bot):
        ids = [api.push_update(api.user_message(GROUP, STAFF, f"m{i}")) for i in range(20)]
        await api.wait_replies(ids, timeout=5)
    pairs = api.latency_pairs()
    assert [p.update_id for p in pairs] == ids
    assert all(0 < p.latency < 5 for p in pairs)
    for pair in pairs:
        assert pair.reply.params["text"] == f"echo: m{ids.index(pair.update_id)}"


async def test_latency_pairs_fifo(api: FakeBotAPI, bot: Bot) -> None:
    dp = echo_dispatcher()
    async with polling(api, dp, bot):
        ids = [api.push_update(api.user_message(-i - 1, STAFF, f"m{i}")) for i in range(5)]
        await api.wait_replies(ids, timeout=5)
    assert api.matching == "fifo"
    assert [p.chat_id for p in api.latency_pairs()] == [-1, -2, -3, -4, -5]
