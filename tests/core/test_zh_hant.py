"""Traditional Chinese catalogues read as Hong Kong usage, not machine conversion: no
simplified-only character remains in any ``*zh-Hant.toml`` (OpenCC s2t changes nothing, apart from
the Hong Kong forms below), and the words Hong Kong users write are used."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

from handlers.core.i18n import HANDLERS, catalogue_files

# s2t writes the Taiwan/classical form; Hong Kong writes the left one, which is not simplified.
HONG_KONG_FORMS = {("群", "羣"), ("台", "臺"), ("裏", "裡"), ("衞", "衛"), ("着", "著")}
# Machine conversion leaves these; Hong Kong users write the right-hand words.
NOT_HONG_KONG = {
    "羣": "群",
    "鏈接": "連結",
    "信息": "訊息",
    "默認": "預設",
    "視頻": "影片",
    "用户": "用戶",
    "保存": "儲存",
    # Taiwan or mainland words a Hong Kong reader notices (issue 19 point 8): blocks are 座, an
    # enquiry is 查詢, the estate is 屋苑; no 私訊, 傳訊息, 命令列 in Hong Kong.
    "棟": "座",
    "諮詢": "查詢",
    "私訊": "私人對話",
    "傳訊息": "發訊息",
    "命令列": "命令行",
    "小區": "屋苑",
    "點選": "選擇",
}
FILES = catalogue_files("zh-Hant")


def test_every_traditional_catalogue_is_checked() -> None:
    assert HANDLERS / "core" / "locales" / "zh-Hant.toml" in FILES and len(FILES) >= 2


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(HANDLERS)))
def test_no_simplified_character_remains(path: Path) -> None:
    convert = opencc.OpenCC("s2t").convert
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        converted = convert(line)
        if len(converted) != len(line):
            problems.append(f"{path.name}:{number}: {line!r} → {converted!r}")
            continue
        for column, (mine, theirs) in enumerate(zip(line, converted, strict=True), 1):
            if mine != theirs and (mine, theirs) not in HONG_KONG_FORMS:
                problems.append(f"{path.name}:{number}:{column}: {mine} (traditional: {theirs})")
        problems += [f"{path.name}:{number}: {w} (write {hk})" for w, hk in NOT_HONG_KONG.items() if w in line]
    assert problems == []
