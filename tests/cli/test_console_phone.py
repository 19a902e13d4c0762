"""The console does what a phone does (issue 19 point 6): every message shows its number; a person
replies to one (:reply), sends a photo (:photo), a file from disk (:file, read through the same
download path as on Telegram) or a location (:location), presses a button on an older message
(:press MSG N); and every time the console shows follows its clock after :wait."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.config import Settings
from bot.engines.console import run_console
from storage.clock import utcnow

# A line of the script, or one written from what the console has shown so far (to name a message).
Line = str | Callable[[str], str]
HEADER = re.compile(r"^\[(?P<marks>[^\]\n]+)\]$", re.MULTILINE)


class Typist(io.StringIO):
    """Standard input typed line by line, each written when the console asks for it."""

    def __init__(self, lines: list[Line], out: io.StringIO) -> None:
        super().__init__()
        self.lines, self.out = list(lines), out

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        return (line(self.out.getvalue()) if callable(line) else line) + "\n"


def chat(url: str, *lines: Line, language: str = "zh-Hans") -> str:
    """What a console session on the database at ``url`` shows for the typed lines."""
    settings = Settings(_env_file=None, dutydesk_language=language)  # type: ignore[call-arg]
    out = io.StringIO()
    assert asyncio.run(run_console(settings, database=url, stdin=Typist([*lines, ":quit"], out), out=out)) == 0
    return out.getvalue()


def messages(shown: str) -> list[tuple[str, str]]:
    """(header, text) of every message shown, in order; a header is e.g. "值班群 · 消息 4 · 已修改"."""
    heads = list(HEADER.finditer(shown))
    ends = [h.start() for h in heads[1:]] + [len(shown)]
    return [(h["marks"], shown[h.end() : end]) for h, end in zip(heads, ends, strict=True)]


def number_of(shown: str, words: str) -> int:
    """The number of the newest message showing ``words`` (an edited card keeps its number)."""
    found = [head for head, text in messages(shown) if words in text]
    assert found, f"no message shows {words!r}"
    match = re.search(r"(?:消息|msg) (\d+)", found[-1])
    assert match is not None
    return int(match[1])


def in_chat(shown: str, where: str) -> str:
    return "\n".join(text for head, text in messages(shown) if head.startswith(where))


def console_stamps(ahead: timedelta, since: datetime) -> set[str]:
    """How the site (Asia/Shanghai) writes the console's time, ``ahead`` of the wall, since ``since``."""
    zone, stamps, moment = ZoneInfo("Asia/Shanghai"), set(), since
    while moment <= utcnow() + timedelta(minutes=1):
        stamps.add((moment + ahead).astimezone(zone).strftime("%m-%d %H:%M"))
        moment += timedelta(minutes=1)
    return stamps


def test_a_reply_to_a_ticket_card_reaches_the_resident_and_the_history_keeps_console_time(
    tmp_path: Path, migrated_file: Callable[[Path], str]
) -> None:
    url = migrated_file(tmp_path / "console.db")
    began = utcnow()
    shown = chat(
        url,
        "/setup HG 华庭花园",
        ":wait 600",  # ten hours on: a time written from the wall clock would be ten hours behind
        ":as 5001 业户刘先生",
        ":private",
        "我家空调坏了，请派人维修",
        ":group",
        ":as 1",
        lambda shown: f":reply {number_of(shown, '我家空调坏了')} 师傅下午三点上门",
        "/ticket 1",
    )
    assert "师傅下午三点上门" in in_chat(shown, "私聊 5001")  # relayed to the resident as a phone's reply is
    [history] = [line for line in shown.splitlines() if "：师傅下午三点上门" in line and "回复" in line]
    assert history[:11] in console_stamps(timedelta(hours=10), began), history


def test_a_photo_replies_to_an_incident_and_a_button_is_pressed_on_an_older_card(
    tmp_path: Path, migrated_file: Callable[[Path], str]
) -> None:
    url = migrated_file(tmp_path / "console.db")
    shown = chat(
        url,
        "/setup HG 华庭花园",
        "/log 3栋大堂漏水，已通知维修",
        "/log 5栋车库停电，已通知电工",
        lambda shown: f":photo {number_of(shown, '3栋大堂漏水')} 大堂积水照片",
        lambda shown: f":press {number_of(shown, '3栋大堂漏水')} 1",  # 改类别 on the older card
        ":press 2",  # without MSG: the newest message with buttons, the 5栋 card (改级别)
    )
    older, newer = number_of(shown, "3栋大堂漏水"), number_of(shown, "5栋车库停电")
    assert older < newer
    answer = [(head, text) for head, text in messages(shown) if "照片已附到" in text]
    assert len(answer) == 1 and "#1" in answer[0][1]  # attached to the card replied to, not the newest
    edits = {head: text for head, text in messages(shown) if "已修改" in head}
    assert "请选择类别" in edits[f"值班群 · 消息 {older} · 已修改"]
    assert "请选择级别" in edits[f"值班群 · 消息 {newer} · 已修改"]


