"""One declaration per feature: its commands, buttons, timers, handover section, exports, imports.

Each feature module ends with ``FEATURE = Feature(...)``; ``handlers.features.FEATURES`` lists them,
and the router, the desk's timer sweep, the handover report and ``dutydesk export`` read that one
list, so a new feature is one new module (plus its storage) and one line there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.commands import ButtonAction, Command
from handlers.context import Context
from handlers.i18n import Translator
from handlers.messages import Outcome
from handlers.tables import TableRow
from storage.models import Draft, Site, Timer

# A business timer's handler: runs in its own transaction; returns the next due time or None (done).
TimerHandler = Callable[[AsyncSession, Timer, datetime], Awaitable[datetime | None]]
# Called on every sweep before due timers are claimed: makes the feature's recurring timer rows
# (daily reports, patrol rounds) with storage.repos.timers.ensure, which is safe in many processes.
Planner = Callable[[AsyncSession, datetime], Awaitable[None]]
# The feature's section of the handover report: lines in the site's language; empty leaves it out.
HandoverSection = Callable[[AsyncSession, Site, datetime, Translator], Awaitable[list[str]]]
# A message that replies to a bot message showing one of the feature's records (ref_kind → handler);
# gets the record id; returns None to let the router go on (e.g. chit-chat replying to a card).
ReplyHandler = Callable[[Context, int], Awaitable[Outcome | None]]
# A free-text draft of one of the feature's intents, recorded by one tap on 记录.
DraftRecorder = Callable[[Context, Draft], Awaitable[Outcome]]
# A shared location (Telegram location message) in the duty group; None lets the router go on.
LocationHandler = Callable[[Context], Awaitable[Outcome | None]]
# A file import (roster, keys, patrol plans): checks every row first and writes nothing when any is
# bad; returns the problems as (line, what) pairs, empty when the whole file was loaded.
Importer = Callable[[AsyncSession, Site, Sequence[TableRow]], Awaitable[list[tuple[int, str]]]]
# Export rows of one kind, keys in ``fields`` order (the contract documented in docs/exports.md),
# streamed: read from the database in chunks, so an export's memory does not grow with its rows.
ExportRows = Callable[[AsyncSession], AsyncIterator[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ExportKind:
    fields: tuple[str, ...]
    rows: ExportRows


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    commands: Sequence[Command] = ()
    buttons: Sequence[ButtonAction] = ()
    timers: Mapping[str, TimerHandler] = field(default_factory=dict)
    planners: Sequence[Planner] = ()
    handover: HandoverSection | None = None
    replies: Mapping[str, ReplyHandler] = field(default_factory=dict)
    drafts: Mapping[str, DraftRecorder] = field(default_factory=dict)
    on_location: LocationHandler | None = None
    exports: Mapping[str, ExportKind] = field(default_factory=dict)
    imports: Mapping[str, Importer] = field(default_factory=dict)
