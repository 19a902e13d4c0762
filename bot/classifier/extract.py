"""Location extraction from normalised text (precompiled; one pass); times are in :mod:`.times`.

Locations come back in the normalised script (simplified, half-width, original case):
"3栋2单元", "B座1802", "地下停车场B2", "Tower 2", "Block B 12/F".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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
    # a parking bay: B2-035, B2 056, B1-09车位, bay B2-210 (kept whole, not cut at B2)
    r"(?:地下)?(?:停车场|车库|地库)?(?:bay )?b[1-6][- ]?\d{2,4}(?:号)?(?:车位)?(?![0-9a-z])",
    r"(?<![0-9a-z-])(?:\d{1,4}号|\d{2,4})车位",
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


# The management office is a place only where the text puts something at it ("在管理处", "管理处门口");
# otherwise it is who did (or did not do) something: "管理处一直不处理" names no place.
_OFFICES = frozenset({"管理处", "服务中心", "management office"})
_OFFICE_AFTER = re.compile(r"\s?(?:门口|门外|前台|里面|入面|内|外面|外|旁边|附近|对面|楼下|大堂|的门|嘅门|office door)")
_OFFICE_BEFORE = re.compile(r"(?:在|喺|到|去|来|嚟|返|于|送|交|放|at|in|to|outside|near|by|from)\s?(?:the\s)?$")


def _names_a_place(low: str, m: re.Match[str]) -> bool:
    if m.group(0) not in _OFFICES:
        return True
    return bool(_OFFICE_AFTER.match(low, m.end()) or _OFFICE_BEFORE.search(low[max(0, m.start() - 8) : m.start()]))


def extract_location(typed: Sequence[str], low: str) -> str | None:
    """The first location mentioned, adjacent pieces joined ("3栋2单元", "Block B 12/F"), as the user
    typed it (``typed`` holds the typed text of each position of ``low``: 9座12樓 stays traditional)."""
    m = _LOC_RE.search(low)
    while m is not None and not _names_a_place(low, m):
        m = _LOC_RE.search(low, m.end())
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
    return "".join(typed[start:end]).strip(" ,") or None
