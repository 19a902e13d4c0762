"""A staff reply relayed to a resident is confirmed to the staff member only once it was delivered:
the confirmation waits in the outbox (``held``) with the update that made it, and the delivery
settles it in the transaction that records the relay's fate — sent, it goes out; refused for good
(too long, the resident unreachable), it becomes a notice that the reply was not passed on and why
(never "relayed" for a message the resident did not get)."""

from __future__ import annotations

from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from storage.models import Outbox
from storage.models.plumbing import Purpose
from storage.repos import outbox, sites
from storage.repos import tickets as tickets_repo

# Outbox.purpose of a message relayed to a resident (handlers.tickets_flow.to_resident)
PURPOSE: Final[Purpose] = "relay"
REASONS = ("too_long", "unreachable", "refused")


def is_relay(row: Outbox) -> bool:
    """A relay row whose update may have a held confirmation."""
    return row.purpose == PURPOSE and row.update_id is not None


async def settled(session: AsyncSession, *, update_id: int, failed: str | None) -> None:
    """A part of the update's relay was sent (``failed`` None) or refused for good (why). The held
    confirmation goes out once no part waits; a failure replaces it with the notice."""
    if failed is None:
        if await outbox.unsent(session, update_id=update_id, purpose=PURPOSE):
            return  # a part still waits (or failed earlier: its notice went out then)
        await outbox.release_held(session, update_id=update_id)
        return
    relay = await outbox.first_of(session, update_id=update_id, purpose=PURPOSE)
    ticket = await tickets_repo.get(session, ticket_id=relay.ref_id) if relay and relay.ref_id else None
    site = await sites.get(session, site_id=relay.site_id) if relay and relay.site_id else None
    t = Translator(site.language if site else "zh-Hans")
    why = failed if failed in REASONS else "refused"
    text = t(f"tk.relay_failed.{why}", number=ticket.number if ticket else "-")
    await outbox.release_held(session, update_id=update_id, text=text)
