"""A handler's outcome written into the outbox, in the update's own transaction (SPEC §7): a
stored record always gets its reply, after a crash or an outage too."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.messages import Inbound, Outcome
from handlers.core.notices import button_dicts, enqueue_split
from storage.models.plumbing import OutboxState, Purpose
from storage.repos import outbox

# Outbox priorities, lower first: pings and approvals (handlers.core.notices.URGENT = 0), then a button's
# answer (it stops the spinner on the sender's phone), then replies, then routine notices, then
# residents' relayed messages (handlers.core.notices.BULK = 8).
ANSWER, REPLY = 1, 4
REPLY_PURPOSES: tuple[Purpose, ...] = ("answer", "reply")  # Outbox.purpose of what this module queues


async def queue_outcome(session: AsyncSession, msg: Inbound, outcome: Outcome) -> int:
    """Queue the button answer and the replies of one update; returns how many rows were written."""
    written = 0
    if msg.callback_id is not None:  # every press is answered, with or without a toast
        await outbox.enqueue(
            session,
            chat_id=msg.chat.id,
            text=outcome.toast or "",
            method="answer",
            callback_id=msg.callback_id,
            alert=outcome.alert,
            priority=ANSWER,
            purpose="answer",
            update_id=msg.update_id,
        )
        written += 1
    for reply in outcome.replies:
        row: outbox.Columns = {
            "ref_kind": reply.link[0] if reply.link else None,
            "ref_id": reply.link[1] if reply.link else None,
            "priority": REPLY,
            "purpose": "reply",
            "update_id": msg.update_id,
        }
        if reply.edit and msg.message_id is not None:  # one message stays one (the delivery clips it)
            row["edit_message_id"] = msg.message_id
            await outbox.enqueue(
                session, chat_id=msg.chat.id, text=reply.text, buttons=button_dicts(reply.buttons), method="edit", **row
            )
            written += 1
            continue
        if reply.held and msg.update_id is not None:
            row["state"] = OutboxState.HELD
        written += await enqueue_split(
            session,
            chat_id=msg.chat.id,
            text=reply.text,
            buttons=reply.buttons,
            reply_to=msg.message_id if reply.quote else None,
            **row,
        )
    return written
