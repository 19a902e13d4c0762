"""Who an escalation round reaches, and where an escalation stands, said exactly: the roles and how
many of each were told, that nobody could be, or who acknowledged (tell the truth)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.context import ROLES, Context
from handlers.core.i18n import Translator
from handlers.core.notices import Holder
from storage.codes import Role
from storage.models import EscalationState, Incident, Site, require_id
from storage.repos import incidents

CHAIN = (Role.SUPERVISOR, Role.MANAGER)  # pinged at once (SPEC §4; source 000 L151)
URGENT_LADDER = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)  # the first rung anyone holds (urgent events)
TOP = (Role.ADMIN,)  # added from the second round on: the site's admins and the global ADMIN_IDS


async def targets(session: AsyncSession, site: Site, level: int, *, admins: Iterable[int]) -> list[Holder]:
    """Who a round reaches, as (telegram id, role): the site's supervisors and managers; from the
    second round also its admins and the global admins (``admins``: ADMIN_IDS), each person once."""
    if level > 1:
        return await notices.holders(session, site, CHAIN + TOP, admins=admins)
    return await notices.holders(session, site, CHAIN)


async def on_duty_supervisors(
    session: AsyncSession, site: Site, now: datetime, *, admins: Iterable[int]
) -> list[Holder]:
    """Who an urgent event reaches (000 L131; L258 "汇报给客服经理或客服主管"; L309 "当值最高领导"):
    the supervisors on the roster of the shift going on now, or, when the roster names none of them,
    every supervisor of the site; not the managers. A site with no supervisor registered reaches
    its managers instead, and one with neither its admins, so that an urgent event is never silent."""
    import handlers.shifts.interface as shifts  # at call time: the shifts feature imports the duty log

    people = await notices.holders(session, site, URGENT_LADDER, admins=admins, ladder=True)
    if not people or people[0].role != Role.SUPERVISOR:
        return people
    on_duty = await shifts.rostered_now(session, site, now)
    return [person for person in people if person.telegram_id in on_duty] or people


def who(t: Translator, people: Sequence[tuple[int, Role]]) -> str:
    """ "主管 1 位、经理 2 位": the roles reached and how many of each."""
    counts = Counter(role for _, role in people)
    parts = [
        t("escalation_status.role_count", role=t(f"role.{role}"), count=counts[role]) for role in ROLES if counts[role]
    ]
    return t("escalation_status.separator").join(parts)


async def status_line(ctx: Context, incident: Incident) -> str | None:
    """Where the escalation of an incident stands, in one line: who was told (roles and count) or
    that nobody could be, or who acknowledged; None when it was never escalated or was stopped."""
    t = ctx.t
    at = ctx.hhmm(incident.escalated_at) if incident.escalated_at else "-"
    if incident.escalation == EscalationState.ACKNOWLEDGED:
        return t("escalation_status.acknowledged_by", name=incident.acknowledged_name or "?", at=at)
    if incident.escalation != EscalationState.PENDING:
        return None
    people = await incidents.pinged(ctx.session, incident_id=require_id(incident))
    if not people:
        return t("escalation_status.nobody", number=incident.number)
    return t("escalation_status.waiting", at=at, count=len(people), who=who(t, people), number=incident.number)
