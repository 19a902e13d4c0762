"""People as the chat knows them: their name, else @username; a person added from the command line
who never wrote to the bot is "ID 5（未开启机器人）", never a bare number (issue 19 point 4)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from storage.models import Person
from storage.repos import sites


def label(t: Translator, telegram_id: int, person: Person | None) -> str:
    """One person's name as pickers, cards and reports show it."""
    if person is not None and person.name:
        return person.name
    if person is not None and person.username:
        return f"@{person.username}"
    return t("people.unknown", id=telegram_id)


async def labels(session: AsyncSession, t: Translator, ids: Iterable[int]) -> dict[int, str]:
    """Each of ``ids`` (once, in their order) with :func:`label`."""
    wanted = list(dict.fromkeys(ids))
    known = await sites.people(session, ids=wanted)
    return {telegram_id: label(t, telegram_id, known.get(telegram_id)) for telegram_id in wanted}
