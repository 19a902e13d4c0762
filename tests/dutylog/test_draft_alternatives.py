"""The draft card offers the classifier's next likely categories as one-tap corrections."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.classification import Classification, Speaker
from storage.codes import Severity
from storage.db import Database
from storage.models import Incident
from tests.support import DeskHarness, FakeClock, button_data, text_of
from tests.support.desks import make_desk


class Suggests:
    """A classifier that reads every message as a parking incident that might be medical."""

    async def classify(self, text: str, *, speaker: Speaker, private: bool) -> Classification:
        return Classification("incident", "parking", Severity.URGENT, 0.7, alternatives=("medical", "security"))


async def test_one_tap_correction_then_record(sqlite_db: Database, clock: FakeClock) -> None:
    h = DeskHarness(make_desk(sqlite_db, Suggests(), clock), clock)  # type: ignore[arg-type]
    await h.setup_site()
    card = await h.send("车库有人摔倒受伤")
    labels = [b.label for row in card.replies[0].buttons for b in row]
    assert labels == ["✅ 记录", "忽略", "→急病受伤", "→可疑人员/物品", "改类别"]
    fixed = await h.press(button_data(card, "→急病受伤"))
    assert "急病受伤" in text_of(fixed).splitlines()[0]
    # The category given up is still one tap away.
    assert "→停车" in [b.label for row in fixed.replies[0].buttons for b in row]
    await h.press(button_data(fixed, "记录"))
    async with sqlite_db.session() as session:
        incident = (await session.exec(select(Incident))).one()
    assert (incident.category, incident.severity) == ("medical", "urgent")


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    import string

    from handlers.core.i18n import LANGUAGES, catalogue

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    base = catalogue("zh-Hans")
    for language in LANGUAGES:
        other = catalogue(language)
        assert set(other) == set(base), language
        assert {k: fields(v) for k, v in other.items()} == {k: fields(v) for k, v in base.items()}, language


def test_every_code_and_command_has_a_text() -> None:
    from bot.features import registry
    from handlers.core.context import ROLES
    from handlers.core.i18n import catalogue
    from handlers.core.taxonomy import CATEGORIES, INTENTS, SEVERITIES

    texts = catalogue("zh-Hans")
    wanted = {f"cat.{c}" for c in CATEGORIES} | {f"sev.{s}" for s in SEVERITIES} | {f"intent.{i}" for i in INTENTS}
    wanted |= {f"role.{r}" for r in ROLES} | {command.help_key for command in registry().commands.values()}
    assert wanted - set(texts) == set()
