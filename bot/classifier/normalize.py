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


def normalize_pair(text: str) -> tuple[str, str]:
    """(cased, lowered): width-folded, simplified, whitespace-folded; both have the same length."""
    cased = to_simplified(text.translate(_WIDTH_TABLE))
    cased = _SPACE_RE.sub(" ", cased).strip()
    return cased, cased.translate(_LOWER_TABLE)


def normalize(text: str) -> str:
    """The lower-cased normal form used for matching."""
    return normalize_pair(text)[1]


@lru_cache(maxsize=4096)
def normalize_term(term: str) -> str:
    """Lexicon entries go through the same pass, so a lexicon may be written in either script."""
    return normalize(term)
