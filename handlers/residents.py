"""A resident's private message: understood as a complaint, repair or inquiry, filed, answered politely.

Standard service language (source 003 L149: 您好, 请稍等, 对不起让您久等了…). The tickets issue builds
the full life cycle (accept, dispatch, callback) on the Ticket rows written here.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.exports import TICKET_FIELDS, ticket_rows
from handlers.feature import ExportKind, Feature
from handlers.i18n import Translator
from handlers.messages import Outcome
from handlers.parsing import visible
from handlers.render import category, clip
from storage.models import Site, Ticket
from storage.repos import messages, sites

GREETING_MAX = 12  # a short 'other' message (你好, hello) is a greeting, not a ticket


async def _home_site(ctx: Context) -> Site | None:
    """Until residents are bound to units (tickets issue), the only site takes the ticket."""
    every = await sites.all_sites(ctx.session)
    return every[0] if len(every) == 1 else None


async def receive(ctx: Context) -> Outcome:
    t = ctx.t
    text = ctx.msg.text.strip()
    if not visible(text):  # only zero-width spaces is nothing typed
        return Outcome.say(t("resident.text_please"))
    reading = await ctx.classify(text, speaker="resident", private=True)
    kind = reading.intent if reading.intent in ("complaint", "repair", "inquiry") else "inquiry"
    if reading.intent not in ("complaint", "repair", "inquiry") and len(text) <= GREETING_MAX:
        return Outcome.say(t("resident.greeting", name=ctx.msg.user.name))
    site = await _home_site(ctx)
    number = await sites.next_number(ctx.session, site_id=site.id) if site and site.id else None
    urgency = "urgent" if reading.severity in ("urgent", "major") else "normal"
    ticket = await messages.add_ticket(
        ctx.session,
        Ticket(
            site_id=site.id if site else None,
            number=number,
            kind=kind,
            category=reading.category,
            urgency=urgency,
            location=reading.location,
            description=text,
            resident_id=ctx.msg.user.id,
            resident_name=ctx.msg.user.name,
            classified_by=reading.source,
            confidence=reading.confidence,
        ),
    )
    what = t(f"kind.{kind}")
    lines = [
        t("resident.received", kind=what, category=category(t, ticket.category), number=f"#{number}" if number else "")
    ]
    lines.append(t("resident.urgent" if urgency == "urgent" else "resident.normal"))
    if site is not None and site.duty_chat_id is not None:
        st = Translator(site.language)
        await ctx.notify(
            site.duty_chat_id,
            st(
                "resident.to_group",
                kind=st(f"kind.{kind}"),
                number=number,
                category=category(st, ticket.category),
                urgency=st(f"urgency.{urgency}"),
                name=ctx.msg.user.name,
                location=ticket.location or "-",
                text=clip(text, 200),
            ),
            link=("ticket", ticket.id or 0),
        )
    return Outcome.say("\n".join(lines))


FEATURE = Feature("residents", exports={"tickets": ExportKind(TICKET_FIELDS, ticket_rows)})
