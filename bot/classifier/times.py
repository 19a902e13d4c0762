"""When the text says something happens or happened: a day and a time of day, from normalised text.

Days: 今天/今日, 明天/明日/听日, 后天/后日, 昨天/昨日/琴日/寻日, 前天/前日, the day-and-period words
(今晚, 昨晚, 琴晚, 前晚, 明早, 明晚, 听朝, 听晚, 今早), weekdays (周三, 星期三, 礼拜三, 拜三, 上周三,
下礼拜一; traditional and Cantonese forms arrive simplified) and English (today, tonight, tomorrow,
yesterday, last night, [last|next|this] Wednesday).  Times of day: 10点半, 下午三点, 凌晨2点, 22:00, 3pm.

The day counted is the nearest one written before the time ("昨天报修 今天下午3点再来" → today);
an English day may follow it in the same clause ("at 3pm yesterday").  A day without a time gives a
hint without an hour.  A time booked for later ("约了明天下午2点") is an appointment, not when the
thing happened: it is skipped.  :func:`handlers.parsing.resolve_time` turns the hint into a moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.core.classification import TimeHint

_CN = "零〇一二两三四五六七八九十"
_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}

# Day words → days from today.  Lookbehinds keep 然后天台 / 之前天面 from reading as 后天 / 前天.
_DAY_WORDS = {
    "大后天": 3, "大前天": -3,
    "今天": 0, "今日": 0, "今早": 0, "今朝": 0, "今晚": 0, "今夜": 0,
    "明天": 1, "明日": 1, "明早": 1, "明晚": 1, "明朝": 1, "听日": 1, "听朝": 1, "听晚": 1,
    "后天": 2, "后日": 2,
    "昨天": -1, "昨日": -1, "昨晚": -1, "昨夜": -1, "琴日": -1, "琴晚": -1, "寻日": -1, "寻晚": -1,
    "前天": -2, "前日": -2, "前晚": -2,
    "today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
    "tomorrow": 1, "day after tomorrow": 2, "yesterday": -1, "last night": -1, "day before yesterday": -2,
}  # fmt: skip
_WEEKDAY_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "1": 0, "2": 1, "3": 2}
_WEEKDAY_CN |= {"4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAY_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHIFT = {"上上": -2, "上": -1, "下下": 2, "下": 1, "这": 0, "今": 0, "本": 0, "last": -1, "next": 1, "this": 0}

_DAY_RE = re.compile(
    r"(?P<cnweek>(?P<cnshift>上上|下下|上|下|这|今|本)?(?:个)?(?:礼拜|星期|周|拜)(?P<cnday>[一二三四五六日天1-7]))"
    r"|(?P<enweek>(?<![a-z])(?:(?P<enshift>last|next|this) )?(?P<enday>" + "|".join(_WEEKDAY_EN) + r")(?![a-z]))"
    r"|(?P<word>(?<![然之最以随落先])(?:" + "|".join(sorted(map(re.escape, _DAY_WORDS), key=len, reverse=True)) + r"))"
)
_ENGLISH_DAY = re.compile(r"[a-z]")
_CLAUSE_BREAK = re.compile(r"[,，。;；!！?？\n]")

_PERIOD = (
    "凌晨|半夜|深夜|清晨|朝早|早上|早晨|上午|中午|晏昼|下昼|下午|傍晚|晚上|夜晚|夜里|夜间|今早|今晚|今朝|今夜|"
    "明早|明晚|明朝|听朝|听晚|昨晚|昨夜|琴晚|寻晚|前晚|晚|夜"
)
_TIME_RE = re.compile(
    rf"(?P<period>{_PERIOD})?(?:大约|大概|约|差唔多|差不多|\s)*"
    rf"(?<![0-9])(?P<h>\d{{1,2}}|[{_CN}]{{1,3}})"
    r"(?:"
    r"[:](?P<m>\d{2})(?:\s?(?P<ap1>am|pm|a\.m\.|p\.m\.))?"
    rf"|(?:点|时|點)(?:钟)?(?:(?P<half>半)|(?P<q>一刻|三刻|1刻|3刻)|(?P<m2>\d{{1,2}}|[{_CN}]{{1,3}})(?:分|(?![0-9栋座幢号楼层单期区室a-z])))?"
    r"|\s?(?P<ap2>am|pm|a\.m\.|p\.m\.)"
    r")"
)
_PM_WORDS = (
    "下午", "下昼", "晏昼", "傍晚", "晚上", "夜晚", "夜里", "夜间", "今晚", "今夜", "明晚", "听晚", "昨晚",
    "昨夜", "琴晚", "寻晚", "前晚", "深夜", "半夜", "晚", "夜",
)  # fmt: skip
_MIDNIGHT_WORDS = ("晚上", "夜晚", "夜里", "半夜", "深夜", "凌晨")
_EVENING_ENGLISH = re.compile(r"tonight|this evening|last night|in the evening")
_BOOKED = ("约了", "约咗", "约好", "预约", "约左", "booked for", "appointment")


@dataclass(frozen=True, slots=True)
class _Day:
    start: int
    end: int
    offset: int = 0
    weekday: int | None = None
    week_offset: int = 0
    english: bool = False


def _days(low: str) -> list[_Day]:
    found = []
    for m in _DAY_RE.finditer(low):
        if m.group("cnweek"):
            shift = _SHIFT.get(m.group("cnshift") or "", 0)
            day = _Day(m.start(), m.end(), weekday=_WEEKDAY_CN[m.group("cnday")], week_offset=shift)
        elif m.group("enweek"):
            shift = _SHIFT.get(m.group("enshift") or "", 0)
            weekday = _WEEKDAY_EN.index(m.group("enday"))
            day = _Day(m.start(), m.end(), weekday=weekday, week_offset=shift, english=True)
        else:
            word = m.group("word")
            day = _Day(m.start(), m.end(), offset=_DAY_WORDS[word], english=bool(_ENGLISH_DAY.match(word)))
        found.append(day)
    return found


def _day_for(days: list[_Day], start: int, end: int, low: str) -> _Day | None:
    """The nearest day written before the hour (or as its period: 昨晚11点), else an English day
    after it in the same clause."""
    before = [d for d in days if d.start < start]
    if before:
        return before[-1]
    for d in days:
        if d.start >= end and d.english and not _CLAUSE_BREAK.search(low, end, d.start) and d.start - end <= 12:
            return d
    return None


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


def _clock(m: re.Match[str], low: str) -> tuple[int, int] | None:
    """(hour, minute) of one time match on a 24-hour clock, or None when it is not a time."""
    hour = _cn_number(m.group("h"))
    if hour is None:
        return None
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
            return None
        minute = parsed
    period = m.group("period") or ""
    ampm = (m.group("ap1") or m.group("ap2") or "").replace(".", "")
    if hour == 12 and period.endswith(_MIDNIGHT_WORDS) and not ampm:
        hour = 0  # 凌晨12点, 半夜12点
    elif ampm == "pm" or (period.endswith(_PM_WORDS) and not ampm):
        if hour < 12:
            hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    elif (period == "中午" and hour < 6) or (not ampm and not period and hour < 12 and _EVENING_ENGLISH.search(low)):
        hour += 12
    if hour == 24:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return hour, minute


def _hint(day: _Day | None, hour: int | None, minute: int) -> TimeHint:
    if day is None:
        return TimeHint(hour=hour, minute=minute)
    if day.weekday is not None:
        return TimeHint(hour=hour, minute=minute, weekday=day.weekday, week_offset=day.week_offset)
    return TimeHint(hour=hour, minute=minute, day_offset=day.offset, said_today=day.offset == 0)


def extract_time(low: str) -> TimeHint | None:
    days = _days(low)
    booked = False
    for m in _TIME_RE.finditer(low):
        clock = _clock(m, low)
        if clock is None:
            continue
        day = _day_for(days, m.start("h"), m.end(), low)
        anchor = min(day.start, m.start()) if day is not None else m.start()
        if low[max(0, anchor - 14) : anchor].rstrip().endswith(_BOOKED):
            booked = True
            continue  # an appointment, not when it happened
        return _hint(day, *clock)
    if booked or not days:
        return None
    first = days[0]
    if first.weekday is None and first.offset == 0:
        return None  # "今天" alone says nothing that now does not
    return _hint(first, None, 0)
