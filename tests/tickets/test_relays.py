"""Issue 16 points 3 and 4 at the desk and the delivery: a long relay split into messages that fit
(counted in UTF-16), signed at the end; the staff member told "relayed" only once the resident got
it; a refusal as too long is not "the resident blocked the bot"; message links written with the
rows marked sent; long replies split into several rows."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from bot.delivery import Delivery, Limits
from bot.transport import Refused
from handlers.core.messages import Button, Inbound, Keyboard, Outcome, Reply
from handlers.core.replies import queue_outcome
from handlers.core.text_limits import MESSAGE_LIMIT, utf16_len
from storage.clock import utcnow
from storage.models import Outbox, Person
from storage.repos import links, outbox
from tests.support import GROUP, RESIDENT, STAFF, DeskHarness, RecordingTransport, text_of
from tests.support.tickets import REPAIR, Wire, to

SIGNATURE = "—— 华庭花园客户服务中心"


class Refusing(RecordingTransport):
    """Telegram refusing every message to one chat with ``description``."""

    def __init__(self, chat_id: int, description: str) -> None:
        super().__init__()
        self.chat_id, self.description = chat_id, description

    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int:
        if chat_id == self.chat_id:
            raise Refused(self.description)
        return await super().send(chat_id, text, buttons, reply_to)


async def card_of_new_ticket(h: DeskHarness) -> Outbox:
    """Site, a resident's repair ticket, its card linked in the group (sent by the test's wire)."""
    wire = Wire(h)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    async with h.desk.db.session() as session:  # what the wire took counts as sent: start clean
        for row in (await session.exec(select(Outbox).where(col(Outbox.state) != "sent"))).all():
            await session.delete(row)
    return card


async def test_links_exist_as_soon_as_the_rows_are_marked_sent(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")
    delivery = Delivery(h.desk, RecordingTransport(), limits=Limits(0, 0, 0))
    await delivery.flush()
    async with h.desk.db.session() as session:  # no wait: a reply at this moment finds its incident
        [card] = (await session.exec(select(Outbox).where(col(Outbox.ref_kind) == "incident"))).all()
        assert card.state == "sent" and card.message_id is not None
        link = await links.linked(session, chat_id=GROUP.id, message_id=card.message_id)
    assert link is not None and (link.ref_kind, link.ref_id) == ("incident", card.ref_id)


async def test_a_long_emoji_relay_is_split_signed_at_the_end_and_confirmed_once_delivered(
    any_harness: DeskHarness,
) -> None:
    h = any_harness
    card = await card_of_new_ticket(h)
    text = "\n".join(["👍 师傅明天上午十点上门检修，请留人在家。"] * 250)  # ~6000 UTF-16 units
    out = await h.send(text, reply_to_message_id=card.message_id)
    assert "已以客户服务中心名义转达" in text_of(out)
    rows = await h.outbox(replies=True)
    relay = [r for r in rows if r.chat_id == RESIDENT.id and r.purpose == "relay"]
    [confirmation] = [r for r in rows if "已以客户服务中心名义转达" in r.text]
    assert len(relay) >= 2 and all(utf16_len(r.text) <= MESSAGE_LIMIT for r in relay)
    assert relay[-1].text.endswith(SIGNATURE) and all(r.ref_kind == "ticket" for r in relay)
    assert confirmation.state == "held"  # not before the resident has it

    transport = RecordingTransport()
    await Delivery(h.desk, transport, limits=Limits(0, 0, 0)).flush()
    to_resident = [text for chat, text in transport.sent if chat == RESIDENT.id]
    assert "".join(to_resident).count("👍") == 250
    order = [chat for chat, _ in transport.sent]
    assert order.index(GROUP.id) > max(i for i, chat in enumerate(order) if chat == RESIDENT.id)
    assert any("已以客户服务中心名义转达" in text for chat, text in transport.sent if chat == GROUP.id)


async def test_a_relay_refused_as_too_long_is_not_a_blocked_resident(any_harness: DeskHarness) -> None:
    h = any_harness
    card = await card_of_new_ticket(h)
    await h.send("师傅明天上午十点上门", reply_to_message_id=card.message_id)
    transport = Refusing(RESIDENT.id, "Telegram server says - Bad Request: message is too long")
    await Delivery(h.desk, transport, limits=Limits(0, 0, 0)).flush()
    to_group = [text for chat, text in transport.sent if chat == GROUP.id]
    assert not any("无法私信" in text or "屏蔽" in text for text in to_group)  # not "blocked the bot"
    assert not any("已以客户服务中心名义转达" in text for text in to_group)
    assert any("未能转达业户" in text and "过长" in text for text in to_group)
    async with h.desk.db.session() as session:
        person = (await session.exec(select(Person).where(Person.telegram_id == RESIDENT.id))).one()
    assert person.reachable


async def test_a_relay_to_a_resident_who_blocked_the_bot_tells_the_staff_member_too(any_harness: DeskHarness) -> None:
    h = any_harness
    card = await card_of_new_ticket(h)
    await h.send("师傅明天上午十点上门", reply_to_message_id=card.message_id)
    transport = Refusing(RESIDENT.id, "Forbidden: bot was blocked by the user")
    await Delivery(h.desk, transport, limits=Limits(0, 0, 0)).flush()
    to_group = [text for chat, text in transport.sent if chat == GROUP.id]
    assert any("无法私信" in text for text in to_group)  # the duty group hears who cannot be reached
    assert any("未能转达业户" in text and "屏蔽" in text for text in to_group)
    assert not any("已以客户服务中心名义转达" in text for text in to_group)


async def test_a_long_reply_is_several_rows_with_buttons_on_the_last(harness: DeskHarness) -> None:
    h = harness
    lines = [f"#{i} 3栋大堂漏水 · 待处理 · 时限 12-03 18:00" for i in range(400)]
    msg = Inbound(chat=GROUP, user=STAFF, text="/incidents", update_id=77, message_id=88)
    outcome = Outcome(replies=[Reply("\n".join(lines), [[Button("下一页", "1|inc.page|2")]], quote=True)])
    async with h.desk.db.session() as session:
        written = await queue_outcome(session, msg, outcome)
    rows = await h.outbox(replies=True)
    assert written == len(rows) > 1
    assert all(utf16_len(r.text) <= MESSAGE_LIMIT for r in rows)
    assert [line for r in rows for line in r.text.split("\n")] == lines
    assert rows[0].reply_to == 88 and all(r.reply_to is None for r in rows[1:])
    assert rows[-1].buttons and not any(r.buttons for r in rows[:-1])


async def test_a_photo_replying_to_a_card_still_being_recorded_finds_its_incident(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await h.send("/log 3栋大堂天花漏水")
    async with h.desk.db.session() as session:  # the delivery has sent the card, not yet recorded it
        claimed = await outbox.claim(session, now=utcnow(), token="other-process", limit=50)
    [card] = [r for r in claimed if r.ref_kind == "incident"]

    async def record_later() -> None:
        await asyncio.sleep(0.3)
        async with h.desk.db.session() as session:
            await outbox.mark_sent_many(session, sent=[(card.id or 0, 4242)], at=utcnow())
            await links.link_many(session, links=[(GROUP.id, 4242, "incident", card.ref_id or 0)])

    recording = asyncio.create_task(record_later())
    out = await h.send("", photo_file_id="AgACphoto", reply_to_message_id=4242, reply_to_bot="DutyDeskTestBot")
    await recording
    assert "照片已附到 #1" in text_of(out)
