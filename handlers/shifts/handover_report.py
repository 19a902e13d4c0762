"""The handover report (交班报告), compiled from the records, not from memory (000 L121-124):
each feature contributes a section (``Feature.handover``, in FEATURES order): open incidents and
tickets here, standing orders, keys out, patrols and callbacks due from their features; then the
outgoing person's notes and the items they counted (000 L124; 002 L24)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.dutylog.interface as dutylog
from handlers.core.context import HandoverSection
from handlers.core.i18n import Translator
from handlers.core.render import clip
from storage.codes import Severity
from storage.models import Handover, Incident, Site, require_id
from storage.repos import incidents

SECTION_LINES = 15  # a phone-sized report: the rest are counted, /incidents shows them all
_ITEM = re.compile(
    r"([\u4e00-\u9fffA-Za-z]{1,12}?)\s*(\d{1,4})\s*(台|个|部|把|串|条|本|份|张|只|支|套|件|副|枚|箱|pcs)"
)
_PREFIX = re.compile(r"^\s*(交班|交更|交接班|handover)\s*[:：,，]?\s*", re.I)


def items_counted(notes: str) -> list[tuple[str, int, str]]:
    """(item, count, unit) the notes mention, e.g. 对讲机2台 → ("对讲机", 2, "台")."""
    return [(m.group(1), int(m.group(2)), m.group(3)) for m in _ITEM.finditer(_PREFIX.sub("", notes))]


def notes_of(text: str) -> str:
    """A 交班 message's notes: the text without its 交班： word."""
    return _PREFIX.sub("", text).strip()


def items_line(t: Translator, notes: str) -> str | None:
    """【物品清点】对讲机×2台、钥匙×5把: the items the notes count, or None when they count none."""
    items = items_counted(notes)
    if not items:
        return None
    return t("handover.items", items="、".join(f"{name}×{count}{unit}" for name, count, unit in items))


async def open_majors(session: AsyncSession, site_id: int) -> list[Incident]:
    """The open incidents that block a handover: major or urgent ones (000 L131), as the duty log says."""
    return list(await dutylog.handover_blockers(session, site_id))


async def records_section(session: AsyncSession, site: Site, now: datetime, t: Translator) -> list[str]:
    """The handover feature's section: open incidents. Open tickets are the tickets feature's own
    section (handlers.tickets_commands.handover), overdue first."""
    return await incidents_section(session, site, t)


async def incidents_section(session: AsyncSession, site: Site, t: Translator) -> list[str]:
    """Open incidents with #N, major first (000 L122: major problems are handed over, handled or not)."""
    rows = list(await incidents.open_for_site(session, site_id=require_id(site), limit=200))
    if not rows:
        return []
    rows.sort(key=lambda r: (r.severity != Severity.MAJOR, r.severity != Severity.URGENT))
    lines = [t("handover.section_incidents", count=len(rows))]
    for row in rows[:SECTION_LINES]:
        severity = t(f"sev.{row.severity}")
        lines.append(t("handover.incident_line", number=row.number, severity=severity, text=clip(row.situation, 40)))
    if len(rows) > SECTION_LINES:
        lines.append(t("handover.more", count=len(rows) - SECTION_LINES))
    return lines


# Lines of a section that are no item: a heading (【未结事件】1 宗, [Open incidents] 1: one style, see
# tests/shifts/test_handover_headings), an item already bulleted, a continuation (indented) or the
# count of lines left out (……另有 3 项). A feature's part may give several headed sections.
_NOT_AN_ITEM = ("【", "[", "•", " ", "…")


def bulleted(lines: list[str]) -> list[str]:
    """The sections as the report shows them: each item under one bullet, "• " then the item's own
    mark (⏰ overdue or late, ❌ missed). The features' lines began with a bullet, a mark or a number
    (#1, O1, T1): four styles in one report."""
    return [line if line.startswith(_NOT_AN_ITEM) else "• " + line for line in lines]


async def compile_report(
    session: AsyncSession,
    site: Site,
    handover: Handover,
    now: datetime,
    t: Translator,
    sections: Sequence[HandoverSection],
) -> str:
    """The whole report: every feature's section (``ctx.features.handover_sections``, in the app's
    order), then the notes and items; "nothing open" when empty."""
    lines: list[str] = []
    for section in sections:
        lines += bulleted(await section(session, site, now, t))
    if not lines:
        lines.append(t("handover.all_clear"))
    if handover.notes:
        lines.append(t("handover.notes", text=clip(handover.notes, 500)))
    items = items_line(t, handover.notes)
    if items:
        lines.append(items)
    return "\n".join(lines)
