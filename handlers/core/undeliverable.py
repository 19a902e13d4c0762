"""A private message that Telegram refused for good (the person never opened the bot, or blocked
it): the site's duty group is told, once, who could not be reached and how to fix it, instead of a
line in the log only. Told again only after the person opened the bot and it failed anew.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.i18n import Translator
from storage.models import Outbox
from storage.models.plumbing import Method, Purpose
from storage.repos import sites

# What the refused message was for, in the notice (Outbox.purpose; others read as "message").
PURPOSES: tuple[Purpose, ...] = ("escalation", "approval", "reminder", "relay", "dispatch", "daylog", "handover")
PRIVATE_MESSAGES: tuple[Method, ...] = ("send", "photo", "document")  # not an edit, not a button's answer


async def refused(session: AsyncSession, row: Outbox) -> bool:
    """Called by the delivery in the transaction that marks ``row`` failed; True when the group was
    told. Only private chats of a known site matter (a group that removed the bot is another story)."""
    if row.site_id is None or row.chat_id <= 0 or row.method not in PRIVATE_MESSAGES:
        return False
    person = await sites.person(session, telegram_id=row.chat_id)
    if person is not None and not person.reachable and person.telegram_id in _told:
        return False
    site = await sites.get(session, site_id=row.site_id)
    if site is None or site.duty_chat_id is None:
        return False
    if person is not None:
        person.reachable = False
        session.add(person)
    _told.add(row.chat_id)
    t = Translator(site.language)
    name = person.name if person and person.name else str(row.chat_id)
    what = t(f"undeliverable.purpose.{row.purpose if row.purpose in PURPOSES else 'other'}")
    await notices.queue(session, site.duty_chat_id, t("undeliverable.group", name=name, what=what), urgent=True)
    return True


# People this process already reported while they stayed unreachable (a second refusal of the same
# round of pings should not repeat the notice); ``reachable`` in the database carries it over restarts.
_told: set[int] = set()


def reached(telegram_id: int) -> bool:
    """The person wrote to the bot in private again: a later refusal is news. True when they had
    been reported (their ``reachable`` must be written again)."""
    if telegram_id in _told:
        _told.discard(telegram_id)
        return True
    return False
