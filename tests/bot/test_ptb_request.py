"""PTB's request layer on aiohttp (bot/engines/ptb_request.py): what the wire carries, uploads, and
network faults as PTB's own errors (so the engine maps them like HTTPXRequest's), token never shown."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut

from bot.engines.ptb_request import AiohttpRequest
from tests.fakes.bot_api import FakeBotAPI

GROUP = -100777
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TOKEN_LIKE = "123456789:AAsecretTokenPartThatMustNotShow-00000"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


async def test_a_message_and_an_upload_reach_the_bot_api(api: FakeBotAPI) -> None:
    request = AiohttpRequest(connection_pool_size=4)
    bot = Bot(api.token, base_url=api.base_url + "/bot", request=request, get_updates_request=AiohttpRequest())
    try:
        sent = await bot.send_message(GROUP, "3栋大堂漏水", disable_notification=True)
        photo = await bot.send_photo(GROUP, InputFile(PNG, filename="lobby.png"), caption="3栋大堂")
    finally:
        await request.shutdown()
    calls = api.calls_of("sendMessage")
    assert sent.text == "3栋大堂漏水" and calls[-1].params["disable_notification"] is True
    upload = api.calls_of("sendPhoto")[-1].params["photo"]
    assert upload.filename == "lobby.png" and upload.data == PNG and photo.caption == "3栋大堂"


async def test_an_answer_that_never_comes_is_timed_out() -> None:
    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)  # take the request, never answer
        await asyncio.sleep(30)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN_LIKE}/getMe", read_timeout=0.3)
    finally:
        await request.shutdown()
        server.close()


async def test_a_refused_connection_is_a_network_error_without_the_token() -> None:
    closed = socket.socket()  # bound, never listening
    closed.bind(("127.0.0.1", 0))
    request = AiohttpRequest()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{closed.getsockname()[1]}/bot{TOKEN_LIKE}/getMe")
        assert "aiohttp." in raised.value.message
        assert TOKEN_LIKE not in raised.value.message and "AAsecret" not in raised.value.message
    finally:
        await request.shutdown()
        closed.close()


async def test_it_can_be_shut_down_and_used_again(api: FakeBotAPI) -> None:
    request = AiohttpRequest()
    async with request:
        first = await request.post(f"{api.base_url}/bot{api.token}/getMe")
    second = await request.post(f"{api.base_url}/bot{api.token}/getMe")  # opens a new session
    await request.shutdown()
    await request.shutdown()  # twice is harmless
    assert isinstance(first, dict) and first == second