def test_files_from_disk_are_imported_by_their_caption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_file: Callable[[Path], str]
) -> None:
    url = migrated_file(tmp_path / "console.db")
    chat(url, "/setup HG 华庭花园")
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["staff", "add", "101", "--role", "staff", "--site", "HG"]) == 0
    keys = tmp_path / "key list.csv"  # a space in the name: the path is quoted
    keys.write_text("code,label,kind,location,copies\n3-JF,3栋机房,plant,客服部钥匙柜A1,2\n", encoding="utf-8")
    today = (utcnow() + timedelta(hours=8)).date()  # the roster's day at the site (UTC+8)
    roster = tmp_path / "roster.csv"
    roster.write_text(f"date,shift,staff\n{today},早班,101\n", encoding="utf-8")
    shown = chat(
        url,
        f':file "{keys}" /keys_import',
        "/key 3-jf",
        f":file {roster} /roster",
        f":file {tmp_path / 'missing.csv'} /roster",
    )
    assert "已导入 1 把钥匙" in shown and "客服部钥匙柜A1" in shown
    assert "已导入值班表 1 条" in shown
    assert "missing.csv 不是文件" in shown
    assert shown.count("你的消息") == 3  # the missing file was not sent


def test_a_location_replying_to_a_round_card_signs_the_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_file: Callable[[Path], str]
) -> None:
    url = migrated_file(tmp_path / "console.db")
    chat(url, "/setup HG 华庭花园")
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "plan,checkpoint,proof,lat,lon,radius,every,start,grace,role\n"
        "消防巡查,天台,location,22.5431,114.0579,30,2h,00:00,10,staff\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["patrol", "import", str(plan), "--site", "HG"]) == 0
    shown = chat(
        url,
        ":wait 125",  # a round is due within two hours
        ":press 1",  # 开始巡查
        ":location 91 114.0579",  # no latitude past the pole
        lambda shown: f":location {number_of(shown, '进行中')} 22.6 114.0579",  # 6 km away
        lambda shown: f":location {number_of(shown, '进行中')} 22.5431 114.0579",
    )
    assert "纬度 -90 至 90" in shown
    assert "位置不符" in shown and "未签到" in shown
    card = number_of(shown, "进行中")
    *_, text = [text for head, text in messages(shown) if f"消息 {card} · 已修改" in head]
    assert "✅ 天台" in text and "（定位）" in text  # the card replied to shows the checkpoint signed by location


def test_numbers_go_on_in_a_second_session_so_a_reply_finds_the_new_card(
    tmp_path: Path, migrated_file: Callable[[Path], str]
) -> None:
    url = migrated_file(tmp_path / "console.db")
    first = chat(url, "/setup HG 华庭花园", "/log 3栋大堂漏水")
    second = chat(url, "/log 5栋车库停电", lambda shown: f":photo {number_of(shown, '5栋车库停电')}")
    assert number_of(second, "5栋车库停电") > number_of(first, "3栋大堂漏水")
    assert "照片已附到 #2" in second


def test_the_console_speaks_the_configured_language_and_says_how_to_type_a_command(
    tmp_path: Path, migrated_file: Callable[[Path], str]
) -> None:
    url = migrated_file(tmp_path / "console.db")
    shown = chat(
        url,
        "/setup HG Harbour Garden",
        "/log Block 3 lobby leaking",
        ":reply 99 on my way",
        ":photo 98 lobby",  # a number first is MSG, never a caption: a mistyped one sends nothing
        ":press 4 9",
        ":press",
        ":location north",
        ":wait -5",
        ":as 5001 Mr Lau",
        ":private",
        ":press 1",  # the group's buttons are not in this private chat
        ":reply 4 hello",
        ":frobnicate",
        ":help",
        language="en",
    )
    listed = (":reply MSG TEXT ", ":photo [MSG] [CAPTION]", ":file [MSG] PATH [CAPTION] ", ":location [MSG] LAT LON ")
    for command in listed:
        assert shown.count(command) == 2  # at the start and for :help (not in a usage line)
    assert "[group · msg 4]" in shown and "(your msg 3)" in shown
    assert "No msg 99 in this chat" in shown and "No msg 98 in this chat" in shown
    assert shown.count("(your msg") == 2  # /setup and /log: no refused command sent anything
    assert "Msg 4 has no button 9 (it has 3)" in shown
    assert shown.count("Usage: :press [MSG] N") == 1
    assert "Usage: :location [MSG] LAT LON" in shown and "Usage: :wait MINUTES" in shown
    assert "No message with buttons in this chat" in shown and "No msg 4 in this chat" in shown
    assert "No console command :frobnicate" in shown
    assert "Mr Lau @ private 5001>" in shown
