"""The key register: checking imported rows and /key_add, and finding a key a message names.

Kinds follow 000 第13/15篇 and SPEC §2: unit, vacant (空置房), plant (机房), common area, sealed
custody (封存托管).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Literal

import opencc
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from handlers.core.uploads import TableRow
from storage.models import Key, Site, require_id
from storage.models.keys import KeyKind
from storage.repos import keys
from storage.repos.keys import KeyValues

KINDS: tuple[KeyKind, ...] = tuple(KeyKind)
KIND_WORDS: dict[str, KeyKind] = {
    **{kind.value: kind for kind in KeyKind},
    "单元": KeyKind.UNIT,
    "單元": KeyKind.UNIT,
    "空置": KeyKind.VACANT,
    "空置房": KeyKind.VACANT,
    "机房": KeyKind.PLANT,
    "機房": KeyKind.PLANT,
    "公共": KeyKind.COMMON,
    "公共区域": KeyKind.COMMON,
    "公共區域": KeyKind.COMMON,
    "封存": KeyKind.SEALED,
    "封存托管": KeyKind.SEALED,
}
# What is wrong with a register row; each has a catalogue line ``keys.bad.<problem>``.
RowProblem = Literal["code", "label", "kind", "copies", "duplicate", "empty", "kind_change"]
_CODE = re.compile(r"^[\w.\-/#]{1,32}$")
MAX_LABEL = 200


def kind_of(word: str) -> KeyKind | None:
    return KIND_WORDS.get(word.strip().lower())


def check_row(values: dict[str, str]) -> tuple[KeyValues, None] | tuple[None, RowProblem]:
    """One register row → (values, None) or (None, what is wrong)."""
    code = values.get("code", "").strip()
    label = values.get("label", "").strip()
    kind = kind_of(values.get("kind", ""))
    copies_text = values.get("copies", "").strip() or "1"
    if not code or not _CODE.match(code):
        return None, "code"
    if not label or len(label) > MAX_LABEL:
        return None, "label"
    if kind is None:
        return None, "kind"
    if not copies_text.isdigit() or not 1 <= int(copies_text) <= 999:
        return None, "copies"
    location = values.get("location", "").strip()[:200] or None
    return KeyValues(code=code, label=label, kind=kind, location=location, copies=int(copies_text)), None


async def import_rows(session: AsyncSession, site: Site, rows: Sequence[TableRow]) -> list[tuple[int, str]]:
    """The feature's importer (``Feature.imports``, an operator's path: kinds may change): like
    :func:`load`, problems in the site's language."""
    t = Translator(site.language)
    return [(line, t(f"keys.bad.{what}")) for line, what in await load(session, site, rows)]


async def load(
    session: AsyncSession, site: Site, rows: Sequence[TableRow], *, kinds_may_change: bool = True
) -> list[tuple[int, RowProblem]]:
    """Check every row first; write nothing when any is bad. Returns (line, problem) pairs.
    A code already in the register is updated (and usable again if it was reported lost); its kind
    changes only when ``kinds_may_change`` (a manager, or the command line), since the kind decides
    who approves a loan (000 L506-508)."""
    problems: list[tuple[int, RowProblem]] = []
    seen: set[str] = set()
    clean: list[KeyValues] = []
    for row in rows:
        values, problem = check_row(row.values)
        if values is not None and values["code"].lower() in seen:
            values, problem = None, "duplicate"
        if values is not None and not kinds_may_change:
            known = await keys.by_code(session, site_id=require_id(site), code=values["code"])
            if known is not None and known.kind != values["kind"]:
                values, problem = None, "kind_change"
        if values is None:
            problems.append((row.line, problem or "code"))
            continue
        seen.add(values["code"].lower())
        clean.append(values)
    if not rows:
        problems.append((1, "empty"))
    if problems:
        return problems
    for values in clean:
        await keys.upsert(session, site_id=require_id(site), values=values)
    return []


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("hk2s")


_BUILDING = re.compile(r"(座|幢|栋|号楼|號樓|棟)")


def normal(text: str) -> str:
    """Simplified, lower-case, no spaces; 座/幢/号楼 read as 栋 (Cantonese and mainland forms)."""
    simplified = str(_converter().convert(text)).lower()
    return _BUILDING.sub("栋", re.sub(r"\s+", "", simplified))


def _names_code(said: str, code: str) -> bool:
    """The code as a word of its own: ``3-JF`` in ``借3-jf钥匙``, but ``1`` not in ``11栋``."""
    return re.search(rf"(?<![a-z0-9]){re.escape(normal(code))}(?![a-z0-9])", said) is not None


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def match(candidates: Sequence[Key], text: str, hint: str | None = None) -> list[Key]:
    """The keys a message names: by code or whole label first; else the labels sharing most of
    their character pairs with the text (several when it is ambiguous)."""
    said = normal(text + " " + (hint or ""))
    by_code = [k for k in candidates if _names_code(said, k.code)]
    by_label = [k for k in candidates if normal(k.label) in said and k not in by_code]
    if by_code or by_label:
        longest = max((len(normal(k.label)) for k in by_label), default=0)
        return by_code + [k for k in by_label if len(normal(k.label)) == longest]
    scored = []
    pairs = _bigrams(said)
    for key in candidates:
        label = _bigrams(normal(key.label))
        score = len(label & pairs) / len(label)
        if score >= 0.5:
            scored.append((score, key))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    return [key for score, key in scored if score == top or score >= 0.67]
