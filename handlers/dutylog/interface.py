"""What other features may use of the duty log (the only module of it they import): record an
incident (a key reported lost, a patrol finding) and show its card, and build a draft card of their
own on the duty log's (key loans and returns written as free text)."""

from __future__ import annotations

from handlers.dutylog.commands import card_reply, record
from handlers.dutylog.drafts import draft_text, on_pending_draft, record_as_incident

__all__ = ["card_reply", "draft_text", "on_pending_draft", "record", "record_as_incident"]
