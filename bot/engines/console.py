"""`dutydesk chat`: an offline console that plays a duty group and private chats through the same
handlers, delivery and outbox as the Telegram engines. Lines starting with ':' steer the console.

Every message, the bot's and the people's, carries a number ("msg 7"), so a line can name it: reply
to it (``:reply``, ``:photo``, ``:file``, ``:location`` take MSG), or press a button on it
(``:press MSG N``). Files sent with ``:file`` are read from disk when a handler downloads them,
through ``services.files`` as on Telegram. The console's clock (``:wait``) is the clock of the whole
process (``storage.clock.movable``): every time stored or shown follows it.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import shlex
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from bot.app import App, build_app
from bot.config import Settings
from bot.delivery import Delivery, Limits
from bot.transport import FileRef
from handlers.core.i18n import Translator
from handlers.core.messages import Chat, Inbound, Keyboard, User
from storage.clock import movable, utcnow
from storage.models import MessageLink, Outbox

GROUP_ID = -1001
BOT_USERNAME = "DutyDeskConsoleBot"


@dataclass(slots=True)
class Shown:
    """A message of the console's chats: where it is, whose it is, and the buttons it has now."""

    chat_id: int
    by_bot: bool
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, callback data), as numbered


def _named(file: FileRef) -> str:
    return file if isinstance(file, str) else f"{file.name}, {len(file.data)} bytes"


