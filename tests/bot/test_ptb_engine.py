"""The python-telegram-bot engine against the fake Bot API: what it sends, how Telegram's errors
reach the delivery, raw updates for the inbox, and stored updates read back as ``Inbound``."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import pytest

from bot.engines.base import Engine, TokenRefused, Unreachable
from bot.engines.ptb_engine import PtbEngine
from bot.menus import MenuScope
from bot.transport import Refused, RetryLater, Transient
from handlers.core.messages import Button
from tests.fakes.bot_api import FakeBotAPI

GROUP, STAFF = -100777, 101
WRONG_TOKEN = "123456789:AAwrongTokenForDutyDeskTests-99999999999"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(can_read_all_group_messages=True) as fake:
        yield fake


@pytest.fixture
async def engine(api: FakeBotAPI) -> AsyncIterator[PtbEngine]:
    made = PtbEngine(api.token, api.base_url)
    yield made
    await made.close()


def test_it_is_an_engine(engine: PtbEngine) -> None:
    typed: Engine = engine  # mypy checks the protocol
    assert typed.name == "ptb"


async def test_introduce_reads_username_and_privacy_mode(engine: PtbEngine, api: FakeBotAPI) -> None:
    assert await engine.introduce() == ("dutydesk_test_bot", True)
    api.can_read_all_group_messages = False
    assert await engine.introduce() == ("dutydesk_test_bot", False)


async def test_a_refused_token_is_one_clear_error_without_the_token(api: FakeBotAPI) -> None:
    wrong = PtbEngine(WRONG_TOKEN, api.base_url)
    try:
        with pytest.raises(TokenRefused) as raised:
            await wrong.introduce()
        assert "check the token" in str(raised.value) and WRONG_TOKEN not in str(raised.value)
        with pytest.raises(TokenRefused):
            await wrong.get_updates(None, 0)
        with pytest.raises(TokenRefused):  # not Refused: the outbox row must wait, not fail for good
            await wrong.transport.send(GROUP, "x", [], None)
    finally:
        await wrong.close()


async def test_an_unreachable_api_is_unreachable_at_start_and_transient_later() -> None:
    closed = socket.socket()  # bound, never listening: connections are refused while we hold it
    closed.bind(("127.0.0.1", 0))
    nowhere = PtbEngine(WRONG_TOKEN, f"http://127.0.0.1:{closed.getsockname()[1]}")
    try:
        with pytest.raises(Unreachable):
            await nowhere.introduce()
        with pytest.raises(Transient):
            await nowhere.get_updates(5, 0)
        for malformed in ("ftp://api.example.org", "http://[::1"):
            engine = PtbEngine(WRONG_TOKEN, malformed)
            try:
                with pytest.raises(Unreachable) as raised:
                    await engine.introduce()
                assert WRONG_TOKEN not in str(raised.value)
            finally:
                await engine.close()
    finally:
        await nowhere.close()
        closed.close()


async def test_send_with_buttons_and_quote_then_edit_and_answer(engine: PtbEngine, api: FakeBotAPI) -> None:
    asked = api.user_message(GROUP, STAFF, "/log 漏水")["message"]["message_id"]
    buttons = [[Button("改类别", data="cat:1"), Button("打开", url="https://example.org/1")]]
    sent_id = await engine.transport.send(GROUP, "#1 已记录", buttons, asked)
    [call] = api.calls_of("sendMessage")
    assert call.params["reply_markup"]["inline_keyboard"][0][0] == {"text": "改类别", "callback_data": "cat:1"}
    assert call.params["reply_parameters"]["message_id"] == asked
    assert api.message(GROUP, sent_id)["reply_to_message"]["message_id"] == asked  # type: ignore[index]
    await engine.transport.send(GROUP, "no quote", [], None)
    assert "reply_parameters" not in api.calls_of("sendMessage")[-1].params

    await engine.transport.edit(GROUP, sent_id, "#1 已结案", [])
    assert api.message(GROUP, sent_id)["text"] == "#1 已结案"  # type: ignore[index]
    assert "reply_markup" not in api.message(GROUP, sent_id)  # type: ignore[operator]
    await engine.transport.edit(GROUP, sent_id, "#1 已结案", [])  # "not modified" is not an error

    query = api.user_click(GROUP, STAFF, sent_id, "cat:1")["callback_query"]["id"]
    await engine.transport.answer(query, "已更新", True)
    [answered] = api.calls_of("answerCallbackQuery")
    assert answered.params == {"callback_query_id": query, "text": "已更新", "show_alert": True}


async def test_errors_map_onto_the_delivery_kinds(engine: PtbEngine, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryLater) as later:
        await engine.transport.send(GROUP, "x", [], None)
    assert later.value.retry_after == 7.0
    api.fail_next("sendMessage", status=502)
    with pytest.raises(Transient):
        await engine.transport.send(GROUP, "x", [], None)
    api.disconnect_next("sendMessage")
    with pytest.raises(Transient):
        await engine.transport.send(GROUP, "x", [], None)
    api.blocked_chats.add(STAFF)
    with pytest.raises(Refused, match="blocked"):
        await engine.transport.send(STAFF, "x", [], None)
    with pytest.raises(Refused, match="not found"):
        await engine.transport.edit(GROUP, 999, "x", [])
    with pytest.raises(Refused):
        await engine.transport.answer("no-such-query", None, False)
    api.fail_next("getFile", status=500)
    with pytest.raises(Transient):
        await engine.files.fetch("whatever")
    with pytest.raises(Refused, match=r"(?i)invalid file_id"):
        await engine.files.fetch("whatever")
    api.fail_next("getUpdates", status=429, retry_after=2)
    with pytest.raises(RetryLater):
        await engine.get_updates(None, 0)
    api.fail_next("getUpdates", status=409, description="Conflict: terminated by other getUpdates request")
    with pytest.raises(Transient, match="Conflict"):
        await engine.get_updates(None, 0)


async def test_get_updates_returns_raw_payloads_and_the_offset_confirms(engine: PtbEngine, api: FakeBotAPI) -> None:
    first = api.push_update(api.user_message(GROUP, STAFF, "/log 一"))
    second = api.push_update(api.user_message(GROUP, STAFF, "/log 二"))
    updates = await engine.get_updates(None, 0)
    assert [uid for uid, _ in updates] == [first, second]
    assert json.loads(updates[0][1]) == api.pending_updates[0]  # exactly what Telegram sent
    assert len(api.pending_updates) == 2  # nothing confirmed yet: the inbox stores them first
    assert await engine.get_updates(second + 1, 0) == []
    assert api.pending_updates == []
    [call] = [c for c in api.calls_of("getUpdates") if c.params.get("offset") == second + 1]
    assert call.params["allowed_updates"] == ["message", "callback_query"]


async def test_to_inbound_reads_what_dutydesk_reads(engine: PtbEngine, api: FakeBotAPI) -> None:
    def stored(update: dict[str, object]) -> str:
        return json.dumps({"update_id": api.push_update(update), **update})

    text = engine.to_inbound(
        stored(api.user_message(GROUP, STAFF, "/log 3栋漏水", first_name="阿明", chat_title="值班群"))
    )
    assert text is not None and text.text == "/log 3栋漏水" and text.user.name == "阿明"
    assert not text.chat.private and text.chat.title == "值班群" and text.update_id is not None

    card = await engine.transport.send(GROUP, "#1", [[Button("结案", data="close:1")]], None)
    reply = engine.to_inbound(stored(api.user_message(GROUP, STAFF, "补充", reply_to_message_id=card)))
    assert reply is not None and reply.reply_to_message_id == card

    photo_update = api.user_message(GROUP, STAFF, "现场照片", photo=True)
    photo = engine.to_inbound(stored(photo_update))
    assert photo is not None and photo.text == "现场照片"
    assert photo.photo_file_id == photo_update["message"]["photo"][-1]["file_id"]  # the largest size

    document = engine.to_inbound(stored(api.user_message(STAFF, STAFF, "/roster", document=("排班.csv", b"a,b\n"))))
    assert document is not None and document.chat.private and document.document_name == "排班.csv"
    assert document.document_file_id is not None
    assert await engine.files.fetch(document.document_file_id) == b"a,b\n"

    place = engine.to_inbound(stored(api.user_message(STAFF, STAFF, location=(22.3, 114.17))))
    assert place is not None and place.location == (22.3, 114.17) and place.text == ""

    press = engine.to_inbound(stored(api.user_click(GROUP, STAFF, card, "close:1")))
    assert press is not None and press.is_button and press.callback_data == "close:1"
    assert press.message_id == card and press.user.id == STAFF


async def test_to_inbound_skips_bots_service_messages_and_garbage(engine: PtbEngine, api: FakeBotAPI) -> None:
    joined = api.user_message(GROUP, STAFF, extra={"new_chat_members": [{"id": 5, "is_bot": False, "first_name": "N"}]})
    del joined["message"]["text"]
    assert engine.to_inbound(json.dumps({"update_id": 1, **joined})) is None
    from_bot = api.user_message(GROUP, STAFF, "hello")
    from_bot["message"]["from"] = {"id": 7, "is_bot": True, "first_name": "OtherBot"}
    assert engine.to_inbound(json.dumps({"update_id": 2, **from_bot})) is None
    assert engine.to_inbound(json.dumps({"update_id": 3, "edited_channel_post": {}})) is None
    assert engine.to_inbound("not json") is None


async def test_menu_and_webhook(engine: PtbEngine, api: FakeBotAPI) -> None:
    await engine.publish_menu(
        {
            MenuScope(False): [("help", "帮助")],
            MenuScope(True): [("start", "开始")],
            MenuScope(False, -100, 7): [("log", "记录事件")],
            MenuScope(True, 7): [("daylog", "值班日志")],
        }
    )
    assert api.commands[('{"type": "all_group_chats"}', "")] == [{"command": "help", "description": "帮助"}]
    assert api.commands[('{"type": "all_private_chats"}', "")] == [{"command": "start", "description": "开始"}]
    member = '{"chat_id": -100, "type": "chat_member", "user_id": 7}'
    assert api.commands[(member, "")] == [{"command": "log", "description": "记录事件"}]
    assert api.commands[('{"chat_id": 7, "type": "chat"}', "")] == [{"command": "daylog", "description": "值班日志"}]
    api.fail_next("setMyCommands", status=400, description="Bad Request: BOT_COMMAND_INVALID", times=2)
    await engine.publish_menu({MenuScope(False): [], MenuScope(True): []})  # logged, not raised

    await engine.set_webhook("https://desk.example.org/tg", "s3cret")
    assert api.webhook is not None and api.webhook["secret_token"] == "s3cret"
    assert api.webhook["allowed_updates"] == ["message", "callback_query"]
    await engine.delete_webhook()
    assert api.webhook is None
