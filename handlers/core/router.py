"""Which handler an inbound goes to: commands (with role and place checks), buttons, photos, free text."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta

from handlers.core.commands import Command, unpack
from handlers.core.context import Context
from handlers.core.feature import MessageHandler
from handlers.core.i18n import Translator
from handlers.core.messages import Outcome
from handlers.core.registry import Registry
from storage.clock import utcnow
from storage.codes import ANYONE, Access, Role
from storage.models import MessageLink
from storage.repos import links, outbox

LINK_WAITS, LINK_WAIT_SECONDS = 2, 1.0  # a batch being sent is recorded within a second or two
IN_FLIGHT = timedelta(seconds=30)  # a row claimed longer ago belongs to a process that died


class Router:
    """Routes an inbound to the handler that owns it, by the registry the app was built with."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.commands = dict(registry.commands)
        if "help" in self.commands:
            raise ValueError("command /help is declared twice")
        self.commands["help"] = Command("help", self.help_command, min_role=ANYONE, where="any", needs_site=False)

    async def help_command(self, ctx: Context, args: str) -> Outcome:
        """Only the commands the sender may use in this chat (the same list as its command menu)."""
        t = ctx.t
        lines = [t("help.header")]
        private, site_set = ctx.msg.chat.private, ctx.site is not None
        for command in self._unique():
            if listed(command, private=private, site_set=site_set, may=ctx.may_here):
                lines.append(f"/{command.name} — {t(command.help_key)}")
        if ctx.msg.chat.private and not ctx.roles and not ctx.is_global_admin:
            lines.append(t("help.resident"))
        return Outcome.say("\n".join(lines))

    def menu(self, private: bool, language: str, role: Role | None = None) -> list[tuple[str, str]]:
        """(command, description) for Telegram's command menu: what ``role`` (None: a person of no
        role) may use in a group (of a site: with a role there is one) or in a private chat (``role``:
        the person's highest role at any site) — the same commands /help lists there."""
        t = Translator(language)

        def may(needed: Access) -> bool:
            return needed == ANYONE or (role is not None and role.covers(needed))

        site_set = role is not None
        return [
            (command.name, t(command.help_key))
            for command in self._unique()
            if listed(command, private=private, site_set=site_set, may=may)
        ]

    def _unique(self) -> list[Command]:
        """Each command once (aliases name the same command), in the order the features declared them."""
        return list({command.name: command for command in self.commands.values()}.values())

    async def route(self, ctx: Context) -> Outcome:
        msg = ctx.msg
        if msg.is_button:
            return await self.on_button(ctx)
        if msg.text.startswith("/"):
            return await self.on_command(ctx)
        if msg.reply_to_message_id is not None:
            answered = await self.on_reply(ctx)
            if answered is not None:
                return answered
        if msg.location is not None:
            return await _first(self.registry.location_handlers, ctx) or Outcome()
        if msg.photo_file_id and not (msg.chat.private and not ctx.roles and not ctx.is_global_admin):
            return Outcome()  # a photo no feature took (a resident's photo joins their ticket below)
        if msg.chat.private:
            if ctx.roles or ctx.is_global_admin:
                return Outcome.say(ctx.t("private.staff_hint"))
            return await _first(self.registry.private_text, ctx) or Outcome()
        return await _first(self.registry.group_text, ctx) or Outcome()

    async def on_command(self, ctx: Context) -> Outcome:
        t = ctx.t
        parsed = split_command(ctx.msg.text, ctx.services.bot_username)
        if parsed is None:
            return Outcome()
        name, args = parsed
        command = self.commands.get(name)
        if command is None:
            return Outcome.say(t("command.unknown", name=name[:32]))
        if not _fits_place(ctx, command):
            return Outcome.say(t("command.group_only" if command.where == "group" else "command.private_only"))
        if not ctx.msg.chat.private and command.needs_site and ctx.site is None:
            return Outcome.say(t("command.no_site"))
        site_id = ctx.site.id if ctx.site else None
        if not ctx.may_here(command.min_role):
            if ctx.role_at(site_id) is None and not ctx.roles:
                return Outcome.say(t("denied.stranger"))
            return Outcome.say(t("denied.role", role=t(f"role.{command.min_role}")))
        return await command.run(ctx, args)

    async def on_reply(self, ctx: Context) -> Outcome | None:
        """A message replying to a bot message that shows a record goes to the feature owning the
        record. A photo or file no feature took, or a staff reply to a bot message that shows no
        record, is answered with how to reply, never dropped in silence; a resident's private
        messages go on to their ticket as usual."""
        msg = ctx.msg
        if msg.reply_to_message_id is None:
            return None
        linked = await links.linked(ctx.session, chat_id=msg.chat.id, message_id=msg.reply_to_message_id)
        if linked is None and _replies_to_me(ctx):
            linked = await _link_being_written(ctx, msg.reply_to_message_id)
        handler = self.registry.replies.get(linked.ref_kind) if linked is not None else None
        if linked is not None and handler is not None:
            answered = await handler(ctx, linked.ref_id)
            if answered is not None:
                return answered
        if not _replies_to_me(ctx) or (msg.chat.private and not ctx.roles and not ctx.is_global_admin):
            return None
        if msg.photo_file_id or msg.document_file_id:
            return Outcome.say(ctx.t("reply.not_taken"), quote=True)
        if linked is None and (ctx.roles or ctx.is_global_admin):
            return Outcome.say(ctx.t("reply.unlinked"), quote=True)
        return None

    async def on_button(self, ctx: Context) -> Outcome:
        """The callback data only names an action and a record; each action checks the presser's role."""
        parsed = unpack(ctx.msg.callback_data)
        action = self.registry.buttons.get(parsed[0]) if parsed else None
        if parsed is None or action is None:
            return Outcome(toast=ctx.t("button.stale"))
        return await action.press(ctx, parsed[1])


