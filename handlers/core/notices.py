"""Queueing messages to other chats (the outbox), for handlers and for the timer sweep alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Unpack

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from handlers.core.messages import Button, Keyboard
from handlers.core.text_limits import CAPTION_LIMIT, split_text
from storage.codes import Role
from storage.models import Site, require_id
from storage.models.plumbing import Method, Purpose
from storage.repos import digest, outbox, sites, uploads

URGENT, ROUTINE = 0, 5  # outbox priorities: lower is sent first
MEDIA: tuple[Method, ...] = ("photo", "document")  # outbox methods whose text is a caption

# Pings that a site's managers read in the shift digest (handlers.digest) instead of one by one,
# while they take it (``/digest on``, the default): :func:`tell_roles` leaves them out of these
# purposes; supervisors and everyone else are told as before, and a manager who turned the digest off
# gets them one by one again. The team's own rule, from no clause (000 L95-97 asks for a monthly
# compilation to the superior, not a per-shift one). Never digest-only: a major incident's
# escalation (000 L151, "escalation") and a VIP, major or repeated complaint's (000 L37, L90,
# "escalation"), approvals, lost keys, the duty log to sign, reminders of what the manager must do.
#   follow_up: a ticket past its promised deadline (001 L901) or late on site (001 L1113), a late
#              callback (003 L63), an unsatisfied resident: the supervisors chase these at once.
#   handover:  a handover refused while a major incident is open (000 L131): the supervisors may allow it.
DIGEST_ONLY: frozenset[Purpose] = frozenset({"follow_up", "handover"})
DIGEST_READERS = (Role.MANAGER,)  # who gets the digest, and so is spared the digest-only pings

# Residents' messages relayed to a duty group (and their photos shown on request): sent after
# everything else, and with at most half of the group's 20 a minute (bot.delivery.GROUP_RESERVE), so
# that a resident's flood cannot hold up staff replies or urgent notices.
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
    purpose: Purpose | None = None,
    photo: str | None = None,
    document: str | None = None,
    update_id: int | None = None,
    bulk: bool = False,
) -> None:
    """Write the message into the outbox in the caller's transaction; delivery sends it after commit.
    ``urgent`` (escalations, approval requests) goes before routine replies. ``site_id`` and
    ``purpose`` let the delivery tell that site's duty group when a private message cannot be
    delivered (the person never opened the bot, or blocked it). With ``photo`` (a Telegram file id)
    the message is that photo with ``text`` as its caption; with ``document`` that file.
    ``update_id``: the update it answers (a relay's held confirmation waits for it). ``bulk`` (a resident's relayed
    messages) goes after everything else (``BULK``)."""
    await enqueue_split(
        session,
        chat_id=chat_id,
        text=text,
        buttons=buttons,
        method="document" if document else "photo" if photo else "send",
        file_id=document or photo,
        ref_kind=link[0] if link else None,
        ref_id=link[1] if link else None,
        priority=URGENT if urgent else BULK if bulk else ROUTINE,
        site_id=site_id,
        purpose=purpose,
        update_id=update_id,
    )


async def store_file(session: AsyncSession, *, name: str, data: bytes) -> str:
    """Keep a file the bot made (a chart, a workbook) in the caller's transaction; pass the returned
    reference as ``photo=`` or ``document=`` to :func:`queue`, to one chat or several: the delivery
    uploads it (multipart) under ``name``."""
    return await uploads.add(session, name=name, data=data)


async def enqueue_split(
    session: AsyncSession,
    *,
    chat_id: int,
    text: str,
    buttons: Keyboard | None = None,
    method: Method = "send",
    file_id: str | None = None,
    reply_to: int | None = None,
    **row: Unpack[outbox.Columns],
) -> int:
    """Queue one message, as several outbox rows when its text is longer than Telegram takes (split
    at lines, handlers.core.text_limits): a photo or file carries the first part as its caption, the rest
    follow as messages; the buttons go on the last part, the record link on every part (a reply to
    any of them finds the record), the quote on the first. Returns how many rows were written."""
    parts = split_text(text, first_limit=CAPTION_LIMIT if method in MEDIA else None)
    for k, part in enumerate(parts):
        await outbox.enqueue(
            session,
            chat_id=chat_id,
            text=part,
            buttons=button_dicts(buttons) if k == len(parts) - 1 else None,
            method=method if k == 0 else "send",
            photo_file_id=file_id if k == 0 else None,
            reply_to=reply_to if k == 0 else None,
            **row,
        )
    return len(parts)


class Holder(NamedTuple):
    """A person told as one of a site's roles: the global admins count as ``Role.ADMIN``."""

    telegram_id: int
    role: Role


