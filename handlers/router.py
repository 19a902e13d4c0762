"""Which handler an inbound goes to: commands (with role and place checks), buttons, photos, free text."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handlers import drafts, residents
from handlers.commands import ButtonAction, Command, unpack
from handlers.context import Context
from handlers.feature import ReplyHandler
from handlers.features import FEATURES
from handlers.i18n import Translator
from handlers.messages import Outcome
from storage.clock import utcnow
from storage.models import MessageLink
from storage.repos import messages, outbox

LINK_WAITS, LINK_WAIT_SECONDS = 2, 1.0  # a batch being sent is recorded within a second or two
IN_FLIGHT = timedelta(seconds=30)  # a row claimed longer ago belongs to a process that died


def _commands() -> dict[str, Command]:
    table: dict[str, Command] = {}
    for feature in FEATURES:
        for command in feature.commands:
            for name in (command.name, *command.aliases):
                if name in table:
                    raise ValueError(f"command /{name} is declared twice")
                table[name] = command
    table["help"] = Command("help", help_command, min_role="anyone", where="any", needs_site=False)
    return table


def _buttons() -> dict[str, ButtonAction]:
    table: dict[str, ButtonAction] = {}
    for feature in FEATURES:
        for action in feature.buttons:
            if action.name in table:
                raise ValueError(f"button action {action.name} is declared twice")
            table[action.name] = action
    return table


def _reply_handlers() -> dict[str, ReplyHandler]:
    return {kind: handler for feature in FEATURES for kind, handler in feature.replies.items()}


async def help_command(ctx: Context, args: str) -> Outcome:
    """Only the commands the sender may use in this chat."""
    t = ctx.t
    lines = [t("help.header")]
    seen: set[str] = set()
    for command in COMMANDS.values():
        if command.name in seen or not _fits_place(ctx, command):
            continue
        if command.where == "group" and command.needs_site and ctx.site is None:
            continue
        if not ctx.may_here(command.min_role):
            continue
        seen.add(command.name)
        lines.append(f"/{command.name} — {t(command.help_key)}")
    if ctx.msg.chat.private and not ctx.roles and not ctx.is_global_admin:
        lines.append(t("help.resident"))
    return Outcome.say("\n".join(lines))


COMMANDS = _commands()
BUTTONS = _buttons()
REPLIES = _reply_handlers()


def menu(private: bool, language: str) -> list[tuple[str, str]]:
    """(command, description) for Telegram's command menu in group or private chats."""
    t = Translator(language)
    seen: dict[str, str] = {}
    for command in COMMANDS.values():
        if command.where == "any" or (command.where == "private") == private:
            seen.setdefault(command.name, t(command.help_key))
    return list(seen.items())


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


async def route(ctx: Context) -> Outcome:
    msg = ctx.msg
    if msg.is_button:
        return await on_button(ctx)
    if msg.text.startswith("/"):
        return await on_command(ctx)
    if msg.reply_to_message_id is not None:
        answered = await on_reply(ctx)
        if answered is not None:
            return answered
    if msg.location is not None:
        for feature in FEATURES:
            if feature.on_location is not None:
                located = await feature.on_location(ctx)
                if located is not None:
                    return located
        return Outcome()
    if msg.photo_file_id and not (msg.chat.private and not ctx.roles and not ctx.is_global_admin):
        return Outcome()  # a photo no feature took (a resident's photo joins their ticket below)
    if msg.chat.private:
        if ctx.roles or ctx.is_global_admin:
            return Outcome.say(ctx.t("private.staff_hint"))
        return await residents.receive(ctx)
    return await drafts.offer(ctx)


async def on_command(ctx: Context) -> Outcome:
    t = ctx.t
    parsed = split_command(ctx.msg.text, ctx.services.bot_username)
    if parsed is None:
        return Outcome()
    name, args = parsed
    command = COMMANDS.get(name)
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


async def on_reply(ctx: Context) -> Outcome | None:
    """A message replying to a bot message that shows a record goes to the feature owning the record.
    A photo or file no feature took, or a staff reply to a bot message that shows no record, is
    answered with how to reply (issue 16), never dropped in silence; a resident's private messages
    go on to their ticket as usual."""
    msg = ctx.msg
    if msg.reply_to_message_id is None:
        return None
    linked = await messages.linked(ctx.session, chat_id=msg.chat.id, message_id=msg.reply_to_message_id)
    if linked is None and _replies_to_me(ctx):
        linked = await _link_being_written(ctx, msg.reply_to_message_id)
    handler = REPLIES.get(linked.ref_kind) if linked is not None else None
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


async def _link_being_written(ctx: Context, message_id: int) -> MessageLink | None:
    """A reply that came the moment its card appeared: the card's row may still be in the delivery's
    hands (its link is written when the row is marked sent, after the rest of its batch). Wait for
    it outside the transaction (handlers.prepared), a bounded number of times, and look again."""
    for attempt in range(LINK_WAITS):
        if not await outbox.in_flight(ctx.session, chat_id=ctx.msg.chat.id, since=utcnow() - IN_FLIGHT):
            return None
        await ctx.prepared.get(("link-wait", attempt), _pause)
        found = await messages.linked(ctx.session, chat_id=ctx.msg.chat.id, message_id=message_id)
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


async def on_button(ctx: Context) -> Outcome:
    """The callback data only names an action and a record; each action checks the presser's role."""
    parsed = unpack(ctx.msg.callback_data)
    action = BUTTONS.get(parsed[0]) if parsed else None
    if parsed is None or action is None:
        return Outcome(toast=ctx.t("button.stale"))
    return await action.run(ctx, parsed[1])