async def _first(handlers: Sequence[MessageHandler], ctx: Context) -> Outcome | None:
    """The first feature's answer to a message no command took (None: nobody took it)."""
    for handler in handlers:
        answered = await handler(ctx)
        if answered is not None:
            return answered
    return None


def listed(command: Command, *, private: bool, site_set: bool, may: Callable[[Access], bool]) -> bool:
    """Whether /help and the command menu show ``command`` in a private chat or a group (a site's
    duty group when ``site_set``) to someone of whom ``may(role)`` says whether they hold it there:
    never a command they cannot use there. Before /setup a group lists no site's command (/daylog,
    /sign…); /setup is listed to admins, in a group that is no site's yet."""
    if command.where != "any" and (command.where == "private") != private:
        return False
    if not private:
        if command.before_setup and site_set:
            return False
        if not site_set and (command.needs_site or command.min_role != ANYONE):
            return False
    if not may(command.min_role):
        return False
    return command.listed_role is None or may(command.listed_role)


def _fits_place(ctx: Context, command: Command) -> bool:
    if command.where == "any":
        return True
    return (command.where == "private") == ctx.msg.chat.private


def split_command(text: str, bot_username: str | None) -> tuple[str, str] | None:
    """``/log@DutyDeskBot text`` → ("log", "text"); None when it is addressed to another bot."""
    head, _, rest = text[1:].partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    name, _, target = head.partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    return name.lower(), rest.strip()


async def _link_being_written(ctx: Context, message_id: int) -> MessageLink | None:
    """A reply that came the moment its card appeared: the card's row may still be in the delivery's
    hands (its link is written when the row is marked sent, after the rest of its batch). Wait for
    it outside the transaction (handlers.core.prepared), a bounded number of times, and look again."""
    for attempt in range(LINK_WAITS):
        if not await outbox.in_flight(ctx.session, chat_id=ctx.msg.chat.id, since=utcnow() - IN_FLIGHT):
            return None
        await ctx.prepared.get(("link-wait", attempt), _pause)
        found = await links.linked(ctx.session, chat_id=ctx.msg.chat.id, message_id=message_id)
        if found is not None:
            return found
    return None


async def _pause() -> None:
    await asyncio.sleep(LINK_WAIT_SECONDS)


def _replies_to_me(ctx: Context) -> bool:
    """The message replied to is this bot's (a colleague's or another bot's is none of its business)."""
    bot = ctx.msg.reply_to_bot
    own = ctx.services.bot_username
    return bot is not None and (not own or not bot or bot.lower() == own.lower())