class ConsoleTransport:
    """Prints what the bot sends, numbered, and remembers every message and its buttons."""

    def __init__(self, out: TextIO, t: Translator, first: int = 1) -> None:
        self.out = out
        self.t = t
        self.ids = itertools.count(first)
        self.messages: dict[int, Shown] = {}

    def where(self, chat_id: int) -> str:
        return self.t("console.group") if chat_id == GROUP_ID else self.t("console.private", id=chat_id)

    def _show(
        self, chat_id: int, message_id: int, text: str, buttons: Keyboard, *, edited: bool = False, reply_to: int = 0
    ) -> None:
        marks = [self.where(chat_id), self.t("console.msg", number=message_id)]
        if edited:
            marks.append(self.t("console.edited"))
        if reply_to:
            marks.append(self.t("console.replying", number=reply_to))
        self.out.write(f"\n[{' · '.join(marks)}]\n{text}\n")
        flat = [(b.label, b.data) for row in buttons for b in row if b.data]
        self.messages[message_id] = Shown(chat_id, by_bot=True, buttons=flat)
        if flat:
            self.out.write("  " + "  ".join(f"[{i}] {label}" for i, (label, _) in enumerate(flat, 1)) + "\n")
        self.out.flush()

    def from_person(self, chat_id: int) -> int:
        """A number for a message a person sends, shown so that it can be replied to."""
        message_id = next(self.ids)
        self.messages[message_id] = Shown(chat_id, by_bot=False)
        self.out.write(self.t("console.yours", number=message_id) + "\n")
        return message_id

    def in_chat(self, chat_id: int, message_id: int) -> Shown | None:
        shown = self.messages.get(message_id)
        return shown if shown is not None and shown.chat_id == chat_id else None

    def newest_with_buttons(self, chat_id: int) -> int | None:
        numbers = [n for n, shown in self.messages.items() if shown.chat_id == chat_id and shown.buttons]
        return max(numbers) if numbers else None

    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int:
        message_id = next(self.ids)
        self._show(chat_id, message_id, text, buttons, reply_to=reply_to or 0)
        return message_id

    async def send_photo(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        message_id = next(self.ids)
        self._show(chat_id, message_id, f"{self.t('console.photo', file=_named(file_id))} {caption}".strip(), buttons)
        return message_id

    async def send_document(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        message_id = next(self.ids)
        self._show(chat_id, message_id, f"{self.t('console.file', file=_named(file_id))} {caption}".strip(), buttons)
        return message_id

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        self._show(chat_id, message_id, text, buttons, edited=True)

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        if text:
            self.out.write(f"  ({text})\n")


class ConsoleFiles:
    """The files sent with ``:file``, read from disk when a handler downloads one (``FileSource``)."""

    def __init__(self) -> None:
        self.paths: dict[str, Path] = {}
        self.photos = itertools.count(1)

    def add(self, path: Path) -> str:
        file_id = f"console-file-{len(self.paths) + 1}"
        self.paths[file_id] = path
        return file_id

    def photo(self) -> str:
        """A file id for a photo (the console sends none: a photo is its id and caption)."""
        return f"console-photo-{next(self.photos)}"

    async def fetch(self, file_id: str) -> bytes:
        path = self.paths.get(file_id)
        if path is None:  # a photo: the console has no picture behind its file id
            raise LookupError(f"no file behind {file_id}")
        return await asyncio.to_thread(path.read_bytes)


class Usage(Exception):
    """A console command typed wrong: the text says how to type it."""


class Console:
    """One console session: who speaks where, the app, and the ':' commands."""

    def __init__(
        self, app: App, transport: ConsoleTransport, files: ConsoleFiles, forward: Callable[[timedelta], None]
    ) -> None:
        self.app, self.transport, self.files, self.forward = app, transport, files, forward
        self.t = transport.t
        self.out = transport.out
        self.delivery = Delivery(app.desk, transport, limits=Limits(0, 0, 0))  # a terminal has no rate limits
        self.me = User(id=1, name="Console Admin", language=self.t.language)
        self.user, self.private = self.me, False
        self.commands: dict[str, Callable[[str], Awaitable[None]]] = {
            "group": self._group,
            "private": self._private,
            "as": self._as,
            "reply": self._reply,
            "photo": self._photo,
            "file": self._file,
            "location": self._location,
            "press": self._press,
            "wait": self._wait,
            "tick": self._tick,
            "help": self._help,
        }

    @property
    def chat(self) -> Chat:
        if self.private:
            return Chat(id=self.user.id, private=True)
        return Chat(id=GROUP_ID, private=False, title=self.t("console.title"))  # /setup CODE names the site so

    def say(self, text: str) -> None:
        self.out.write(text + "\n")

    def prompt(self) -> None:
        self.out.write("\n" + self.t("console.prompt", name=self.user.name, where=self.transport.where(self.chat.id)))
        self.out.flush()

    async def line(self, line: str) -> bool:
        """Act on one typed line; False when the console is to end."""
        if not line.startswith(":"):
            await self.send(text=line)
            return True
        word, _, rest = line[1:].partition(" ")
        if word == "quit":
            return False
        command = self.commands.get(word)
        if command is None:
            self.say(self.t("console.unknown", word=word))
            return True
        try:
            await command(rest.strip())
        except Usage as exc:
            self.say(str(exc))
        return True

    async def send(self, *, text: str = "", reply_to: int | None = None, **extra: object) -> None:
        """A message from the current person in the current chat, numbered, through the desk."""
        chat = self.chat
        message_id = self.transport.from_person(chat.id)
        replied = self.transport.in_chat(chat.id, reply_to) if reply_to is not None else None
        inbound = Inbound(
            chat=chat,
            user=self.user,
            text=text,
            message_id=message_id,
            reply_to_message_id=reply_to,
            reply_to_bot=BOT_USERNAME if replied is not None and replied.by_bot else None,
            sent_at=utcnow(),  # the message's own date, as Telegram gives it (a location's freshness)
            at=utcnow(),
            **extra,  # type: ignore[arg-type]
        )
        await self.deliver(inbound)

    async def deliver(self, inbound: Inbound) -> None:
        await self.delivery.deliver(inbound, await self.app.desk.handle(inbound))

    def named(self, word: str) -> int:
        """The message MSG names in this chat; refused with how to name one."""
        if not word.isdigit() or self.transport.in_chat(self.chat.id, int(word)) is None:
            raise Usage(self.t("console.no_message", number=word))
        return int(word)

    def optional_msg(self, words: list[str], *, before: int = 0) -> tuple[int | None, list[str]]:
        """An optional MSG first, when more than ``before`` words follow: a number there is always
        MSG (a mistyped one is refused, never taken for a caption or a path), and the rest."""
        if len(words) > before and words[0].isdigit():
            return self.named(words[0]), words[1:]
        return None, words

    # -- the ':' commands ---------------------------------------------------------------------------

    async def _group(self, rest: str) -> None:
        self.private = False

    async def _private(self, rest: str) -> None:
        self.private = True

    async def _as(self, rest: str) -> None:
        ident, _, name = rest.partition(" ")
        if not ident.isdigit():
            raise Usage(self.t("console.usage.as"))
        if int(ident) == self.me.id and not name.strip():
            self.user = self.me
            return
        self.user = User(id=int(ident), name=name.strip() or f"User {ident}", language=self.me.language)

    async def _reply(self, rest: str) -> None:
        target, _, text = rest.partition(" ")
        if not target.isdigit() or not text.strip():
            raise Usage(self.t("console.usage.reply"))
        await self.send(text=text.strip(), reply_to=self.named(target))

    async def _photo(self, rest: str) -> None:
        first, _, more = rest.partition(" ")
        reply_to, _ = self.optional_msg([first])
        caption = more.strip() if reply_to is not None else rest
        await self.send(text=caption, reply_to=reply_to, photo_file_id=self.files.photo())

    async def _file(self, rest: str) -> None:
        try:
            words = shlex.split(rest)
        except ValueError as exc:  # an unclosed quote
            raise Usage(self.t("console.usage.file")) from exc
        reply_to, words = self.optional_msg(words, before=1)  # one word alone is the path
        if not words:
            raise Usage(self.t("console.usage.file"))
        path, size = self._local_file(words[0])
        file_id = self.files.add(path)
        await self.send(
            text=" ".join(words[1:]),
            reply_to=reply_to,
            document_file_id=file_id,
            document_name=path.name,
            document_size=size,
        )

    def _local_file(self, word: str) -> tuple[Path, int]:
        """The file a ``:file`` names, and its size in bytes (as Telegram states it before a download)."""
        path = Path(word).expanduser()
        try:
            if not path.is_file():
                raise Usage(self.t("console.not_a_file", path=word))
            return path, path.stat().st_size
        except OSError as exc:
            raise Usage(self.t("console.no_file", path=word, why=exc.strerror or exc)) from exc

    async def _location(self, rest: str) -> None:
        words = rest.split()
        reply_to = self.named(words[0]) if len(words) == 3 else None
        try:
            if len(words) not in (2, 3):
                raise ValueError
            latitude, longitude = (float(word) for word in words[-2:])
        except ValueError as exc:
            raise Usage(self.t("console.usage.location")) from exc
        if not (math.isfinite(latitude) and math.isfinite(longitude)) or abs(latitude) > 90 or abs(longitude) > 180:
            raise Usage(self.t("console.usage.location"))
        await self.send(reply_to=reply_to, location=(latitude, longitude))

    async def _press(self, rest: str) -> None:
        words = rest.split()
        if not 1 <= len(words) <= 2 or not all(word.isdigit() for word in words):
            raise Usage(self.t("console.usage.press"))
        chat = self.chat
        if len(words) == 2:
            message_id: int | None = self.named(words[0])
        else:
            message_id = self.transport.newest_with_buttons(chat.id)
            if message_id is None:
                raise Usage(self.t("console.no_buttons"))
        assert message_id is not None
        buttons = self.transport.messages[message_id].buttons
        n = int(words[-1])
        if not 1 <= n <= len(buttons):
            raise Usage(self.t("console.no_button", number=message_id, n=n, count=len(buttons)))
        press = Inbound(
            chat=chat,
            user=self.user,
            message_id=message_id,
            callback_id=f"cb{message_id}-{n}",
            callback_data=buttons[n - 1][1],
            at=utcnow(),
        )
        await self.deliver(press)

    async def _wait(self, rest: str) -> None:
        try:
            step = timedelta(minutes=float(rest or 0))
            utcnow() + step  # a step past year 9999 is refused here, not later
            self.forward(step)  # refuses a step back
        except (ValueError, OverflowError) as exc:
            raise Usage(self.t("console.usage.wait")) from exc
        await self._tick(rest)

    async def _tick(self, rest: str) -> None:
        ran = await self.app.desk.sweep(utcnow())
        sent = await self.delivery.flush()
        zone = ZoneInfo(self.app.desk.services.default_timezone)
        now = utcnow().astimezone(zone).strftime("%Y-%m-%d %H:%M")
        self.say(self.t("console.ran", timers=ran, sent=sent, now=now))

    async def _help(self, rest: str) -> None:
        self.say(self.t("console.help"))


async def _first_number(app: App) -> int:
    """Numbers go on after the last message the database knows of: a console started again on the
    same database must not give a new card the number an older card is linked by (as Telegram, whose
    message numbers only grow)."""
    async with app.desk.db.session() as session:
        linked = (await session.exec(select(func.max(MessageLink.message_id)))).first()
        sent = (await session.exec(select(func.max(Outbox.message_id)))).first()
    return max(linked or 0, sent or 0) + 1


async def run_console(
    settings: Settings, *, database: str | None = None, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> int:
    settings = settings.model_copy(update={"database_url": database or settings.database_url})  # as `export`
    t = Translator(settings.dutydesk_language)
    with movable() as forward:
        app = await build_app(settings, clock=utcnow)
        files = ConsoleFiles()
        app.desk.services.admin_ids = app.desk.services.admin_ids | {1}
        app.desk.services.bot_username = BOT_USERNAME
        app.desk.services.files = files
        console = Console(app, ConsoleTransport(out, t, await _first_number(app)), files, forward)
        console.say(t("console.help"))
        try:
            while True:
                console.prompt()
                line = stdin.readline()
                if not line:
                    break
                if (line := line.strip()) and not await console.line(line):
                    break
        finally:
            await app.close()
    return 0
