"""Stored updates read as the neutral ``Inbound`` (bot/engines/inbound.py), the same under both
engines; what is not an update, or has a field of the wrong type, is skipped with a log line."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.engines.aiogram_engine import AiogramEngine
from bot.engines.inbound import update_to_inbound
from bot.engines.ptb_engine import PtbEngine

GROUP, STAFF = -100777, 101
TOKEN = "123456789:AAtestTokenForInboundTests-000000000000"


def message(**extra: Any) -> dict[str, Any]:
    body = {
        "message_id": 55,
        "date": 1764460800,
        "chat": {"id": GROUP, "type": "supergroup", "title": "华庭值班群"},
        "from": {"id": STAFF, "is_bot": False, "first_name": "阿明", "last_name": "陈", "language_code": "zh-hans"},
        "text": "/log 3栋大堂漏水",
    }
    body.update(extra)
    return {"update_id": 9001, "message": body}


def stored(update: dict[str, Any]) -> str:
    return json.dumps(update, ensure_ascii=False)


@pytest.mark.parametrize("engine", [AiogramEngine, PtbEngine])
def test_both_engines_read_a_stored_update_alike(engine: type[AiogramEngine] | type[PtbEngine]) -> None:
    inbound = engine(TOKEN, "http://127.0.0.1:9").to_inbound(stored(message(reply_to_message={"message_id": 7})))
    assert inbound is not None
    assert (inbound.update_id, inbound.message_id, inbound.reply_to_message_id) == (9001, 55, 7)
    assert (inbound.chat.id, inbound.chat.private, inbound.chat.title) == (GROUP, False, "华庭值班群")
    assert (inbound.user.id, inbound.user.name, inbound.user.language) == (STAFF, "阿明 陈", "zh-hans")
    assert inbound.text == "/log 3栋大堂漏水"


def test_a_name_falls_back_to_the_username_then_the_id() -> None:
    update = message()
    update["message"]["from"] = {"id": STAFF, "is_bot": False, "first_name": "", "username": "aming"}
    named = update_to_inbound(stored(update))
    update["message"]["from"] = {"id": STAFF, "is_bot": False, "first_name": ""}
    anonymous = update_to_inbound(stored(update))
    assert named is not None and named.user.name == "aming"
    assert anonymous is not None and anonymous.user.name == str(STAFF)


def test_a_photo_with_a_caption_a_document_and_a_location() -> None:
    sizes = [{"file_id": f"p{i}", "file_unique_id": f"u{i}", "width": w, "height": w} for i, w in enumerate((90, 800))]
    photo = update_to_inbound(stored(message(text=None, caption="现场", photo=sizes)))
    document = update_to_inbound(stored(message(text=None, document={"file_id": "d1", "file_name": "排班.xlsx"})))
    place = update_to_inbound(stored(message(text=None, location={"latitude": 22.3, "longitude": 114.17})))
    assert photo is not None and (photo.text, photo.photo_file_id) == ("现场", "p1")  # the largest size
    assert document is not None and (document.document_file_id, document.document_name) == ("d1", "排班.xlsx")
    assert place is not None and place.location == (22.3, 114.17) and place.text == ""


def test_a_forwarded_location_and_the_messages_own_date_are_read() -> None:
    """A patrol proof needs to know whether a location was the sender's own, and when it was sent."""
    origin = {"type": "user", "date": 1764400000, "sender_user": {"id": 7, "is_bot": False, "first_name": "甲"}}
    place = {"latitude": 22.3, "longitude": 114.17}
    forwarded = update_to_inbound(stored(message(text=None, location=place, forward_origin=origin)))
    own = update_to_inbound(stored(message(text=None, location=place)))
    assert forwarded is not None and forwarded.forwarded
    assert own is not None and not own.forwarded
    assert own.sent_at is not None and own.sent_at.timestamp() == 1764460800 and own.sent_at.utcoffset() is not None
    undated = update_to_inbound(stored(message(text=None, location=place, date="soon")))
    assert undated is not None and undated.sent_at is None


def test_a_button_press_and_one_without_its_message() -> None:
    press = {
        "id": "cb-1",
        "from": {"id": STAFF, "is_bot": False, "first_name": "阿明"},
        "chat_instance": "x",
        "data": "close:1",
        "message": {"message_id": 60, "date": 0, "chat": {"id": GROUP, "type": "supergroup"}},  # inaccessible
    }
    read = update_to_inbound(stored({"update_id": 2, "callback_query": press}))
    assert read is not None and read.is_button and (read.callback_id, read.callback_data) == ("cb-1", "close:1")
    assert read.message_id == 60 and read.chat.id == GROUP
    del press["message"]
    assert update_to_inbound(stored({"update_id": 3, "callback_query": press})) is None


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[1, 2]",
        stored({"message": {}}),  # no update_id
        stored(message(chat={"id": "-100777", "type": "group"})),  # a chat id that is not a number
        stored(message(text=123)),
        stored(message(location={"latitude": 22.3})),
        stored({"update_id": 4, "callback_query": {"id": "x", "message": {"message_id": 1}}}),  # no chat, no sender
    ],
)
def test_what_cannot_be_read_is_skipped_with_a_log_line(payload: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.engines.inbound"):
        assert update_to_inbound(payload) is None
    assert "cannot be read" in caplog.text


def test_bots_service_messages_and_other_kinds_are_not_read_and_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    from_bot = message()
    from_bot["message"]["from"]["is_bot"] = True
    joined = message(text=None, new_chat_members=[{"id": 5, "is_bot": False, "first_name": "N"}])
    with caplog.at_level(logging.WARNING, logger="bot.engines.inbound"):
        assert update_to_inbound(stored(from_bot)) is None
        assert update_to_inbound(stored(joined)) is None
        assert update_to_inbound(stored({"update_id": 5, "edited_message": {"message_id": 1}})) is None
    assert caplog.text == ""
