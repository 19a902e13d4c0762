"""Message catalogues (zh-Hans default, zh-Hant, en): every user-visible text lives in TOML files.

A language's catalogue merges every package's ``locales/{language}.toml`` (``handlers/core`` holds
the shared texts, each feature package its own) and any ``locales/{part}.{language}.toml`` beside
them, so features add their texts without touching each other's. A key defined twice is an error."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
DEFAULT = "zh-Hans"
HANDLERS = Path(__file__).resolve().parent.parent


def catalogue_files(language: str) -> list[Path]:
    """The shared catalogue first, then every feature's, in a stable order."""
    found = [*HANDLERS.glob(f"*/locales/{language}.toml"), *HANDLERS.glob(f"*/locales/*.{language}.toml")]
    return sorted(found, key=lambda path: (path.parent.parent.name != "core", str(path)))


@cache
def catalogue(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalogue_files(language):
        with path.open("rb") as handle:
            texts = _flatten(tomllib.load(handle))
        twice = merged.keys() & texts.keys()
        if twice:
            raise ValueError(f"{path.relative_to(HANDLERS)} defines keys already defined: {sorted(twice)[:5]}")
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


class Said:
    """Words not yet in a language: a catalogue key and its values. ``text(t)`` says them in ``t``'s
    language (a value that can say itself is said in it too); ``str()`` is the English. An import's row
    problems travel as this, so the chat and the command line each say them in their reader's language."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params

    def text(self, t: Translator) -> str:
        return t(self.key, **{name: _said(value, t) for name, value in self.params.items()})

    def __str__(self) -> str:
        return self.text(Translator("en"))

    def __repr__(self) -> str:
        return f"Said({self.key!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Said) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)


class SaidError(ValueError):
    """An error whose message is :class:`Said` (a key and values), not text: ``text(t)`` in the
    reader's language, ``str()`` in English."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.said = Said(key, **params)

    def text(self, t: Translator) -> str:
        return self.said.text(t)

    def __str__(self) -> str:
        return str(self.said)


def _said(value: object, t: Translator) -> object:
    text = getattr(value, "text", None)
    return text(t) if callable(text) else value
