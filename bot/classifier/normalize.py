"""Text normalisation before matching: one cheap pass, the same for rules and lexicons.

Steps: Cantonese-only characters that OpenCC maps oddly (𨋢 → 电梯), full-width → half-width,
traditional → simplified with OpenCC ``hk2s`` (it also folds HK variants such as 衞 → 卫, which
``t2s`` leaves alone), whitespace folded to one space.  :func:`normalize_pair` returns the cased
form and a lower-cased form of *the same length*, so a span found in the lower-cased text can be
cut from the cased one (locations keep "Tower 2" rather than "tower 2").
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# OpenCC ``hk2s`` is the best fit for HK text: same speed as ``t2s``, folds more HK variants.
OPENCC_CONFIG = "hk2s"

_PRE = {
    "𨋢": "电梯",  # Cantonese "lift"; OpenCC turns it into the unrelated 䢂
    "䢂": "电梯",
}
_PRE_RE = re.compile("|".join(map(re.escape, _PRE)))

# Full-width ASCII (U+FF01..U+FF5E) → ASCII, ideographic space → space, plus a few look-alikes.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: 0x20, 0x3002: ord("."), 0xFF61: ord("."), 0x2018: ord("'"), 0x2019: ord("'")})
_WIDTH.update({0x201C: ord('"'), 0x201D: ord('"'), 0xFF5E: ord("~"), 0x2014: ord("-")})
_WIDTH_TABLE = str.maketrans(_WIDTH)
# ASCII-only lower-casing keeps the length (str.lower() does not for a few non-ASCII letters).
_LOWER_TABLE = str.maketrans({c: c + 32 for c in range(ord("A"), ord("Z") + 1)})
_SPACE_RE = re.compile(r"\s+")

_converter: opencc.OpenCC | None = None


def converter() -> opencc.OpenCC:
    """The one OpenCC converter of the process (building one costs milliseconds)."""
    global _converter
    if _converter is None:
        _converter = opencc.OpenCC(OPENCC_CONFIG)
    return _converter


def to_simplified(text: str) -> str:
    if _PRE_RE.search(text):
        text = _PRE_RE.sub(lambda m: _PRE[m.group()], text)
    return str(converter().convert(text))


def normalize_pair(text: str) -> tuple[tuple[str, ...], str]:
    """(typed, lowered): ``lowered`` is width-folded, simplified and whitespace-folded; ``typed`` holds, for
    each of its positions, what the user typed there (width-folded only), so a span found in the lowered
    text is cut from the user's own words: ``9座12樓`` stays traditional, "Tower 2" keeps its capital.
    Where simplification changes the length (𨋢 → 电梯), the first position carries the typed text."""
    typed: list[str] = []
    simple: list[str] = []
    for piece in _pieces(text.translate(_WIDTH_TABLE)):
        converted = to_simplified(piece)
        if len(converted) == len(piece):
            typed += piece
        else:
            typed += [piece] + [""] * (len(converted) - 1) if converted else []
        simple += converted
    return _fold_spaces(typed, simple)


def _pieces(text: str) -> list[str]:
    """The text cut around the characters OpenCC maps to a different length."""
    if not _PRE_RE.search(text):
        return [text]
    out: list[str] = []
    last = 0
    for m in _PRE_RE.finditer(text):
        out += [text[last : m.start()], m.group()]
        last = m.end()
    return [p for p in [*out, text[last:]] if p]


def _fold_spaces(typed: list[str], simple: list[str]) -> tuple[tuple[str, ...], str]:
    """Runs of whitespace become one space, none at either end; both sides keep the same length."""
    kept_typed: list[str] = []
    kept: list[str] = []
    for original, char in zip(typed, simple, strict=True):
        if char.isspace():
            if kept and kept[-1] != " ":
                kept_typed.append(" ")
                kept.append(" ")
            continue
        kept_typed.append(original)
        kept.append(char)
    if kept and kept[-1] == " ":
        kept_typed.pop()
        kept.pop()
    return tuple(kept_typed), "".join(kept).translate(_LOWER_TABLE)


def as_typed(text: str, phrase: str) -> str | None:
    """``phrase`` as the user wrote it in ``text`` (a model may answer 9座12楼 for 9座12樓), or None when the
    text does not say it."""
    typed, low = normalize_pair(text)
    start = low.find(normalize(phrase)) if phrase.strip() else -1
    if start < 0:
        return None
    return "".join(typed[start : start + len(normalize(phrase))]).strip() or None


def normalize(text: str) -> str:
    """The lower-cased normal form used for matching."""
    return normalize_pair(text)[1]


@lru_cache(maxsize=4096)
def normalize_term(term: str) -> str:
    """Lexicon entries go through the same pass, so a lexicon may be written in either script."""
    return normalize(term)
