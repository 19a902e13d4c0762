"""English that reads native (issue 19 point 8): no "a incident", cards that start with a capital,
and the default shifts named in English for an English reader."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from handlers.core.i18n import HANDLERS, Translator, catalogue_files
from handlers.core.messages import User
from handlers.shifts.times import DEFAULT_SHIFTS, display_name
from handlers.tickets.render import card
from storage.models import Ticket
from storage.models.tickets import TicketKind, Urgency
from tests.support import DeskHarness, text_of

EN = User(id=401, name="Night Manager Lee", language="en")
# "a" before a vowel sound or before a placeholder, whose word is not known when the line is written.
A_BEFORE_VOWEL = re.compile(r"\b[Aa] (?:(?!one)[aeioAEIO]\w|\{)")


@pytest.mark.parametrize("path", catalogue_files("en"), ids=lambda p: str(p.relative_to(HANDLERS)))
def test_no_a_before_a_vowel_or_a_placeholder(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = [f"{n}: {line}" for n, line in enumerate(lines, 1) if A_BEFORE_VOWEL.search(line.split("=", 1)[-1])]
    assert bad == []


def test_a_draft_card_in_english_reads_as_english() -> None:
    t = Translator("en")
    for intent in ("incident", "inquiry", "other"):
        card = t("draft.card", intent=t(f"intent.{intent}"), category=t("cat.fire"), severity=t("sev.urgent"))
        assert f"a {t(f'intent.{intent}')}" not in card and "Fire · urgent" in card


def test_default_shifts_are_named_in_the_readers_language() -> None:
    en, hans = Translator("en"), Translator("zh-Hans")
    assert [display_name(en, s) for s in DEFAULT_SHIFTS] == ["Early shift", "Late shift", "Night shift"]
    assert [display_name(hans, s) for s in DEFAULT_SHIFTS] == ["早班", "中班", "夜班"]
    own = replace(DEFAULT_SHIFTS[2], name="通宵更")  # a site's own name stays as the site wrote it
    assert display_name(en, own) == "通宵更"


async def test_an_english_reader_sees_english_shift_names(harness: DeskHarness) -> None:
    await harness.setup_site()
    await harness.join(EN, "manager")
    out = text_of(await harness.send("/shifts", EN))
    assert "shift" in out and not any(word in out for word in ("早班", "中班", "夜班")), out


def test_a_ticket_card_starts_with_a_capital() -> None:
    ticket = Ticket(
        kind=TicketKind.COMPLAINT,
        number=3,
        category="noise",
        urgency=Urgency.NORMAL,
        description="Loud music",
        resident_id=5001,
        site_id=1,
    )
    head = card(Translator("en"), ticket, None).splitlines()[0]
    assert head.startswith("📨 Complaint T3"), head
    assert card(Translator("zh-Hans"), ticket, None).startswith("📨 投诉 T3")
