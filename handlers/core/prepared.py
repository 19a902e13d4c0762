"""Slow calls (the LLM, a file download and its reading) kept out of the record's transaction (SPEC §7).

A handler asks through ``Context.classify`` / ``Context.attached_table``. Inside the transaction only the
fast path runs (the rules) or an answer fetched before; when a slow call is needed, ``NeedsSlowCall``
unwinds the transaction (rolled back: nothing written), the desk awaits the call outside any
transaction, keeps the answer and runs the handler again from the start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class NeedsSlowCall(BaseException):
    # a handler's ``except Exception`` cannot swallow it.
    """Raised inside a transaction: run ``call`` outside, remember its answer under ``key``, retry."""

    def __init__(self, key: Hashable, call: Callable[[], Awaitable[Any]]) -> None:
        super().__init__(repr(key))
        self.key = key
        self.call = call


class Prepared:
    """Answers of slow calls fetched for one update, by key; ``inline`` when there is no transaction
    to protect (the classifier CLI) and calls may run where they are asked for."""

    def __init__(self, *, inline: bool = False) -> None:
        self.answers: dict[Hashable, Any] = {}
        self.inline = inline

    async def get(self, key: Hashable, call: Callable[[], Awaitable[Any]]) -> Any:
        if key in self.answers:
            return self.answers[key]
        if self.inline:
            self.answers[key] = await call()
            return self.answers[key]
        raise NeedsSlowCall(key, call)
