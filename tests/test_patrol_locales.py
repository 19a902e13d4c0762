"""The patrol texts exist in every language with the same keys and placeholders."""

from __future__ import annotations

import re
import tomllib

from handlers.i18n import LANGUAGES, LOCALES, _flatten


def test_patrol_catalogues_match() -> None:
    texts = {lang: _flatten(tomllib.loads((LOCALES / f"patrols.{lang}.toml").read_text("utf-8"))) for lang in LANGUAGES}
    base = texts["zh-Hans"]
    for lang, catalogue in texts.items():
        assert catalogue.keys() == base.keys(), lang
        for key, text in catalogue.items():
            assert sorted(re.findall(r"{(\w+)}", text)) == sorted(re.findall(r"{(\w+)}", base[key])), (lang, key)
