"""The word families of the rules, each with the issue's own example and its neighbours.

Event beats place; injury from a fight is a fight; notices, drills and plans are not events;
questions about shifts are questions; a blocked fire exit is a safety problem.
"""

from __future__ import annotations

import pytest

from bot.classifier.rules import RuleClassifier
from handlers.core.classification import Classification


def staff(rules: RuleClassifier, text: str) -> Classification:
    return rules.classify_sync(text, speaker="staff", private=False)


def resident(rules: RuleClassifier, text: str) -> Classification:
    return rules.classify_sync(text, speaker="resident", private=True)


@pytest.mark.parametrize(
    "text",
    [
        "10栋地下车库B2-035车位业主报电动车被盗",
        "2栋地下停车场B1-020车位一辆电单车被偷",
        "停車場B1-09車位架單車俾人偷咗",
    ],
)
def test_theft_at_a_bay_is_theft_not_parking(rules: RuleClassifier, text: str) -> None:
    got = staff(rules, text)
    assert (got.intent, got.category) == ("incident", "theft")
    assert "parking" in got.alternatives  # the place stays one tap away


def test_the_bay_code_is_kept_whole_in_the_location(rules: RuleClassifier) -> None:
    assert staff(rules, "10栋地下车库B2-035车位业主报电动车被盗").location == "10栋地下车库B2-035车位"
    assert staff(rules, "地庫B2-078車位架車玻璃爆咗").location == "地庫B2-078車位"  # as typed
    assert staff(rules, "Water dripping onto bay B1-044").location == "bay B1-044"


def test_a_parking_act_at_a_bay_is_still_parking(rules: RuleClassifier) -> None:
    assert staff(rules, "B1-077车位被一辆外来车占了 业主停不了").category == "parking"
    assert staff(rules, "有辆车停在消防通道上，已贴告示联系车主").category == "parking"


def test_resident_reporting_a_theft_is_an_incident(rules: RuleClassifier) -> None:
    assert resident(rules, "我停在地库B2的电动车电瓶被人偷了").intent == "incident"
    # a grievance about thefts stays a complaint
    assert resident(rules, "我家门口的快递老是不见 你们监控也不查").intent == "complaint"


@pytest.mark.parametrize(
    "text",
    [
        "两名住户打架，一人头部流血",
        "3栋门口两个人打架 一个额头受伤流血 已报警",
        "a resident was punched in the lift lobby, bleeding from the nose, police called",
    ],
)
def test_injury_from_a_fight_is_a_fight(rules: RuleClassifier, text: str) -> None:
    got = staff(rules, text)
    # an injury is major (issue 18 point 1; it was urgent before round 5)
    assert (got.intent, got.category, got.severity) == ("incident", "fight", "major")


def test_a_fall_without_a_fight_is_still_medical(rules: RuleClassifier) -> None:
    assert staff(rules, "大堂有位伯伯跌倒 头部流血 已叫救护车").category == "medical"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("电梯困人演练明天上午10点进行", "other"),
        ("下周二下午3点消防演练 请各岗位准时到场", "other"),
        ("Lift rescue drill tomorrow 10am at Tower 2, all guards please attend", "other"),
        ("明天上午9点 3栋停水检修", "water"),
        ("下周一凌晨1点至5点全小区停电检修 请提前通知业主", "power"),
        ("明天下午电梯公司来保养 3号梯停用", "equipment"),
    ],
)
def test_notices_drills_and_plans_are_not_events(rules: RuleClassifier, text: str, category: str) -> None:
    got = staff(rules, text)
    assert (got.intent, got.category, got.severity) == ("other", category, "normal")


def test_the_same_words_today_or_found_are_events(rules: RuleClassifier) -> None:
    assert staff(rules, "3栋电梯困人 两个人 已通知维保").intent == "incident"
    assert staff(rules, "今天下午2点到5点全小区停水，已在群里通知业主").intent == "incident"
    assert staff(rules, "明天检修时发现3栋水管裂了").intent == "incident"


@pytest.mark.parametrize(
    "text",
    [
        "明天早上8点接班的是谁？",
        "今晚接夜班的是谁",
        "听日边个接早更？",
        "who is taking over the night shift on Friday?",
    ],
)
def test_questions_about_shifts_are_questions(rules: RuleClassifier, text: str) -> None:
    assert staff(rules, text).intent == "inquiry"


def test_takeovers_are_still_takeovers(rules: RuleClassifier) -> None:
    assert staff(rules, "已接班").intent == "takeover"
    assert staff(rules, "夜班小陈已到岗接班").intent == "takeover"


@pytest.mark.parametrize(
    "text",
    [
        "巡查发现消防通道被堵",
        "巡楼发现5栋消防通道堆放杂物 已通知业主清走",
        "patrol found the fire exit on 6/F blocked by boxes, cleared",
    ],
)
def test_patrol_finding_a_blocked_fire_exit(rules: RuleClassifier, text: str) -> None:
    got = staff(rules, text)
    assert (got.intent, got.category, got.severity) == ("patrol_report", "security", "normal")


def test_a_vehicle_in_the_fire_exit_is_parking(rules: RuleClassifier) -> None:
    got = staff(rules, "巡查发现消防通道停了一辆私家车 已联系车主")
    assert (got.intent, got.category) == ("patrol_report", "parking")
