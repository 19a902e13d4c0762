"""An update taken again (its process died, or handling failed): counted before it is handled, and
set aside once it has failed too often, so one bad update cannot stop the desk.

The count is committed before handling starts, so an update that kills its process (out of memory,
a crash in a library) counts as well. Its last chance runs alone (the runner lets no other update be
handled meanwhile): a process that dies then cannot take an innocent update down with it. Past the
policy's ``inbox_max_attempts`` the row is kept but set aside, and its sender told once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from handlers.core import replies
from handlers.core.i18n import Translator, pick_language
from handlers.core.messages import Inbound, Outcome, Reply
from handlers.core.policy import Policy
from storage.clock import utcnow
from storage.repos import inbox, sites

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from handlers.core.desk import DutyDesk

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Take:
    """What to do with a row taken again: ``handle`` it, or not (gone: handled elsewhere; or set
    aside now, ``notified`` messages queued for its sender)."""

    handle: bool
    notified: int = 0


async def last_chance(desk: DutyDesk, msg: Inbound | None, *, update_id: int) -> bool:
    """Whether the next attempt at this row is its last: the runner then handles it alone, and
    counts it only once no other update is in flight (so a death then is this row's alone)."""
    async with desk.db.session() as session:
        attempts = await inbox.attempts_of(session, update_id=update_id, lock=False)
        if attempts is None:
            return False
        _, limit = await _site_rules(session, desk, msg)
    return attempts + 1 >= limit


async def take_again(
    desk: DutyDesk, msg: Inbound | None, *, update_id: int, lease: timedelta, uncounted: bool = False
) -> Take:
    """Count this attempt, or set the row aside when its attempts are spent, in one transaction.
    ``msg`` is the update read (None when it cannot be read: set aside without a word to anyone).
    ``uncounted``: its last attempt only met a database outage, which is not held against it."""
    now = utcnow()  # leases are real time (the runner's sweep compares them with utcnow)
    async with desk.db.session() as session:
        attempts = await inbox.attempts_of(session, update_id=update_id)
        if attempts is None:
            return Take(handle=False)  # handled (or set aside) by another process meanwhile
        language, limit = await _site_rules(session, desk, msg)
        if attempts >= limit and not uncounted:
            return await _set_aside(session, msg, update_id=update_id, attempts=attempts, language=language, now=now)
        await inbox.count_attempt(
            session, update_id=update_id, now=now, lease=lease, token=desk.token, uncounted=uncounted
        )
    return Take(handle=True)


async def _site_rules(session: AsyncSession, desk: DutyDesk, msg: Inbound | None) -> tuple[str, int]:
    """The language to tell the sender in, and the number of attempts the chat's site allows."""
    default = desk.services.default_language
    if msg is None:
        return default, Policy().inbox_max_attempts
    site = None
    if not msg.chat.private:
        site, _ = await sites.site_and_role(session, chat_id=msg.chat.id, telegram_id=msg.user.id)
    if site is None:
        return pick_language(msg.user.language, default), Policy().inbox_max_attempts
    return site.language, Policy.for_site(site.policy).inbox_max_attempts


async def _set_aside(
    session: AsyncSession, msg: Inbound | None, *, update_id: int, attempts: int, language: str, now: datetime
) -> Take:
    reason = f"set aside after {attempts} attempt(s) that failed or ended the process"
    if not await inbox.set_aside(session, update_id=update_id, now=now, error=reason):
        return Take(handle=False)
    where = f"in chat {msg.chat.id} from user {msg.user.id}" if msg else "(unreadable)"
    log.error("update %s %s %s; `dutydesk inbox --dead` shows it", update_id, where, reason)
    if msg is None:
        return Take(handle=False)
    text = Translator(language)("inbox.set_aside")
    outcome = Outcome(replies=[Reply(text, quote=not msg.is_button)], toast=text if msg.is_button else None)
    return Take(handle=False, notified=await replies.queue_outcome(session, msg, outcome))
