"""Sites, people and roles: /setup, /invite, /start, /whoami, /help."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.messages import Outcome
from storage.codes import ANYONE, Role, role_or_none
from storage.models import Invite
from storage.repos import invites, sites

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


async def setup_command(ctx: Context, args: str) -> Outcome:
    """Make this group the duty group of a site: ``/setup CODE name``, or ``/setup`` to be asked."""
    t = ctx.t
    if ctx.site is not None:
        return Outcome.say(t("setup.already", site=ctx.site.name, code=ctx.site.code))
    parts = args.split(maxsplit=1)
    if not parts:
        return Outcome.say(t("setup.ask"))
    code, name = parts[0], (parts[1].strip() if len(parts) > 1 else "") or ctx.msg.chat.title or parts[0]
    if not _CODE.match(code):
        return Outcome.say(t("setup.bad_code"))
    site = await sites.by_code(ctx.session, code=code)
    if site is not None and not ctx.may(site.id, Role.ADMIN):
        return Outcome.say(t("denied.role", role=t("role.admin")))
    if site is None:
        if not ctx.is_global_admin:
            return Outcome.say(t("denied.role", role=t("role.admin")))
        site = await sites.create(
            ctx.session,
            code=code,
            name=name[:200],
            language=ctx.services.default_language,
            timezone=ctx.services.default_timezone,
        )
    site.duty_chat_id = ctx.msg.chat.id
    ctx.session.add(site)
    lines = [t("setup.done", site=site.name, code=site.code), t("setup.next")]
    if ctx.services.can_read_group_messages is False:
        lines.append(t("setup.privacy_warning"))
    return Outcome.say("\n\n".join(lines))


async def invite_command(ctx: Context, args: str) -> Outcome:
    """A one-time deep link that binds a role at this site; nobody invites above their own role."""
    t = ctx.t
    site = ctx.site
    assert site is not None and site.id is not None
    role = role_or_none(args.strip().lower() or Role.STAFF)
    if role is None:
        return Outcome.say(t("usage.invite"))
    mine = ctx.role_at(site.id)
    if mine is None or not mine.covers(role):
        return Outcome.say(t("invite.too_high", role=t(f"role.{role}")))
    if not ctx.services.bot_username:
        return Outcome.say(t("invite.no_username"))
    hours = ctx.policy(site).invite_valid_hours
    invite = await invites.create(
        ctx.session, site_id=site.id, role=role, created_by=ctx.msg.user.id, expires_at=ctx.now + timedelta(hours=hours)
    )
    link = f"https://t.me/{ctx.services.bot_username}?start={invite.code}"
    return Outcome.say(t("invite.created", role=t(f"role.{role}"), site=site.name, link=link, hours=hours))


async def start_command(ctx: Context, args: str) -> Outcome:
    t = ctx.t
    code = args.strip()
    if not code:
        key = "start.staff" if ctx.roles or ctx.is_global_admin else "start.resident"
        return Outcome.say(t(key, name=ctx.msg.user.name))
    offered = await invites.peek(ctx.session, code=code, now=ctx.now)
    if offered is not None:
        problem = await _invite_problem(ctx, offered)
        if problem:
            return Outcome.say(problem)
    invite = await invites.redeem(ctx.session, code=code, telegram_id=ctx.msg.user.id, now=ctx.now)
    if invite is None:
        return Outcome.say(t("invite.invalid"))
    site = await sites.get(ctx.session, site_id=invite.site_id)
    await sites.set_role(
        ctx.session, telegram_id=ctx.msg.user.id, site_id=invite.site_id, role=invite.role, added_by=invite.created_by
    )
    return Outcome.say(t("invite.joined", role=t(f"role.{invite.role}"), site=site.name if site else "?"))


async def _invite_problem(ctx: Context, invite: Invite) -> str | None:
    """An invite never lowers a role (it stays unused, for the colleague it was meant for), and it
    stops working when its maker no longer holds a role as high as the one it gives."""
    t = ctx.t
    site = await sites.get(ctx.session, site_id=invite.site_id)
    name = site.name if site else "?"
    current = ctx.role_at(invite.site_id)
    if current is not None and current.covers(invite.role):
        return t("invite_rules.keeps_role", site=name, role=t(f"role.{current}"), offered=t(f"role.{invite.role}"))
    maker: Role | None = Role.ADMIN if invite.created_by in ctx.services.admin_ids else None
    maker = maker or (await sites.roles_of(ctx.session, telegram_id=invite.created_by)).get(invite.site_id)
    if maker is None or not maker.covers(invite.role):
        return t("invite.invalid")
    return None


async def whoami_command(ctx: Context, args: str) -> Outcome:
    t = ctx.t
    lines = [t("whoami.header", name=ctx.msg.user.name, id=ctx.msg.user.id)]
    if ctx.is_global_admin:
        lines.append(t("whoami.global_admin"))
    for site_id, role in sorted(ctx.roles.items()):
        site = await sites.get(ctx.session, site_id=site_id)
        if site is not None:
            lines.append(t("whoami.role", site=site.name, code=site.code, role=t(f"role.{role}")))
    if len(lines) == 1:
        lines.append(t("whoami.none"))
    return Outcome.say("\n".join(lines))


COMMANDS = [
    Command(
        "setup",
        setup_command,
        min_role=ANYONE,
        where="group",
        needs_site=False,
        listed_role=Role.ADMIN,
        before_setup=True,
    ),
    Command("invite", invite_command, min_role=Role.SUPERVISOR, where="group"),
    Command("start", start_command, min_role=ANYONE, where="private", needs_site=False),
    Command("whoami", whoami_command, min_role=ANYONE, where="any", needs_site=False),
]
PART = Feature("setup", commands=COMMANDS)
