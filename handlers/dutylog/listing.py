"""/incidents: the open duty-log entries, every major one first, a page at a time."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.messages import Outcome
from handlers.core.parsing import number_and_rest
from handlers.core.render import clip
from storage.models import require_id
from storage.repos import incidents

PAGE = 30  # open incidents per /incidents message (a phone screen or two)


async def incidents_command(ctx: Context, args: str) -> Outcome:
    """Every open major incident first, then the newest others, a page at a time (``/incidents 2``);
    the header says how many are not shown and how to see them."""
    assert ctx.site is not None
    page = max(number_and_rest(args)[0] or 1, 1)
    site_id = require_id(ctx.site)
    total = await incidents.count_open(ctx.session, site_id=site_id)
    majors = await incidents.open_majors(ctx.session, site_id=site_id)
    first = max(PAGE - len(majors), 0)
    offset = 0 if page == 1 else first + (page - 2) * PAGE
    others = await incidents.open_others(
        ctx.session, site_id=site_id, limit=first if page == 1 else PAGE, offset=offset
    )
    if total == 0:
        return Outcome.say(ctx.t("incident.none_open"))
    rows = [*majors, *others] if page == 1 else others
    lines = [ctx.t("open_list.header", count=total, page=page)]
    later = total - len(majors) - offset - len(others)  # older than this page: said in the header
    if later > 0:
        lines.append(ctx.t("open_list.more", count=later, next=page + 1))
    elif not rows:
        lines.append(ctx.t("open_list.past_end", pages=page - 1))
    for row in rows:
        lines.append(
            ctx.t(
                "incident.line",
                number=row.number,
                severity=ctx.t(f"sev.{row.severity}"),
                category=ctx.t(f"cat.{row.category}"),
                at=ctx.hhmm(row.occurred_at),
                text=clip(row.situation, 40),
            )
        )
    return Outcome.say("\n".join(lines))
