"""Fault points for the fault tests: ``DUTYDESK_FAULT=point:k`` ends the process (as kill -9 would,
with ``os._exit``) the k-th time the running bot passes that point. Unset in production.

Points: ``stored`` (a batch of updates stored, not yet confirmed to Telegram), ``commit`` (inside
an update's transaction, just before it commits), ``sent`` (a message sent, not yet marked sent).
``DUTYDESK_FAULT=poison:MARK`` ends the process whenever a worker starts on an update whose JSON
holds MARK (ASCII): an update that kills its process every time, as an out-of-memory file would.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import Literal

from sqlalchemy import event
from sqlalchemy.orm import Session

_SPEC = os.environ.get("DUTYDESK_FAULT", "")
_POINT, _, _AT = _SPEC.partition(":")
_seen: Counter[str] = Counter()
Point = Literal["stored", "commit", "sent"]


def active() -> bool:
    return bool(_POINT)


def point(name: Point) -> None:
    """Die here if this is the configured point and its k-th pass."""
    if name != _POINT:
        return
    _seen[name] += 1
    if _seen[name] >= int(_AT or 1):
        sys.stderr.write(f"fault point {name}:{_seen[name]} reached; exiting\n")
        sys.stderr.flush()
        os._exit(137)


def poison(payload: str) -> None:
    """Die here if the update carries the configured poison mark."""
    if _POINT == "poison" and _AT and _AT in payload:
        sys.stderr.write("poison update reached; exiting\n")
        sys.stderr.flush()
        os._exit(137)


def install() -> None:
    """Hook the ``commit`` point into every session that handles an update."""
    if _POINT != "commit":
        return

    @event.listens_for(Session, "before_commit")
    def _before_commit(session: Session) -> None:
        if session.info.get("update_id") is not None:
            point("commit")
