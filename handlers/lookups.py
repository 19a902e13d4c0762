"""Finding the record a command names (``/note 12 …``, ``/ack #12``) at the chat's site."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Outcome
from handlers.parsing import number_and_rest
from storage.models import Incident
from storage.repos import incidents


async def numbered_incident(ctx: Context, args: str, usage: str) -> tuple[Incident | None, str, Outcome | None]:
    """The incident named by ``#N`` at this chat's site and the rest of the text, or the reply to
    give instead (the command's usage when no number is given, "not found" for an unknown one)."""
    number, rest = number_and_rest(args)
    if number is None:
        return None, rest, Outcome.say(ctx.t(usage))
    incident = None
    if ctx.site is not None:
        incident = await incidents.by_number(ctx.session, site_id=ctx.site.id or 0, number=number)
    if incident is None:
        return None, rest, Outcome.say(ctx.t("incident.not_found", number=number))
    return incident, rest, None
