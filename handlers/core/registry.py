"""The features the app was built with, indexed once: commands, buttons, replies, timers, planners,
draft recorders, handover sections, exports and imports. The app builds it from its list of
features (``bot.features``) and hands it to the desk; handlers reach it as ``ctx.features``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from handlers.core.commands import AnyButton, Command
from handlers.core.context import ActAtOnce, DraftRecorder, DraftView, HandoverSection, PendingAnswer
from handlers.core.feature import ExportKind, Feature, Importer, MessageHandler, Planner, ReplyHandler, TimerHandler

V = TypeVar("V")


class Registry:
    """Every feature's declarations by name; a name declared twice is an error at start-up."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.features = tuple(features)
        self.commands: dict[str, Command] = {}
        self.buttons: dict[str, AnyButton] = {}
        for feature in self.features:
            for command in feature.commands:
                for name in (command.name, *command.aliases):
                    if name in self.commands:
                        raise ValueError(f"command /{name} is declared twice")
                    self.commands[name] = command
            for action in feature.buttons:
                if action.name in self.buttons:
                    raise ValueError(f"button action {action.name} is declared twice")
                self.buttons[action.name] = action
        self.replies: dict[str, ReplyHandler] = self._table("reply kind", lambda f: f.replies)
        self.timers: dict[str, TimerHandler] = self._table("timer", lambda f: f.timers)
        self.drafts: dict[str, DraftRecorder] = self._table("draft intent", lambda f: f.drafts)
        self.draft_cards: dict[str, DraftView] = self._table("draft card", lambda f: f.draft_cards)
        self.at_once_handlers: dict[str, ActAtOnce] = self._table("at-once intent", lambda f: f.at_once)
        self.answers: dict[str, PendingAnswer] = self._table("pending answer", lambda f: f.answers)
        self.exports: dict[str, ExportKind] = self._table("export", lambda f: f.exports)
        self.imports: dict[str, Importer] = self._table("import", lambda f: f.imports)
        self.planners: tuple[Planner, ...] = tuple(p for f in self.features for p in f.planners)
        self.handover_sections: tuple[HandoverSection, ...] = tuple(
            f.handover for f in self.features if f.handover is not None
        )
        self.location_handlers: tuple[MessageHandler, ...] = tuple(
            f.on_location for f in self.features if f.on_location is not None
        )
        self.private_text: tuple[MessageHandler, ...] = tuple(
            f.on_private_text for f in self.features if f.on_private_text is not None
        )
        self.group_text: tuple[MessageHandler, ...] = tuple(
            f.on_group_text for f in self.features if f.on_group_text is not None
        )

    def _table(self, what: str, of: Callable[[Feature], Mapping[str, V]]) -> dict[str, V]:
        out: dict[str, V] = {}
        for feature in self.features:
            for key, value in of(feature).items():
                if key in out:
                    raise ValueError(f"{what} {key!r} is declared twice")
                out[key] = value
        return out

    def draft_recorder(self, intent: str) -> DraftRecorder | None:
        return self.drafts.get(intent)

    def draft_card(self, intent: str) -> DraftView | None:
        return self.draft_cards.get(intent)

    def at_once(self, intent: str) -> ActAtOnce | None:
        return self.at_once_handlers.get(intent)

    def pending_answer(self, awaiting: str) -> PendingAnswer | None:
        return self.answers.get(awaiting)