def told(t: Translator, people: Sequence[Holder]) -> str:
    """ "主管 1 位、经理 1 位": the roles told and how many of each, lowest role first, so that a
    message names the people it reached by their real roles (issue 19 point 4)."""
    counts = Counter(holder.role for holder in people)
    parts = [t("told.role_count", role=t(f"role.{role}"), count=counts[role]) for role in Role if counts[role]]
    return t("told.separator").join(parts)


async def holders(
    session: AsyncSession,
    site: Site,
    roles: Sequence[str],
    *,
    admins: Iterable[int] = (),
    ladder: bool = False,
    skip: Iterable[int] = (),
) -> list[Holder]:
    """Who holds one of ``roles`` at the site, in the order they were added, each person once and
    none of ``skip``. ``admins`` (the global admins, ``services.admin_ids``) come after the site's
    people as role Role.ADMIN, lowest id first. With ``ladder`` the roles are rungs tried in order and
    only the first rung that somebody holds is returned, the global admins being the last rung."""
    left_out = set(skip)

    async def holding(rung: Sequence[str]) -> list[Holder]:
        members = await sites.members(session, site_id=require_id(site), roles=rung)
        return [Holder(m.telegram_id, m.role) for m in members if m.telegram_id not in left_out]

    def global_admins(known: set[int]) -> list[Holder]:
        return [Holder(admin, Role.ADMIN) for admin in sorted(set(admins)) if admin not in known | left_out]

    if ladder:
        for role in roles:
            if people := await holding((role,)):
                return people
        return global_admins(set())
    people = await holding(roles)
    return people + global_admins({holder.telegram_id for holder in people})


async def tell(
    session: AsyncSession,
    site: Site,
    people: Iterable[int],
    text: str,
    *,
    purpose: Purpose,
    urgent: bool = False,
    link: tuple[str, int] | None = None,
    buttons: Keyboard | None = None,
) -> int:
    """Queue the same message to each of ``people`` in private, as staff of the site (the delivery
    tells its duty group when one cannot be reached); returns how many were told."""
    told = 0
    for telegram_id in people:
        await queue(session, telegram_id, text, buttons, link, urgent=urgent, site_id=site.id, purpose=purpose)
        told += 1
    return told


async def tell_roles(
    session: AsyncSession,
    site: Site,
    roles: Sequence[str],
    text: str,
    *,
    purpose: Purpose,
    urgent: bool = False,
    link: tuple[str, int] | None = None,
    skip: Iterable[int] = (),
    buttons: Keyboard | None = None,
    admins: Iterable[int] = (),
    ladder: bool = False,
) -> int:
    """Tell everyone holding one of ``roles`` at the site (the supervisors, the managers…), in
    private: the one way to reach a site's chain. ``skip``, ``admins`` and ``ladder`` choose who as
    :func:`holders` says; returns how many were told (a handler adds it to ``ctx.notified``). A
    ``purpose`` in :data:`DIGEST_ONLY` is not sent to a manager who takes the shift digest."""
    people = await recipients(session, site, roles, purpose=purpose, admins=admins, ladder=ladder, skip=skip)
    return await tell(
        session, site, [p.telegram_id for p in people], text, purpose=purpose, urgent=urgent, link=link, buttons=buttons
    )


async def recipients(
    session: AsyncSession,
    site: Site,
    roles: Sequence[str],
    *,
    purpose: Purpose,
    admins: Iterable[int] = (),
    ladder: bool = False,
    skip: Iterable[int] = (),
) -> list[Holder]:
    """Who :func:`tell_roles` reaches for this ``purpose``: the :func:`holders`, less the managers
    who take the shift digest when the purpose is digest-only (for a caller that names them)."""
    people = await holders(session, site, roles, admins=admins, ladder=ladder, skip=skip)
    if purpose in DIGEST_ONLY:
        people = await _without_digest_readers(session, people)
    return people


async def _without_digest_readers(session: AsyncSession, people: list[Holder]) -> list[Holder]:
    """``people`` less the managers who take the shift digest (those who turned it off stay)."""
    readers = [p.telegram_id for p in people if p.role in DIGEST_READERS]
    if not readers:
        return people
    off = await digest.turned_off(session, ids=readers)
    return [p for p in people if p.role not in DIGEST_READERS or p.telegram_id in off]
