"""Location and time-of-day extraction from normalised text (precompiled; one pass each).

Locations come back in the normalised script (simplified, half-width, original case):
"3栋2单元", "B座1802", "地下停车场B2", "Tower 2", "Block B 12/F".
Times come back as :class:`~handlers.classification.TimeHint`; a day word alone ("琴晚" without an
hour) gives no hint, because a time of day would have to be invented.
"""

from __future__ import annotations

import re

from handlers.classification import TimeHint

_CN = "零〇一二两三四五六七八九十"
_NUM = rf"(?:\d{{1,3}}|[{_CN}]{{1,3}})"

_PLACES = (
    "地下停车场|地下车库|停车场|车库|大堂|机房|天台|楼顶|泵房|水泵房|配电房|配电室|电房|发电机房|消防控制室|中控室|"
    "监控室|控制室|会所|泳池|游泳池|花园|平台|垃圾房|垃圾站|楼梯间|后楼梯|消防通道|走廊|电梯厅|电梯口|电梯大堂|大门|正门|"
    "后门|侧门|岗亭|门岗|商铺|管理处|服务中心|前台|地库|平台花园|儿童游乐场|游乐场|篮球场|单车房|信箱|"
    "lobby|car ?park|carpark|roof(?:top)?|plant room|pump room|clubhouse|podium|main gate|entrance|basement|"
    "management office|garage"
)

_LOC_PIECES = [
    r"(?:地下)?(?:停车场|车库)?b[1-6](?:层|停车场|车库|区)?(?![0-9a-z])",  # B2, 地下停车场B2
    rf"{_NUM}(?:期|区)",
    rf"{_NUM}(?:栋|幢|号楼|座|号楼座)",
    r"[a-z](?:栋|座|幢|区)",
    rf"{_NUM}单元",
    rf"{_NUM}(?:楼|层|/f|f)(?:[a-z](?:室|座)?)?(?![0-9])",
    r"(?<![0-9])[a-z]?-?\d{3,4}(?:室|房|号房|号)",
    r"(?<![0-9a-z])(?:flat|room|unit|rm|shop)\s?[a-z]?-?\d{1,4}[a-z]?",
    r"(?<![0-9a-z])(?:tower|block|blk|building|bldg|phase)\s?[a-z0-9]{1,3}(?![a-z0-9])",
    r"(?<![0-9a-z])(?:g/f|\d{1,2}/f|\d{1,2}(?:st|nd|rd|th) floor|level \d{1,2})(?![a-z0-9])",
    rf"(?:{_NUM}号)?(?:{_PLACES})",
]
_LOC_RE = re.compile("|".join(f"(?:{p})" for p in _LOC_PIECES))
# A bare 3-4 digit room number counts only right after another piece ("B座1802", "3栋1202").
_ROOM_AFTER = re.compile(r"\s?[a-z]?-?\d{3,4}(?![0-9:点时])")
_JOIN_GAP = re.compile(r"^[\s,的之]?$")

_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}

_PERIOD = (
    "凌晨|半夜|深夜|清晨|早上|早晨|朝早|上午|中午|晏昼|下午|傍晚|晚上|夜晚|夜里|夜间|今早|今晚|今朝|"
    "昨晚|昨夜|琴晚|寻晚|前晚|昨天早上|昨天下午|昨天晚上|昨日|昨天|琴日|前天|今天|今日"
)
_TIME_RE = re.compile(
    rf"(?P<period>{_PERIOD})?(?:大约|大概|约|差唔多|差不多|\s)*"
    rf"(?<![0-9])(?P<h>\d{{1,2}}|[{_CN}]{{1,3}})"
    r"(?:"
    r"[:](?P<m>\d{2})(?:\s?(?P<ap1>am|pm|a\.m\.|p\.m\.))?"
    rf"|(?:点|时|點)(?:钟)?(?:(?P<half>半)|(?P<q>一刻|三刻|1刻|3刻)|(?P<m2>\d{{1,2}}|[{_CN}]{{1,3}})(?:分)?)?"
    r"|\s?(?P<ap2>am|pm|a\.m\.|p\.m\.)"
    r")"
)
_YESTERDAY = re.compile(r"昨|琴晚|琴日|寻晚|寻日|yesterday|last night")
_DAY_BEFORE = re.compile(r"前天|前晚|前日")
_PM_WORDS = (
    "下午", "傍晚", "晚上", "夜晚", "夜里", "夜间", "今晚", "昨晚", "昨夜", "琴晚", "寻晚", "前晚", "深夜", "半夜",
)  # fmt: skip
_EVENING_ENGLISH = re.compile(r"tonight|this evening|last night|in the evening")


def extract_location(cased: str, low: str) -> str | None:
    """The first location mentioned, adjacent pieces joined ("3栋2单元", "Block B 12/F")."""
    m = _LOC_RE.search(low)
    if m is None:
        return None
    start, end = m.start(), m.end()
    while True:
        nxt = _LOC_RE.search(low, end)
        if nxt is not None and _JOIN_GAP.match(low[end : nxt.start()]):
            end = nxt.end()
            continue
        room = _ROOM_AFTER.match(low, end)
        if room is not None and not low[start:end].endswith(tuple("0123456789")):
            end = room.end()
            continue
        break
    return cased[start:end].strip(" ,") or None


def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS.get(tens, -1) if tens else 1
        o = _CN_DIGITS.get(ones, -1) if ones else 0
        return None if t < 0 or o < 0 else t * 10 + o
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


def extract_time(low: str) -> TimeHint | None:
    for m in _TIME_RE.finditer(low):
        hour = _cn_number(m.group("h"))
        if hour is None:
            continue
        minute = 0
        if m.group("m"):
            minute = int(m.group("m"))
        elif m.group("half"):
            minute = 30
        elif m.group("q"):
            minute = 15 if m.group("q") in ("一刻", "1刻") else 45
        elif m.group("m2"):
            parsed = _cn_number(m.group("m2"))
            if parsed is None:
                continue
            minute = parsed
        period = m.group("period") or ""
        ampm = (m.group("ap1") or m.group("ap2") or "").replace(".", "")
        if ampm == "pm" or (period.endswith(_PM_WORDS) and not ampm):
            if hour < 12:
                hour += 12
            elif hour == 12 and period.endswith(("晚上", "夜晚", "夜里", "半夜", "深夜")):
                hour = 0
        elif ampm == "am" and hour == 12:
            hour = 0
        elif (period == "中午" and hour < 6) or (
            not ampm and not period and hour < 12 and _EVENING_ENGLISH.search(low)
        ):
            hour += 12
        if hour == 24:
            hour = 0
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            continue
        day = 0
        if _DAY_BEFORE.search(period) or (not period and _DAY_BEFORE.search(low)):
            day = -2
        elif _YESTERDAY.search(period) or (not period and _YESTERDAY.search(low)):
            day = -1
        return TimeHint(hour=hour, minute=minute, day_offset=day)
    return None
