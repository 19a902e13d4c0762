"""How records look in a chat: short, phone-sized, in the chat's language."""

from __future__ import annotations

from collections.abc import Callable

from handlers.core.callback_data import CallbackData
from handlers.core.context import Context
from handlers.core.i18n import Translator
from handlers.core.messages import Button, Keyboard, Reply
from handlers.core.taxonomy import CATEGORIES, SEVERITIES, Category
from storage.codes import Severity
from storage.models import Incident, IncidentStatus

PREVIEW = 300  # characters of a long text shown back in a chat; the record keeps all of it


def clip(text: str, limit: int = PREVIEW) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def category(t: Translator, code: str) -> str:
    return t(f"cat.{code}")


def severity(t: Translator, code: str) -> str:
    return t(f"sev.{code}")


def incident_card(ctx: Context, incident: Incident, *, header: str = "incident.card") -> str:
    t = ctx.t
    lines = [
        t(
            header,
            number=incident.number,
            category=category(t, incident.category),
            severity=severity(t, incident.severity),
        )
    ]
    if incident.location:
        lines.append(t("incident.location", location=incident.location))
    lines.append(t("incident.occurred", at=ctx.hhmm(incident.occurred_at), reporter=incident.reporter_name))
    lines.append(t("incident.situation", text=clip(incident.situation)))
    if incident.status == IncidentStatus.CLOSED and incident.result:
        lines.append(t("incident.result", text=clip(incident.result)))
    return "\n".join(lines)


def category_picker(t: Translator, choose: Callable[[Category], CallbackData]) -> Keyboard:
    """All categories, three a row, each button the data ``choose`` makes of its code."""
    buttons = [Button(category(t, code), choose(code).pack()) for code in CATEGORIES]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


def severity_picker(t: Translator, choose: Callable[[Severity], CallbackData]) -> Keyboard:
    return [[Button(severity(t, code), choose(code).pack()) for code in SEVERITIES]]


def with_cancel(t: Translator, picker: Keyboard, data: str) -> Keyboard:
    """A picker with a last row (取消) that puts the card back as it was."""
    return [*picker, [Button(t("pickers.cancel"), data)]]


def picking(t: Translator, card: str, prompt_key: str, keyboard: Keyboard) -> Reply:
    """The card edited to ask for a choice, with the choices as its buttons."""
    return Reply(card + "\n" + t(prompt_key), keyboard, edit=True)
