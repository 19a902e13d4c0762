"""Who is on a site's staff, and removing a person who left: /staff and /remove in the duty group.

Nobody changes the role of someone above their own (SPEC §1: roles are per site); a removal takes
effect at once, because every command and button reads the sender's role afresh.
"""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.messages import Outcome
from handlers.core.people import label
from storage.codes import Role
from storage.models import Member, Person
from storage.repos import sites


def describe(ctx: Context, member: Member, person: Person | None) -> str:
    if person is None or not (person.name or person.username):  # added from the command line, never wrote
        who = label(ctx.t, member.telegram_id, person)
        return ctx.t("staff_mgmt.line_unknown", role=ctx.t(f"role.{member.role}"), who=who)
    name = person.name or "?"
    handle = f" @{person.username}" if person and person.username else ""
    return ctx.t("staff_mgmt.line", role=ctx.t(f"role.{member.role}"), name=name, handle=handle, id=member.telegram_id)


async def staff_command(ctx: Context, args: str) -> Outcome:
    """The site's people, highest role first."""
    assert ctx.site is not None and ctx.site.id is not None
    people = await sites.staff_of(ctx.session, site_id=ctx.site.id)
    if not people:
        return Outcome.say(ctx.t("staff_mgmt.none", site=ctx.site.name))
    lines = [ctx.t("staff_mgmt.header", site=ctx.site.name, count=len(people))]
    lines += [describe(ctx, member, person) for member, person in people]
    lines.append(ctx.t("staff_mgmt.how_to_remove"))
    return Outcome.say("\n".join(lines))


async def remove_command(ctx: Context, args: str) -> Outcome:
    """``/remove @username`` or ``/remove 123456789``: the person loses their role at this site."""
    assert ctx.site is not None and ctx.site.id is not None
    target = args.strip()
    if not target:
        return Outcome.say(ctx.t("staff_mgmt.usage_remove"))
    people = await sites.staff_of(ctx.session, site_id=ctx.site.id)
    wanted = target.removeprefix("@").lower()
    found = [
        (member, person)
        for member, person in people
        if str(member.telegram_id) == wanted or (person is not None and (person.username or "").lower() == wanted)
    ]
    if not found:
        return Outcome.say(ctx.t("staff_mgmt.not_member", who=target[:64], site=ctx.site.name))
    member, person = found[0]
    mine = ctx.role_at(ctx.site.id)
    if mine is None or not mine.covers(member.role):
        return Outcome.say(ctx.t("staff_mgmt.above_you", role=ctx.t(f"role.{member.role}")))
    await sites.remove_member(ctx.session, member=member)
    return Outcome.say(ctx.t("staff_mgmt.removed", who=describe(ctx, member, person), site=ctx.site.name))


COMMANDS = [
    Command("staff", staff_command, min_role=Role.SUPERVISOR),
    Command("remove", remove_command, min_role=Role.SUPERVISOR),
]
PART = Feature("staff", commands=COMMANDS)
