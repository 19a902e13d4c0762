"""Issue 16 point 3: Telegram's limits counted in UTF-16 code units, and long texts split at line
boundaries into messages that each fit, never cut (handlers.text_limits.split_text)."""

from __future__ import annotations

import pytest

from handlers.core.text_limits import CAPTION_LIMIT, MESSAGE_LIMIT, clip, split_text, utf16_len


def rejoined(parts: list[str]) -> str:
    """What the reader sees, all parts together, without the line breaks the split fell on."""
    return "".join(parts).replace("\n", "")


def test_utf16_counts_emoji_and_rare_cjk_as_two() -> None:
    assert utf16_len("漏水") == 2
    assert utf16_len("👍") == 2
    assert utf16_len("𠀋") == 2  # CJK Extension B, outside the Basic Multilingual Plane
    assert utf16_len("a👍b") == 4


def test_exactly_at_the_limit_is_one_message_one_more_unit_is_two() -> None:
    at_limit = "长" * MESSAGE_LIMIT
    assert split_text(at_limit) == [at_limit]
    emoji_at_limit = "👍" * (MESSAGE_LIMIT // 2)
    assert split_text(emoji_at_limit) == [emoji_at_limit]
    over = emoji_at_limit + "!"
    parts = split_text(over)
    assert len(parts) == 2 and "".join(parts) == over


def test_emoji_text_shorter_in_characters_than_the_limit_is_still_split() -> None:
    text = "👍" * 3000  # 3000 characters, 6000 UTF-16 units: Telegram refuses it whole
    parts = split_text(text)
    assert len(parts) == 2
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in parts)
    assert "".join(parts) == text


def test_split_falls_between_lines_and_keeps_every_line_whole() -> None:
    lines = [f"{i:03d} 3栋大堂漏水，已通知维修，业户要求今天下午处理完毕" for i in range(300)]
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in parts)
    assert [line for p in parts for line in p.split("\n")] == lines  # no line cut, none lost, in order


def test_the_last_line_a_signature_is_never_lost() -> None:
    text = "您好，关于您的 #3：\n" + "师傅明天上门。" * 900 + "\n—— 华庭花园客户服务中心"
    parts = split_text(text)
    assert len(parts) > 1 and parts[-1].endswith("—— 华庭花园客户服务中心")
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in parts)


def test_a_line_longer_than_a_message_breaks_at_a_space() -> None:
    words = [f"word{i}" for i in range(1500)]
    parts = split_text(" ".join(words))
    assert len(parts) > 1 and all(utf16_len(p) <= MESSAGE_LIMIT for p in parts)
    assert [w for p in parts for w in p.split(" ")] == words  # every word whole


def test_a_line_without_spaces_breaks_between_characters_never_inside_a_surrogate_pair() -> None:
    text = "长" + "😀" * 5000  # odd offset: a cut at 4096 units would fall inside a pair
    parts = split_text(text)
    assert "".join(parts) == text
    for part in parts:
        assert utf16_len(part) <= MESSAGE_LIMIT
        part.encode("utf-8")  # a lone surrogate would not encode
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in part)


def test_a_caption_first_then_messages() -> None:
    text = "\n".join(["照片说明：3栋大堂天花漏水位置"] * 200)
    parts = split_text(text, first_limit=CAPTION_LIMIT)
    assert utf16_len(parts[0]) <= CAPTION_LIMIT
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in parts[1:])
    assert rejoined(parts) == text.replace("\n", "")


@pytest.mark.parametrize("text", ["", "短消息", "a\nb"])
def test_short_texts_are_left_alone(text: str) -> None:
    assert split_text(text) == [text]


def test_blank_stretches_make_no_empty_message() -> None:
    text = "头" * 4000 + "\n" * 200 + "尾" * 10
    parts = split_text(text)
    assert all(p.strip() for p in parts)
    assert parts[0].startswith("头") and parts[-1].endswith("尾")


def test_clip_counts_in_utf16_and_keeps_pairs_whole() -> None:
    clipped = clip("😀" * 3000)
    assert utf16_len(clipped) <= MESSAGE_LIMIT and clipped.endswith("…")
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in clipped)
