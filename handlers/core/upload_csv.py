"""Which encoding a CSV file is in: UTF-8 (with or without BOM), else GB18030 (mainland Excel) or
Big5 (Hong Kong and Taiwan Excel, read as Big5-HKSCS), told apart by how the text reads.

Both Chinese encodings decode most byte strings of the other without an error, into rare characters
and symbols (Big5 "機房" read as GB18030 is "诀┬"; GBK "机房" read as Big5 is "儂滇"). The text is
therefore decoded both ways and each reading scored by its share of common characters (level 1 of
GB2312, the ~3 750 most used, a traditional one through its simplified form) less symbols, kana,
private-use characters and the like, which real Chinese text seldom has. (charset-normalizer was
tried first: it calls short GBK files cp949 or Big5.) When neither reading is clearly better, the
file is refused naming both encodings, never stored as mojibake."""

from __future__ import annotations

import codecs
from functools import cache

import opencc

from handlers.core.upload_caps import TableError

SAMPLE = 64 * 1024  # bytes scored
MARGIN = 0.25  # how much better one reading must score to be believed
CANDIDATES = ("gb18030", "big5hkscs")
NAMES = {"gb18030": "GB18030", "big5hkscs": "Big5"}
_PUNCTUATION = frozenset("，、。；：？！（）“”‘’《》【】「」『』—…·￥％＃＠　～")


def decode_csv(data: bytes) -> str:
    """The text of a CSV file; :class:`handlers.core.uploads.TableError` naming the encoding when it cannot
    be told or the bytes are not all of it."""
    if b"\x00" in data[:SAMPLE]:  # UTF-16 ("Unicode text") or not text at all
        raise TableError("table.encoding_unknown")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    encoding = guess_chinese(data[:SAMPLE])
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise TableError("table.encoding_broken", encoding=NAMES[encoding]) from None


def guess_chinese(sample: bytes) -> str:
    """GB18030 or Big5-HKSCS, whichever reads the sample as more plausible Chinese text."""
    scores: dict[str, float] = {}
    for encoding in CANDIDATES:
        try:
            # not final: a character the sample's end cuts in two is left out, not an error
            scores[encoding] = plausibility(codecs.getincrementaldecoder(encoding)().decode(sample, final=False))
        except UnicodeDecodeError:
            continue
    if not scores:
        raise TableError("table.encoding_unknown")
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    if len(ranked) > 1 and scores[ranked[0]] - scores[ranked[1]] < MARGIN:
        raise TableError("table.encoding_ambiguous")
    return ranked[0]


def plausibility(text: str) -> float:
    """Per non-ASCII character: +1 for a common Chinese character, -3 for one real text seldom has."""
    wide = [c for c in text if not c.isascii()]
    if not wide:
        return 0.0
    return sum(_weight(c) for c in wide) / len(wide)


@cache
def _weight(char: str) -> int:
    if _common(char):
        return 1
    if "\u4e00" <= char <= "\u9fff" or char in _PUNCTUATION or "\uff01" <= char <= "\uff5e":
        return 0  # a rarer character, Chinese punctuation, a full-width digit or letter
    return -3


def _common(char: str) -> bool:
    """Among the ~3 750 most used characters (level 1 of GB2312), as written or once simplified:
    a traditional character counts when its simplified form is common (機 as 机; 儂 as 侬 does not)."""
    return _level1(char) or _level1(str(_simplifier().convert(char)))


def _level1(char: str) -> bool:
    try:
        gb = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(gb) == 2 and 0xB0 <= gb[0] <= 0xD7


@cache
def _simplifier() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")
