"""One declaration per feature: its commands, buttons, timers, handover section, exports, imports.

Each feature package's ``__init__`` declares ``FEATURE`` (combined from the parts its modules
declare); the app lists them (``bot.features``) and hands the list, as a
:class:`handlers.core.registry.Registry`, to the router, the desk's timer sweep, the drafts, the
handover report and ``dutydesk export``. Nothing under ``handlers/`` imports that list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.commands import AnyButton, Command
from handlers.core.context import (
    ActAtOnce,
    Context,
    DraftCard,
    DraftRecorder,
    DraftView,
    HandoverSection,
    PendingAnswer,
    TimerContext,
)
from handlers.core.messages import Outcome
from handlers.core.uploads import TableRow
from storage.models import Site
from storage.repos.chunks import Window

__all__ = [
    "ActAtOnce",
    "DraftCard",
    "DraftRecorder",
    "DraftView",
    "ExportKind",
    "Feature",
    "HandoverSection",
    "PendingAnswer",
    "TimerContext",
    "TimerHandler",
]

# A business timer's handler: runs in its own transaction (``ctx.session``); returns the next due
# time or None (done).
TimerHandler = Callable[[TimerContext], Awaitable[datetime | None]]
# Called on every sweep before due timers are claimed: makes the feature's recurring timer rows
# (daily reports, patrol rounds) with storage.repos.timers.ensure, which is safe in many processes.
Planner = Callable[[AsyncSession, datetime], Awaitable[None]]
# A message that replies to a bot message showing one of the feature's records (ref_kind → handler);
# gets the record id; returns None to let the router go on (e.g. chit-chat replying to a card).
ReplyHandler = Callable[[Context, int], Awaitable[Outcome | None]]
# A message no command or reply took: a shared location in the duty group, a resident's words in
# private, free text in the duty group. None lets the router ask the next feature.
MessageHandler = Callable[[Context], Awaitable[Outcome | None]]
LocationHandler = MessageHandler
# A file import (roster, keys, patrol plans): checks every row first and writes nothing when any is
# bad; returns the problems as (line, what) pairs, empty when the whole file was loaded.
Importer = Callable[[AsyncSession, Site, Sequence[TableRow]], Awaitable[list[tuple[int, str]]]]
# Export rows of one kind, keys in ``fields`` order (the contract documented in docs/exports.md),
# streamed: read from the database in chunks, so an export's memory does not grow with its rows.
ExportRows = Callable[[AsyncSession], AsyncIterator[dict[str, Any]]]
# The same rows of one site's period (``storage.repos.chunks.Window``), picked by the database: what
# ``/export KIND YYYY-MM``, ``dutydesk export --month/--from/--to`` and the monthly workbook read.
PeriodRows = Callable[[AsyncSession, Window], AsyncIterator[dict[str, Any]]]

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class ExportKind:
    fields: tuple[str, ...]
    rows: ExportRows
    in_period: PeriodRows | None = None  # None: a register of things (keys), exported whole


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    commands: Sequence[Command] = ()
    buttons: Sequence[AnyButton] = ()
    timers: Mapping[str, TimerHandler] = field(default_factory=dict)
    planners: Sequence[Planner] = ()
    handover: HandoverSection | None = None
    replies: Mapping[str, ReplyHandler] = field(default_factory=dict)
    drafts: Mapping[str, DraftRecorder] = field(default_factory=dict)
    draft_cards: Mapping[str, DraftView] = field(default_factory=dict)  # intent → its card's words
    at_once: Mapping[str, ActAtOnce] = field(default_factory=dict)  # intent → acted on without a draft
    answers: Mapping[str, PendingAnswer] = field(default_factory=dict)  # Resident.awaiting → handler
    on_location: LocationHandler | None = None
    on_private_text: MessageHandler | None = None  # a resident's message in private
    on_group_text: MessageHandler | None = None  # free text in a duty group (a draft card)
    exports: Mapping[str, ExportKind] = field(default_factory=dict)
    imports: Mapping[str, Importer] = field(default_factory=dict)

    @classmethod
    def combine(cls, name: str, *parts: Feature) -> Feature:
        """One feature from the parts its modules declare, in order: a package's ``FEATURE``."""
        sections = [part.handover for part in parts if part.handover is not None]

        async def handover(session: AsyncSession, site: Site, now: datetime, t: Any) -> list[str]:
            lines: list[str] = []
            for section in sections:
                lines += await section(session, site, now, t)
            return lines

        def one(kind: str, found: list[MessageHandler]) -> MessageHandler | None:
            if len(found) > 1:
                raise ValueError(f"feature {name} declares {kind} twice")
            return found[0] if found else None

        return cls(
            name=name,
            commands=[c for part in parts for c in part.commands],
            buttons=[b for part in parts for b in part.buttons],
            timers=_merged(name, "timer", [part.timers for part in parts]),
            planners=[p for part in parts for p in part.planners],
            handover=None if not sections else sections[0] if len(sections) == 1 else handover,
            replies=_merged(name, "reply kind", [part.replies for part in parts]),
            drafts=_merged(name, "draft intent", [part.drafts for part in parts]),
            draft_cards=_merged(name, "draft card", [part.draft_cards for part in parts]),
            at_once=_merged(name, "at-once intent", [part.at_once for part in parts]),
            answers=_merged(name, "pending answer", [part.answers for part in parts]),
            on_location=one("on_location", [p.on_location for p in parts if p.on_location]),
            on_private_text=one("on_private_text", [p.on_private_text for p in parts if p.on_private_text]),
            on_group_text=one("on_group_text", [p.on_group_text for p in parts if p.on_group_text]),
            exports=_merged(name, "export", [part.exports for part in parts]),
            imports=_merged(name, "import", [part.imports for part in parts]),
        )


def _merged(name: str, what: str, tables: list[Mapping[str, V]]) -> dict[str, V]:
    out: dict[str, V] = {}
    for table in tables:
        for key, value in table.items():
            if key in out:
                raise ValueError(f"feature {name} declares {what} {key!r} twice")
            out[key] = value
    return out
