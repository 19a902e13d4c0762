"""What other features may use of the duty log (the only module of it they import): record an
incident (a key reported lost, a patrol finding) and show its card, and build a draft card of their
own on the duty log's (key loans and returns written as free text): ``with_pending_draft`` for a
typed button whose data names the draft (``NamesDraft``), ``IgnoreDraft`` for its 忽略 button,
``BackToDraft`` for a picker's 取消 (the draft card back);
and which open incidents forbid a handover (``handover_blockers``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.dutylog.buttons import BackToDraft, IgnoreDraft, NamesDraft
from handlers.dutylog.commands import card_reply, record
from handlers.dutylog.drafts import draft_body, draft_text, pending_draft, record_as_incident, with_pending_draft
from handlers.dutylog.escalation import ESCALATED
from storage.models import Incident
from storage.repos import incidents

__all__ = [
    "BackToDraft",
    "IgnoreDraft",
    "NamesDraft",
    "card_reply",
    "draft_body",
    "draft_text",
    "handover_blockers",
    "pending_draft",
    "record",
    "record_as_incident",
    "with_pending_draft",
]


async def handover_blockers(session: AsyncSession, site_id: int) -> Sequence[Incident]:
    """The open incidents that forbid a handover, newest first: every major or urgent one
    ("在重大事件或紧急事件未处理完的情况下" no handover, 000 L131)."""
    return await incidents.open_of_severity(session, site_id=site_id, severities=ESCALATED)
