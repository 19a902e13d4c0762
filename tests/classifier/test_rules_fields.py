"""The rules classifier by example: the severity, location and time it reads from a message."""

from __future__ import annotations

import pytest

from bot.classifier.rules import RuleClassifier
from handlers.core.classification import TimeHint
from tests.classifier.rules_helpers import staff

# -- severity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("2号楼电梯困人", "major"),  # issue 18 point 1 (was urgent),
        ("2号楼电梯困人，里面老人家好惊，喊救命", "major"),
        ("5号楼8层着火了，浓烟很大", "major"),
        ("垃圾桶冒烟，已扑灭", "major"),  # issue 18 point 1 (was urgent),
        ("烟感误报，已复位", "normal"),
        ("15楼爆管，水浸到电梯口", "major"),
        ("大堂有人晕倒，没有反应", "major"),
        ("停车场一群人打架，有人拿刀", "major"),
        ("两个住户吵架，已劝开", "normal"),
        ("Man collapsed in the gym, unconscious", "major"),
        ("会所厨房起火，已扑灭，无人受伤", "major"),  # issue 18 point 1 (was urgent),
    ],
)
def test_severity(rules: RuleClassifier, text: str, severity: str) -> None:
    assert staff(rules, text).severity == severity


def test_negated_injury_does_not_raise_severity(rules: RuleClassifier) -> None:
    assert staff(rules, "B座门口车辆轻微刮碰，无人受伤").severity == "normal"


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("小孩在会所跌伤了手", "major"),  # issue 18 point 1 (was urgent),
        ("保安和送货司机有推搡", "urgent"),
        ("整个小区突然停电", "urgent"),
        ("今天下午2点到5点全小区停水，已通知业主", "normal"),  # a planned cut
    ],
)
def test_severity_families(rules: RuleClassifier, text: str, severity: str) -> None:
    assert staff(rules, text).severity == severity


def test_minor_injuries_and_small_fires_stay_in_proportion(rules: RuleClassifier) -> None:
    assert staff(rules, "小朋友跌倒擦伤膝头，已包扎").severity == "normal"
    assert staff(rules, "垃圾槽着火 火势不大 已扑灭").severity == "major"  # any fire (issue 18 point 1)
    assert staff(rules, "围墙被暴雨冲到倒塌").severity == "urgent"


# -- location and time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("3栋2单元电梯困人", "3栋2单元"),
        ("5号楼漏水", "5号楼"),
        ("B座1802业主投诉噪音", "B座1802"),
        ("1802室厨房漏水", "1802室"),
        ("地下停车场B2有积水", "地下停车场B2"),
        ("大堂有人晕倒", "大堂"),
        ("机房有异响", "机房"),
        ("Lift stuck at Tower 2", "Tower 2"),
        ("Fire alarm at Block B 12/F", "Block B 12/F"),
        ("天台门没锁", "天台"),
        ("3座12樓有煙", "3座12樓"),  # as typed: the user's words are never converted
    ],
)
def test_location(rules: RuleClassifier, text: str, location: str) -> None:
    assert staff(rules, text).location == location


def test_no_location(rules: RuleClassifier) -> None:
    assert staff(rules, "好的，收到").location is None


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("10:30 大堂有人打架", TimeHint(10, 30)),
        ("10点半发现漏水", TimeHint(10, 30)),
        ("上午10点电梯困人", TimeHint(10, 0)),
        ("晚上11点有人唱K", TimeHint(23, 0)),
        ("昨晚11点有人唱K", TimeHint(23, 0, -1)),
        ("琴晚11點冷氣唔凍", TimeHint(23, 0, -1)),
        ("leak reported at 3pm", TimeHint(15, 0)),
        ("14点20分巡查完毕", TimeHint(14, 20)),
        ("下午三点半停电", TimeHint(15, 30)),
    ],
)
def test_time(rules: RuleClassifier, text: str, hint: TimeHint) -> None:
    assert staff(rules, text).time == hint


def test_no_time_for_room_numbers_and_only_a_day_for_day_words_alone(rules: RuleClassifier) -> None:
    assert staff(rules, "1802室漏水").time is None
    assert staff(rules, "琴晚好嘈").time == TimeHint(None, day_offset=-1)  # the day, no invented hour
