"""Finding the record a command names (``/note 12 …``, ``/ack #12``) at the chat's site."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.messages import Outcome
from handlers.core.numbers import not_found, numbered
from storage.codes import Access, Register, Role
from storage.models import Incident, Site, require_id
from storage.repos import incidents, sites


async def numbered_incident(ctx: Context, args: str, usage: str) -> tuple[Incident | None, str, Outcome | None]:
    """The incident named by ``#N`` (or ``N``) at this chat's site and the rest of the text, or the
    reply to give instead: the command's usage when no number is given, "that is a ticket" for
    ``T12``, "not found" (naming a record of another kind with that number) for an unknown one."""
    number, rest, problem = await numbered(ctx, args, Register.INCIDENT, usage)
    if number is None:
        return None, rest, problem
    incident = None
    if ctx.site is not None:
        incident = await incidents.by_number(ctx.session, site_id=require_id(ctx.site), number=number)
    if incident is None:
        return None, rest, await not_found(ctx, Register.INCIDENT, number, "incident.not_found")
    return incident, rest, None


async def button_incident(ctx: Context, incident_id: int, min_role: Access) -> Incident | Outcome:
    """The incident a button names (its data already parsed), or the answer to give instead. The
    presser's role is checked before anything is looked up, then again at the incident's own site;
    an id that is unknown or of another site's record is an expired button."""
    denied = Outcome(toast=ctx.t("denied.role", role=ctx.t(f"role.{min_role}")), alert=True)
    if not ctx.may_here(min_role):
        return denied
    incident = await incidents.get(ctx.session, incident_id=incident_id)
    if incident is None or (ctx.site is not None and incident.site_id != ctx.site.id):
        return Outcome(toast=ctx.t("button.stale"))
    if not ctx.may(incident.site_id, min_role):
        return denied
    return incident


async def sites_where(ctx: Context, role: Role) -> list[Site]:
    """The chat's site in a duty group; in private every site where the sender has this role (every
    site for a global admin)."""
    if ctx.site is not None:
        return [ctx.site] if ctx.may(ctx.site.id, role) else []
    return [s for s in await sites.all_sites(ctx.session) if ctx.may(s.id, role)]


async def site_and_date_word(ctx: Context, args: str, role: Role) -> tuple[Site | None, str | None]:
    """For ``/daylog [date] [CODE]``-like commands: the site (of :func:`sites_where`, narrowed by a
    site code among the words; None when the sender has none) and the word that starts with a digit."""
    words = args.split()
    choices = await sites_where(ctx, role)
    code = next((w for w in words if not w[:1].isdigit()), None)
    if code:
        choices = [s for s in choices if s.code.lower() == code.lower()]
    return (choices[0] if choices else None), next((w for w in words if w[:1].isdigit()), None)
