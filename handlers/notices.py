"""Queueing messages to other chats (the outbox), for handlers and for the timer sweep alike."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.messages import Button, Keyboard
from storage.repos import outbox

URGENT, ROUTINE = 0, 5  # outbox priorities: lower is sent first
# Residents' messages relayed to a duty group (and their photos shown on request): sent after
# everything else, and with at most half of the group's 20 a minute (bot.delivery.GROUP_RESERVE), so
# that a resident's flood cannot hold up staff replies or urgent notices (issue 16).
BULK = 8


def button_dicts(buttons: Keyboard | None) -> list[list[dict[str, str]]]:
    return [[_as_dict(b) for b in row] for row in (buttons or [])]


def buttons_from_dicts(rows: list[list[dict[str, str]]]) -> Keyboard:
    return [[Button(b["label"], b.get("data"), b.get("url")) for b in row] for row in rows]


def _as_dict(button: Button) -> dict[str, str]:
    out = {"label": button.label}
    if button.data:
        out["data"] = button.data
    if button.url:
        out["url"] = button.url
    return out


async def queue(
    session: AsyncSession,
    chat_id: int,
    text: str,
    buttons: Keyboard | None = None,
    link: tuple[str, int] | None = None,
    *,
    urgent: bool = False,
    site_id: int | None = None,
    purpose: str | None = None,
    photo: str | None = None,
    bulk: bool = False,
) -> None:
    """Write the message into the outbox in the caller's transaction; delivery sends it after commit.
    ``urgent`` (escalations, approval requests) goes before routine replies. ``site_id`` and
    ``purpose`` let the delivery tell that site's duty group when a private message cannot be
    delivered (the person never opened the bot, or blocked it). With ``photo`` (a Telegram file id)
    the message is that photo with ``text`` as its caption. ``bulk`` (a resident's relayed messages)
    goes after everything else (``BULK``)."""
    await outbox.enqueue(
        session,
        chat_id=chat_id,
        text=text,
        buttons=button_dicts(buttons),
        ref_kind=link[0] if link else None,
        ref_id=link[1] if link else None,
        priority=URGENT if urgent else BULK if bulk else ROUTINE,
        site_id=site_id,
        purpose=purpose,
        method="photo" if photo else "send",
        photo_file_id=photo,
    )
