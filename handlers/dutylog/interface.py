"""What other features may use of the duty log (the only module of it they import): record an
incident (a key reported lost, a patrol finding) and show its card, and build a draft card of their
own on the duty log's (key loans and returns written as free text): ``with_pending_draft`` for a
typed button whose data names the draft (``NamesDraft``), ``IgnoreDraft`` for its 忽略 button,
``BackToDraft`` for a picker's 取消 (the draft card back)."""

from __future__ import annotations

from handlers.dutylog.buttons import BackToDraft, IgnoreDraft, NamesDraft
from handlers.dutylog.commands import card_reply, record
from handlers.dutylog.drafts import draft_text, on_pending_draft, pending_draft, record_as_incident, with_pending_draft

__all__ = [
    "BackToDraft",
    "IgnoreDraft",
    "NamesDraft",
    "card_reply",
    "draft_text",
    "on_pending_draft",
    "pending_draft",
    "record",
    "record_as_incident",
    "with_pending_draft",
]
