"""Latency bookkeeping for benchmarks: which reply of the bot answered which pushed update.

Two ways of matching (see ``LatencyTracking.latency_pairs`` and bench/README.md): exact tags
from an instrumented dispatcher and bot session (``instrument``), else "fifo" matching per chat.
"""

from __future__ import annotations

import contextvars
import time
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .objects import update_chat_and_message
from .records import Call, LatencyPair, Push
from .state import FakeState

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

_CURRENT_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "fake_bot_api_current_update", default=None
)


class LatencyTracking(FakeState):
    """Pushed updates, the bot's replies, and the pairs of the two."""

    # ------------------------------------------------------------------ recording

    def _note_push(self, update_id: int, update: dict[str, Any]) -> None:
        """Remember when an update was first pushed, and from which chat and message."""
        chat_id, message_id = update_chat_and_message(update)
        if update_id not in self._pushes:
            self._pushes[update_id] = Push(time.monotonic(), chat_id, message_id)
            if chat_id is not None:
                self._unreplied.setdefault(chat_id, deque()).append(update_id)
                if message_id is not None:
                    self._push_by_message[(chat_id, message_id)] = update_id

    def _note_sent(self, call: Call) -> None:
        """Index a finished call that sent a message (and match it, without instrumentation)."""
        if call.ok and call.method.startswith("send") and isinstance(call.result, dict) and "message_id" in call.result:
            self._sent_index[(call.result["chat"]["id"], call.result["message_id"])] = call
            if not self._instrumented:
                self._match_fifo(call)

    # ------------------------------------------------------------------ matching

    def instrument(self, dispatcher: Dispatcher, bot: Bot) -> None:
        """Tag each reply with the update being handled (exact latency matching).

        Installs an outer update middleware on ``dispatcher`` that puts the update_id in a
        context variable, and a request middleware on ``bot.session`` that, when a ``send*``
        call made in that context returns a Message (or, for a method declared to return only the
        id, a MessageId), tells the fake which update it answered.
        Once called, ``latency_pairs`` uses these tags only.
        """
        from aiogram.types import Message

        async def update_context(handler: Any, event: Any, data: dict[str, Any]) -> Any:
            token = _CURRENT_UPDATE.set(getattr(event, "update_id", None))
            try:
                return await handler(event, data)
            finally:
                _CURRENT_UPDATE.reset(token)

        async def tag_reply(make_request: Any, bot: Any, method: Any) -> Any:
            result = await make_request(bot, method)
            update_id = _CURRENT_UPDATE.get()
            if update_id is None or not getattr(method, "__api_method__", "").startswith("send"):
                return result
            if isinstance(result, Message):
                self._tag(update_id, result.chat.id, result.message_id)
            elif isinstance(getattr(result, "message_id", None), int):  # a send read only for its id
                self._tag(update_id, int(method.chat_id), result.message_id)
            return result

        dispatcher.update.outer_middleware(update_context)
        bot.session.middleware(tag_reply)
        self._instrumented = True

    def expect_tags(self) -> None:
        """Match replies only by ``tag_reply`` (a bot that sends from an outbox, outside the
        update's context, tells the fake itself which update a sent message answered)."""
        self._instrumented = True

    def tag_reply(self, update_id: int, chat_id: int, message_id: int) -> None:
        """The message ``message_id`` the fake sent into ``chat_id`` was the reply to ``update_id``
        (ignored unless that update came from that chat); the first such reply counts."""
        self._tag(update_id, chat_id, message_id)

    def _tag(self, update_id: int, chat_id: int, message_id: int) -> None:
        call = self._sent_index.get((chat_id, message_id))
        push = self._pushes.get(update_id)
        if call is None or push is None or (push.chat_id is not None and push.chat_id != chat_id):
            return
        current = self._tagged_reply.get(update_id)
        if current is None or call.at < current.at:
            self._tagged_reply[update_id] = call
            if current is None:
                self._reply_order.append(update_id)
            self._notify()

    def _match_fifo(self, call: Call) -> None:
        """Match a successful send* to a pushed update of the same chat: the update whose
        message it replies to, else the oldest unanswered one pushed before it."""
        chat_id = call.result["chat"]["id"]
        queue = self._unreplied.get(chat_id)
        if not queue:
            return
        reply_to = call.params.get("reply_to_message_id")
        reply_parameters = call.params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id", reply_to)
        chosen: int | None = None
        if reply_to is not None:
            quoted = self._push_by_message.get((chat_id, reply_to))
            if quoted is not None and quoted not in self._fifo_reply:
                chosen = quoted
        if chosen is None and self._pushes[queue[0]].at <= call.at:
            chosen = queue[0]
        if chosen is not None:
            if chosen == queue[0]:
                queue.popleft()
            else:
                queue.remove(chosen)
            self._fifo_reply[chosen] = call
            self._reply_order.append(chosen)

    # ------------------------------------------------------------------ results

    @property
    def matching(self) -> str:
        """``"tagged"`` after ``instrument()``, else ``"fifo"``."""
        return "tagged" if self._instrumented else "fifo"

    def replies(self) -> dict[int, Call]:
        """update_id → the first reply matched to it (see ``matching``)."""
        return self._tagged_reply if self._instrumented else self._fifo_reply

    async def wait_replies(
        self,
        update_ids: Iterable[int],
        *,
        count: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> set[int]:
        """Wait until ``count`` (default: all) of ``update_ids`` have a matched reply; returns
        the ids that have one."""
        wanted = set(update_ids)
        need = len(wanted) if count is None else count
        replies = self.replies()
        got = {uid for uid in wanted if uid in replies}
        cursor = len(self._reply_order)

        def done() -> bool:
            nonlocal cursor
            # only the replies matched since the last check: O(new), not O(len(update_ids))
            for uid in self._reply_order[cursor:]:
                if uid in wanted:
                    got.add(uid)
            cursor = len(self._reply_order)
            return len(got) >= need

        await self.wait_until(done, timeout=timeout)
        return got

    def latency_pairs(self, update_ids: Iterable[int] | None = None) -> list[LatencyPair]:
        """Each pushed update (optionally only ``update_ids``) with its first reply, by update_id.

        Matching: after ``instrument(dp, bot)``, the first successful ``send*`` call made while
        aiogram handled that update (context variable), into the update's chat; exact under any
        concurrency.  Without instrumentation ("fifo"): a reply quoting the update's message
        (``reply_parameters``/``reply_to_message_id``), else the oldest unanswered update of that
        chat pushed before the reply; exact when each chat has one update in flight.
        Times are ``time.monotonic()``: push time and the reply's arrival at the fake.
        """
        replies = self.replies()
        ids = sorted(replies) if update_ids is None else [u for u in update_ids if u in replies]
        pairs = []
        for uid in ids:
            push = self._pushes[uid]
            call = replies[uid]
            pairs.append(LatencyPair(uid, push.chat_id, push.at, call.at, call))
        return pairs
