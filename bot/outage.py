"""Living with an outage: logged without flooding the log (its start once, then once a minute, then
its end), and waited out in pauses that end at once when the bot stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable


class OutageLog:
    def __init__(
        self, what: str, logger: logging.Logger, *, every: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.what, self.log, self.every, self.clock = what, logger, every, clock
        self.since: float | None = None
        self.last: float = 0.0
        self.failures = 0

    def failed(self, exc: BaseException, context: str = "") -> None:
        now = self.clock()
        self.failures += 1
        detail = f"{type(exc).__name__}: {str(exc)[:200]}" + (f" ({context})" if context else "")
        if self.since is None:
            self.since, self.last = now, now
            self.log.error("%s is unreachable: %s; retrying, nothing is lost", self.what, detail)
        elif now - self.last >= self.every:
            self.last = now
            self.log.warning(
                "%s still unreachable after %.0fs (%d failures): %s", self.what, now - self.since, self.failures, detail
            )

    def ok(self) -> None:
        if self.since is not None:
            self.log.warning(
                "%s is back after %.0fs (%d failures)", self.what, self.clock() - self.since, self.failures
            )
            self.since, self.failures = None, 0


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds`` before trying again, or less if the bot stops meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
