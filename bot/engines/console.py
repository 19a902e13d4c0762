"""`dutydesk chat`: an offline console that plays a duty group and a private chat through the same
handlers, delivery and outbox as the Telegram engines. Lines starting with ':' steer the console."""

from __future__ import annotations

import itertools
import sys
from datetime import datetime, timedelta
from typing import TextIO

from bot.app import build_app
from bot.config import Settings
from bot.delivery import Delivery, FileRef, Limits
from handlers.core.messages import Chat, Inbound, Keyboard, User
from storage.clock import utcnow

GROUP_ID = -1001
HELP = """Console commands:
  :group / :private     talk in the duty group / in a private chat with the bot
  :as ID [NAME]         be another person (default 1, an admin)
  :press N              press button N of the newest message that has buttons
  :wait MINUTES         move the clock forward and run the due timers
  :tick                 run the due timers now
  :quit                 leave
Everything else is sent as a message, e.g. /setup HG 华庭花园, /log 3栋大堂漏水, /help"""


def _named(file: FileRef) -> str:
    return file if isinstance(file, str) else f"{file.name}, {len(file.data)} bytes"


class ConsoleTransport:
    """Prints what the bot sends and remembers buttons, so ':press N' can tap them."""

    def __init__(self, out: TextIO, me: int) -> None:
        self.out = out
        self.me = me
        self.ids = itertools.count(1)
        self.buttons: dict[int, list[tuple[int, str]]] = {}  # chat → [(message id, data)]

    def _show(self, chat_id: int, message_id: int, text: str, buttons: Keyboard, edited: bool = False) -> None:
        where = "group" if chat_id == GROUP_ID else f"private {chat_id}"
        mark = "edited" if edited else f"msg {message_id}"
        self.out.write(f"\n[{where} · {mark}]\n{text}\n")
        flat = [b for row in buttons for b in row if b.data]
        if flat:
            self.buttons[chat_id] = [(message_id, b.data or "") for b in flat]
            self.out.write("  " + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(flat, 1)) + "\n")
        self.out.flush()

    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int:
        message_id = next(self.ids)
        self._show(chat_id, message_id, text, buttons)
        return message_id

    async def send_photo(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        message_id = next(self.ids)
        self._show(chat_id, message_id, f"[photo {_named(file_id)}] {caption}".strip(), buttons)
        return message_id

    async def send_document(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        message_id = next(self.ids)
        self._show(chat_id, message_id, f"[file {_named(file_id)}] {caption}".strip(), buttons)
        return message_id

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        self._show(chat_id, message_id, text, buttons, edited=True)

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        if text:
            self.out.write(f"  ({text})\n")


async def run_console(
    settings: Settings, *, database: str | None = None, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> int:
    settings = settings.model_copy(update={"database_url": database or settings.database_url})  # as `export`
    offset = timedelta()

    def clock() -> datetime:
        return utcnow() + offset

    app = await build_app(settings, clock=clock)
    me = User(id=1, name="Console Admin", language=settings.dutydesk_language)
    app.desk.services.admin_ids = app.desk.services.admin_ids | {me.id}
    app.desk.services.bot_username = "DutyDeskConsoleBot"
    transport = ConsoleTransport(out, me.id)
    delivery = Delivery(app.desk, transport, limits=Limits(0, 0, 0))  # a terminal has no rate limits
    user, private = me, False
    out.write(HELP + "\n")
    try:
        while True:
            out.write(f"\n{user.name} @ {'private' if private else 'group'}> ")
            out.flush()
            line = stdin.readline()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            chat = Chat(id=user.id, private=True) if private else Chat(id=GROUP_ID, private=False, title="值班群")
            if line.startswith(":"):
                word, _, rest = line[1:].partition(" ")
                if word == "quit":
                    break
                if word in ("group", "private"):
                    private = word == "private"
                elif word == "as":
                    ident, _, name = rest.partition(" ")
                    if not ident.strip().isdigit():
                        out.write("usage: :as ID [NAME]\n")
                        continue
                    user = User(id=int(ident), name=name.strip() or f"User {ident}", language=me.language)
                elif word == "press":
                    pressable = transport.buttons.get(chat.id, [])
                    if not rest.strip().isdigit() or not 1 <= int(rest) <= len(pressable):
                        out.write("no such button here\n")
                        continue
                    message_id, data = pressable[int(rest) - 1]
                    press = Inbound(
                        chat=chat,
                        user=user,
                        message_id=message_id,
                        callback_id=f"cb{message_id}",
                        callback_data=data,
                        at=clock(),
                    )
                    await delivery.deliver(press, await app.desk.handle(press))
                elif word in ("wait", "tick"):
                    if word == "wait":
                        try:
                            step = timedelta(minutes=float(rest or 0))
                            clock() + step  # a step past year 9999 is refused here, not later
                        except (ValueError, OverflowError):
                            out.write("usage: :wait MINUTES (a number of minutes, e.g. :wait 10)\n")
                            continue
                        offset += step
                    ran = await app.desk.sweep(clock())
                    sent = await delivery.flush()
                    out.write(f"  ({ran} timer(s) ran, {sent} message(s) sent)\n")
                else:
                    out.write(HELP + "\n")
                continue
            inbound = Inbound(chat=chat, user=user, text=line, message_id=next(transport.ids), at=clock())
            await delivery.deliver(inbound, await app.desk.handle(inbound))
    finally:
        await app.close()
    return 0
