"""The patrol texts exist in every language with the same keys and placeholders."""

from __future__ import annotations

import re
import tomllib

from handlers.core.i18n import HANDLERS, LANGUAGES, _flatten


def test_patrol_catalogues_match() -> None:
    folder = HANDLERS / "patrols" / "locales"
    texts = {lang: _flatten(tomllib.loads((folder / f"{lang}.toml").read_text("utf-8"))) for lang in LANGUAGES}
    base = texts["zh-Hans"]
    for lang, catalogue in texts.items():
        assert catalogue.keys() == base.keys(), lang
        for key, text in catalogue.items():
            assert sorted(re.findall(r"{(\w+)}", text)) == sorted(re.findall(r"{(\w+)}", base[key])), (lang, key)
