"""Message catalogues (zh-Hans default, zh-Hant, en): every user-visible text lives in locales/*.toml.

A language's catalogue is ``locales/{language}.toml`` (shared texts) merged with one file per feature,
``locales/{feature}.{language}.toml``, so features add their texts without touching each other's.
A key defined twice is an error."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
DEFAULT = "zh-Hans"
LOCALES = Path(__file__).resolve().parent / "locales"


def catalogue_files(language: str) -> list[Path]:
    return [LOCALES / f"{language}.toml", *sorted(LOCALES.glob(f"*.{language}.toml"))]


@cache
def catalogue(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalogue_files(language):
        with path.open("rb") as handle:
            texts = _flatten(tomllib.load(handle))
        twice = merged.keys() & texts.keys()
        if twice:
            raise ValueError(f"{path.name} defines keys already defined: {sorted(twice)[:5]}")
        merged.update(texts)
    return merged


def _flatten(tree: dict[str, object], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = str(value)
    return out


def pick_language(telegram_code: str | None, default: str = DEFAULT) -> str:
    """Map Telegram's language_code to a catalogue: zh-hk/zh-tw/zh-hant → zh-Hant, zh* → zh-Hans, en* → en."""
    if not telegram_code:
        return default
    code = telegram_code.lower()
    if code.startswith("zh"):
        return "zh-Hant" if any(tag in code for tag in ("hant", "hk", "tw", "mo")) else "zh-Hans"
    if code.startswith("en"):
        return "en"
    return default


class Translator:
    """``t("key", name=…)`` in one language, falling back to zh-Hans, then to the key itself."""

    __slots__ = ("language",)

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT

    def __call__(self, key: str, **values: object) -> str:
        template = catalogue(self.language).get(key) or catalogue(DEFAULT).get(key) or key
        return template.format(**values) if values else template
