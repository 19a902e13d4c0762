"""Rows for `dutydesk export keys|key_loans`: stable keys documented in the README; ISO 8601 UTC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.exports import iso, site_zones
from handlers.keys.render import is_overdue
from storage.clock import utcnow
from storage.models import Key, KeyLoan, KeyWitness, require_id
from storage.repos import keys, sites
from storage.repos.chunks import Window

KEY_FIELDS = ("site", "code", "label", "kind", "location", "copies", "status", "holder", "created_at")
LOAN_FIELDS = (
    "site",
    "key",
    "label",
    "kind",
    "borrower_id",
    "borrower",
    "external",
    "phone",
    "purpose",
    "lent_by",
    "requested_at",
    "out_at",
    "due_at",
    "approved_by",
    "witnesses",
    "returned_at",
    "returned_to",
    "condition",
    "status",
    "quantity",
    "outsider",
    "gm_approved_by",
    "gm_fallback",
    "late_reason",
)


async def _codes(session: AsyncSession) -> dict[int, str]:
    return {require_id(s): s.code for s in await sites.all_sites(session)}


async def key_rows(session: AsyncSession) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes = await _codes(session)
    async for chunk in keys.all_keys(session):
        holders = await keys.holders(session, key_ids=[require_id(k) for k in chunk])
        for k in chunk:
            yield {
                "site": codes.get(k.site_id),
                "code": k.code,
                "label": k.label,
                "kind": k.kind,
                "location": k.location,
                "copies": k.copies,
                "status": k.status,
                "holder": holders.get(require_id(k)),
                "created_at": iso(k.created_at, zones.get(k.site_id or 0)),
            }


async def loan_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes, now = await _codes(session), utcnow()
    async for chunk in keys.all_loans(session, window):
        seen = await keys.witnesses(session, loan_ids=[require_id(loan) for loan, _ in chunk])
        for loan, key in chunk:
            yield _loan_row(loan, key, codes, zones.get(loan.site_id or 0), seen[require_id(loan)], now)


def _loan_row(
    loan: KeyLoan, key: Key, codes: dict[int, str], zone: ZoneInfo | None, seen: list[KeyWitness], now: datetime
) -> dict[str, Any]:
    return {
        "site": codes.get(loan.site_id),
        "key": key.code,
        "label": key.label,
        "kind": loan.key_kind,
        "borrower_id": loan.borrower_id,
        "borrower": loan.borrower_name,
        "external": loan.external,
        "phone": loan.phone,
        "purpose": loan.purpose,
        "lent_by": loan.lent_by,
        "requested_at": iso(loan.requested_at, zone),
        "out_at": iso(loan.out_at, zone),
        "due_at": iso(loan.due_at, zone),
        "approved_by": loan.approved_by,
        "witnesses": "; ".join(f"{w.name} ({w.telegram_id}, {w.kind})" for w in seen),
        "returned_at": iso(loan.returned_at, zone),
        "returned_to": loan.returned_to,
        "condition": loan.condition,
        "status": "overdue" if is_overdue(loan, now) else loan.status,
        "quantity": loan.quantity,
        "outsider": loan.outsider_name,
        "gm_approved_by": loan.gm_approved_by,
        "gm_fallback": loan.gm_fallback,
        "late_reason": loan.late_reason,
    }
