"""Relative days and times as people type them: read by the rules, resolved in the site's zone.

Today in these tests is Monday 2026-11-30, 10:00 in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.classifier.normalize import normalize
from bot.classifier.times import extract_time
from handlers.core.parsing import resolve_time
from tests.support import DeskHarness

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def when(text: str, now: datetime = NOW) -> str:
    moment = resolve_time(extract_time(normalize(text)), now, SHANGHAI)
    assert moment.tzinfo is not None
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the example: tomorrow, not today
        ("明天上午9点 3栋停水检修", "2026-12-01 09:00"),
        ("今天下午3点停水", "2026-11-30 15:00"),  # said today: a later time stays today
        ("今晚8点防台风检查", "2026-11-30 20:00"),
        ("昨天下午4点 B2-035车位旁边有人摔倒", "2026-11-29 16:00"),
        ("昨晚11点有人唱K", "2026-11-29 23:00"),
        ("琴晚11點冷氣唔凍", "2026-11-29 23:00"),
        ("前天下午3点发现电梯按钮失灵", "2026-11-28 15:00"),
        ("后天下午2点全小区停电", "2026-12-02 14:00"),
        ("後日朝早9點停水", "2026-12-02 09:00"),
        ("聽日朝早十點 全屋苑消防演習", "2026-12-01 10:00"),
        ("听晚7点半电梯保养", "2026-12-01 19:30"),
        ("凌晨3点5栋配电房跳闸", "2026-11-30 03:00"),  # 5栋 is a building, not 3:05
        ("凌晨12点半有人唱K", "2026-11-30 00:30"),
        # weekdays: this week's (weeks start on Monday), 上 last week's, 下 next week's
        ("周三上午10点消防演练", "2026-12-02 10:00"),
        ("星期三下午2点停电", "2026-12-02 14:00"),
        ("禮拜三 下晝2點到4點 12座停電", "2026-12-02 14:00"),
        ("礼拜三上午检修", "2026-12-02 10:00"),  # a day without a time keeps the time of writing
        ("拜五晏昼3点交接", "2026-12-04 15:00"),
        ("下周三上午10点消防演练", "2026-12-09 10:00"),
        ("上星期五晚上9点有人打架", "2026-11-27 21:00"),
        ("this Thursday 3pm fire drill at Tower 1", "2026-12-03 15:00"),
        ("last Friday 9pm someone broke into the bike room", "2026-11-27 21:00"),
        ("power shutdown tomorrow 1am-5am for block C", "2026-12-01 01:00"),
        ("leak reported at 3pm yesterday", "2026-11-29 15:00"),
        ("last night around 11pm a resident fainted", "2026-11-29 23:00"),
        # no day: a time later than now is last night's, as before
        ("晚上11点有人唱K", "2026-11-29 23:00"),
        ("9点半发现漏水", "2026-11-30 09:30"),
        # a day alone: that day at the time of writing
        ("明天 3栋停水检修", "2026-12-01 10:00"),
        ("琴日3座水浸", "2026-11-29 10:00"),
    ],
)
def test_relative_days_resolve_in_the_site_zone(text: str, expected: str) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "然后天台门已锁好",  # 后天 inside 然后天台 is not a day
        "之前天面已清理",
        "B座1801住户报修 浴室花洒漏水 约了明天下午2点",  # an appointment, not when it leaked
        "今天大堂漏水",  # today without a time says nothing that now does not
        "1802室漏水",
    ],
)
def test_no_moment_other_than_now(text: str) -> None:
    assert when(text) == "2026-11-30 10:00"


def test_future_moment_is_returned_not_refused() -> None:
    """resolve_time gives the real moment; what the duty log does with a future one is decided there."""
    assert when("电梯困人演练明天上午10点进行") == "2026-12-01 10:00"
    assert when("明天早上8点接班的是谁？") == "2026-12-01 08:00"


def test_a_day_across_midnight_in_the_site_zone() -> None:
    late = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # Tuesday 00:30 in Shanghai
    assert when("明天上午9点停水", late) == "2026-12-02 09:00"
    assert when("昨晚11点有人唱K", late) == "2026-11-30 23:00"


async def test_log_with_yesterday_evening_records_that_moment(harness: DeskHarness) -> None:
    await harness.setup_site()
    out = await harness.send("/log 昨晚11点 3栋大堂有人唱K好嘈")
    text = "\n".join(reply.text for reply in out.replies)
    # The harness clock is 2026-11-23 10:00 in Shanghai: last night is the 22nd at 23:00.
    assert "11-22 23:00" in text or "11月22日 23:00" in text or "2026-11-22 23:00" in text, text
