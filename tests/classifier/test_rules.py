"""The rules classifier: accuracy gate on the labelled data set, and behaviour by example."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot.classifier.lexicon import Lexicon, LexiconError
from bot.classifier.normalize import normalize, normalize_pair
from bot.classifier.rules import RuleClassifier
from handlers.classification import Classification, TimeHint
from handlers.taxonomy import CATEGORIES, INTENTS, SEVERITIES

HERE = Path(__file__).resolve().parent


def load(name: str) -> list[dict]:
    with (HERE / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def staff(rules: RuleClassifier, text: str) -> Classification:
    return rules.classify_sync(text, speaker="staff", private=False)


def resident(rules: RuleClassifier, text: str) -> Classification:
    return rules.classify_sync(text, speaker="resident", private=True)


# -- the data set ------------------------------------------------------------------------------


def test_dataset_is_well_formed_and_covers_the_taxonomy() -> None:
    rows = load("dataset.jsonl")
    assert len(rows) >= 300
    assert len({r["text"] for r in rows}) == len(rows)
    for r in rows:
        assert r["intent"] in INTENTS and r["category"] in CATEGORIES and r["severity"] in SEVERITIES, r
        assert r["speaker"] in ("staff", "resident") and isinstance(r["private"], bool), r
    assert {r["intent"] for r in rows} == set(INTENTS)
    assert {r["category"] for r in rows} == set(CATEGORIES)
    assert {r["severity"] for r in rows} == set(SEVERITIES)
    assert any(any("a" <= c.lower() <= "z" for c in r["text"]) for r in rows)  # English
    assert any("嘅" in r["text"] or "咗" in r["text"] for r in rows)  # Cantonese
    assert any(normalize_pair(r["text"])[0] != r["text"] for r in rows if "樓" in r["text"])  # traditional


def test_accuracy_targets_on_the_dataset(rules: RuleClassifier) -> None:
    rows = load("dataset.jsonl")
    got = [rules.classify_sync(r["text"], speaker=r["speaker"], private=r["private"]) for r in rows]
    n = len(rows)
    intent = sum(g.intent == r["intent"] for g, r in zip(got, rows, strict=True)) / n
    category = sum(g.category == r["category"] for g, r in zip(got, rows, strict=True)) / n
    assert intent >= 0.92, intent
    assert category >= 0.85, category


def test_holdout_is_well_formed() -> None:
    rows = load("holdout.jsonl")
    assert len(rows) >= 50
    for r in rows:
        assert r["intent"] in INTENTS and r["category"] in CATEGORIES and r["severity"] in SEVERITIES, r
    assert not {r["text"] for r in rows} & {r["text"] for r in load("dataset.jsonl")}


def test_low_confidence_means_ambiguous(rules: RuleClassifier) -> None:
    rows = load("dataset.jsonl")
    got = [(rules.classify_sync(r["text"], speaker=r["speaker"], private=r["private"]), r) for r in rows]
    high = [(g, r) for g, r in got if g.confidence >= 0.8]
    assert sum(g.intent == r["intent"] for g, r in high) / len(high) >= 0.95
    assert all(0.0 <= g.confidence <= 1.0 for g, _ in got)


def test_speed_is_thousands_per_second(rules: RuleClassifier) -> None:
    texts = [r["text"] for r in load("dataset.jsonl")]
    start = time.perf_counter()
    for _ in range(3):
        for text in texts:
            rules.classify_sync(text, speaker="staff", private=False)
    rate = 3 * len(texts) / (time.perf_counter() - start)
    assert rate > 2000, rate  # the bench (bench/classify_bench.py) measures the real figure


# -- normalisation -----------------------------------------------------------------------------


def test_normalize_folds_script_width_case_and_space() -> None:
    assert normalize("冷氣唔凍") == "冷气唔冻"
    assert normalize("ＢＬＯＣＫ　Ｂ　１２／Ｆ") == "block b 12/f"
    assert normalize("  𨋢  壞咗 ") == "电梯 坏咗"
    cased, low = normalize_pair("Tower 2 大堂")
    assert cased == "Tower 2 大堂" and low == "tower 2 大堂" and len(cased) == len(low)


# -- intents by script -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "category"),
    [
        ("3栋电梯困人，一个人", "incident", "equipment"),
        ("3棟𨋢困人，入面一個人", "incident", "equipment"),
        ("Lift stuck in Tower 1 with one person inside", "incident", "equipment"),
        ("B座地庫水浸", "incident", "water"),
        ("停車場有人打交", "incident", "fight"),
        ("Fire alarm at Block C 9/F", "incident", "fire"),
        ("交更，今晚冇嘢特別", "handover", "other"),
        ("已接更", "takeover", "other"),
        ("接班，钥匙齐", "takeover", "other"),
        ("Handing over to the night shift", "handover", "other"),
        ("借天台鎖匙", "key_borrow", "other"),
        ("天台鎖匙已還", "key_return", "other"),
        ("Returned the plant room key", "key_return", "other"),
        ("巡樓完，一切正常", "patrol_report", "other"),
        ("Patrol done, all normal", "patrol_report", "other"),
    ],
)
def test_staff_messages(rules: RuleClassifier, text: str, intent: str, category: str) -> None:
    got = staff(rules, text)
    assert (got.intent, got.category) == (intent, category), got


@pytest.mark.parametrize(
    ("text", "intent", "category"),
    [
        ("屋企漏水呀", "repair", "water"),
        ("冷氣唔凍，可唔可以派人上嚟", "repair", "equipment"),
        ("屋企冇電", "repair", "power"),
        ("my toilet is blocked", "repair", "water"),
        ("樓上好嘈，成晚唔停", "complaint", "noise"),
        ("我要投诉保安态度差", "complaint", "service"),
        ("The renovation noise next door is unacceptable", "complaint", "construction"),
        ("请问物业费在哪里交", "inquiry", "fees"),
        ("請問停車月卡點樣辦", "inquiry", "parking"),
        ("What time does the management office open?", "inquiry", "other"),
    ],
)
def test_resident_messages(rules: RuleClassifier, text: str, intent: str, category: str) -> None:
    got = resident(rules, text)
    assert (got.intent, got.category) == (intent, category), got


def test_speaker_matters(rules: RuleClassifier) -> None:
    text = "3栋1201厨房漏水"
    assert staff(rules, text).intent == "incident"
    assert resident(rules, text).intent == "repair"
    noise = "1502半夜唱K好嘈"
    assert staff(rules, noise).intent == "incident"
    assert resident(rules, noise).intent == "complaint"


def test_staff_relaying_a_resident_call(rules: RuleClassifier) -> None:
    assert staff(rules, "3栋901业主来电投诉楼上噪音").intent == "complaint"
    assert staff(rules, "1802住户报修卫生间漏水，已派工").intent == "repair"


@pytest.mark.parametrize("text", ["好的", "收到", "收到，谢谢", "吃饭了吗", "👍", "thanks", "唔該晒", "早晨", "哈哈哈"])
def test_chit_chat_is_other(rules: RuleClassifier, text: str) -> None:
    got = staff(rules, text)
    assert (got.intent, got.category, got.severity) == ("other", "other", "normal")
    assert got.confidence >= 0.6  # decisive: no LLM call for a thumbs-up


def test_unknown_text_is_other_with_low_confidence(rules: RuleClassifier) -> None:
    got = staff(rules, "xyzzy qwerty")
    assert got.intent == "other" and got.confidence < 0.6


def test_borrow_then_return_in_one_message_is_a_loan(rules: RuleClassifier) -> None:
    assert staff(rules, "Took the roof key, will return it by 5pm").intent == "key_borrow"
    assert staff(rules, "攞返天台匙，放返入匙箱").intent == "key_return"


# -- severity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("2号楼电梯困人", "urgent"),
        ("2号楼电梯困人，里面老人家好惊，喊救命", "major"),
        ("5号楼8层着火了，浓烟很大", "major"),
        ("垃圾桶冒烟，已扑灭", "urgent"),
        ("烟感误报，已复位", "normal"),
        ("15楼爆管，水浸到电梯口", "major"),
        ("大堂有人晕倒，没有反应", "major"),
        ("停车场一群人打架，有人拿刀", "major"),
        ("两个住户吵架，已劝开", "normal"),
        ("Man collapsed in the gym, unconscious", "major"),
        ("会所厨房起火，已扑灭，无人受伤", "urgent"),
    ],
)
def test_severity(rules: RuleClassifier, text: str, severity: str) -> None:
    assert staff(rules, text).severity == severity


def test_negated_injury_does_not_raise_severity(rules: RuleClassifier) -> None:
    assert staff(rules, "B座门口车辆轻微刮碰，无人受伤").severity == "normal"


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
        ("3座12樓有煙", "3座12楼"),
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


def test_no_time_for_room_numbers_or_day_words_alone(rules: RuleClassifier) -> None:
    assert staff(rules, "1802室漏水").time is None
    assert staff(rules, "琴晚好嘈").time is None


# -- lexicon files -----------------------------------------------------------------------------


def test_site_lexicon_extends_the_rules(tmp_path: Path, rules: RuleClassifier) -> None:
    text = "7座發現有個蜂巢"
    assert staff(rules, text).category != "security"
    (tmp_path / "site.toml").write_text('[category.security]\nstrong = ["蜂巢", "马蜂窝"]\n', encoding="utf-8")
    extended = RuleClassifier.load(tmp_path)
    got = extended.classify_sync(text, speaker="staff", private=False)
    assert (got.intent, got.category) == ("incident", "security")


def test_lexicon_rejects_unknown_codes(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[category.aliens]\nstrong = ["ufo"]\n', encoding="utf-8")
    with pytest.raises(LexiconError):
        Lexicon.from_dirs(tmp_path)


async def test_async_protocol(rules: RuleClassifier) -> None:
    got = await rules.classify("已接班", speaker="staff", private=False)
    assert got.intent == "takeover" and got.source == "rules"


# -- generalisation: event words over place words, phrase families, calibration ------------------


def test_holdout2_is_well_formed_and_separate() -> None:
    rows = load("holdout2.jsonl")
    assert len(rows) >= 100
    for r in rows:
        assert r["intent"] in INTENTS and r["category"] in CATEGORIES and r["severity"] in SEVERITIES, r
        assert r["speaker"] in ("staff", "resident") and isinstance(r["private"], bool), r
    assert {r["intent"] for r in rows} == set(INTENTS)
    assert {r["category"] for r in rows} == set(CATEGORIES)
    seen = {r["text"] for r in load("dataset.jsonl")} | {r["text"] for r in load("holdout.jsonl")}
    # Written independently; two chit-chat lines ("辛苦晒各位", "🙏🙏") happen to match tuned ones.
    assert all(r["intent"] == "other" for r in rows if r["text"] in seen)
    assert sum(r["text"] in seen for r in rows) <= 2


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("车库有人摔伤了", "medical"),  # place 车库 vs event 摔伤
        ("停車場有個阿伯暈倒", "medical"),
        ("垃圾房冒烟", "fire"),
        ("Man collapsed in the car park", "medical"),
        ("车库入口被一辆车堵住", "parking"),  # a place alone still names its category
        ("地下车库进水了", "water"),
        ("凌晨有陌生男子在门铃旁边徘徊", "security"),  # a working doorbell is where, not what
        ("电梯大堂有人打架", "fight"),
    ],
)
def test_event_words_outrank_place_words(rules: RuleClassifier, text: str, category: str) -> None:
    assert staff(rules, text).category == category


def test_place_words_lower_the_confidence(rules: RuleClassifier) -> None:
    assert staff(rules, "车库有人摔伤了").confidence < staff(rules, "大堂有人摔伤了").confidence


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("夜班保安醉酒上班", "staff_violation"),  # not the drunkenness inside the phrase
        ("保安上班喝醉了", "staff_violation"),
        ("12楼装修工人把水泥倒进了下水道", "construction"),  # 水泥 is not water
    ],
)
def test_a_phrase_naming_its_category_decides_it(rules: RuleClassifier, text: str, category: str) -> None:
    assert staff(rules, text).category == category


def test_fee_words_win_over_the_fee_subject(rules: RuleClassifier) -> None:
    assert (resident(rules, "停车费又涨价了").intent, resident(rules, "停车费又涨价了").category) == (
        "complaint",
        "fees",
    )


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("小孩在会所跌伤了手", "urgent"),
        ("保安和送货司机有推搡", "urgent"),
        ("整个小区突然停电", "urgent"),
        ("今天下午2点到5点全小区停水，已通知业主", "normal"),  # a planned cut
    ],
)
def test_severity_families(rules: RuleClassifier, text: str, severity: str) -> None:
    assert staff(rules, text).severity == severity


def test_key_loans_naming_rooms_are_confident(rules: RuleClassifier) -> None:
    got = staff(rules, "配电房钥匙借给电工")
    assert got.intent == "key_borrow" and got.confidence >= 0.8
    assert staff(rules, "天台门钥匙工程部已送回").intent == "key_return"


def test_patrol_with_a_minor_finding_is_a_patrol_report(rules: RuleClassifier) -> None:
    got = staff(rules, "巡查完毕 3栋走廊灯坏了 其他正常")
    assert (got.intent, got.category) == ("patrol_report", "equipment")
    assert staff(rules, "Fire patrol 04:00 done, no issues").category == "other"


def test_frequency_alone_is_not_a_grievance(rules: RuleClassifier) -> None:
    assert resident(rules, "客厅的灯经常闪").intent == "repair"
    assert resident(rules, "楼上漏水到我家两个月了，你们一直拖着").intent == "complaint"


def test_cantonese_takeover_forms(rules: RuleClassifier) -> None:
    assert staff(rules, "接咗更，冇問題").intent == "takeover"


def test_an_event_of_unknown_kind_has_low_confidence(rules: RuleClassifier) -> None:
    got = staff(rules, "B座有情况，大家过来看看")
    assert got.category == "other" and got.confidence < 0.6


def test_place_tables_are_checked(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[place.garden]\nstrong = ["花园"]\n', encoding="utf-8")
    with pytest.raises(LexiconError):
        Lexicon.from_dirs(tmp_path)


# -- one-tap corrections: ranked alternative categories --------------------------------------------


def test_alternatives_name_the_competing_evidence(rules: RuleClassifier) -> None:
    got = staff(rules, "车库有人摔倒受伤")
    assert got.category == "medical" and "parking" in got.alternatives
    got = resident(rules, "楼上漏水到我家天花，装修搞的")
    assert got.category == "water" and "construction" in got.alternatives


@pytest.mark.parametrize("text", ["3栋12楼走廊烟感报警，保安已上去查看", "收到", "asdf qwer"])
def test_no_alternatives_without_competing_evidence(rules: RuleClassifier, text: str) -> None:
    assert staff(rules, text).alternatives == ()


def test_key_loans_offer_no_alternatives(rules: RuleClassifier) -> None:
    assert staff(rules, "配电房钥匙借给电工").alternatives == ()


def test_alternatives_are_ranked_distinct_codes_never_the_choice(rules: RuleClassifier) -> None:
    rows = load("dataset.jsonl") + load("holdout.jsonl") + load("holdout2.jsonl")
    some = 0
    for r in rows:
        got = rules.classify_sync(r["text"], speaker=r["speaker"], private=r["private"])
        alts = got.alternatives
        assert len(alts) <= 3 and len(set(alts)) == len(alts), (r["text"], alts)
        assert got.category not in alts and all(a in CATEGORIES for a in alts), (r["text"], alts)
        some += bool(alts)
    assert some >= 20  # competing evidence is common in real messages


def test_alternatives_stay_out_of_the_cli_json(rules: RuleClassifier) -> None:
    got = staff(rules, "车库有人摔倒受伤")
    contract = {"intent", "category", "severity", "confidence", "source", "location"}
    assert got.alternatives and set(got.as_json()) <= contract


# -- round 3: household fixtures, Cantonese shift words, seepage, removals, overcharging ----------


def test_holdout3_is_well_formed_and_separate() -> None:
    rows = load("holdout3.jsonl")
    assert len(rows) >= 100
    for r in rows:
        assert r["intent"] in INTENTS and r["category"] in CATEGORIES and r["severity"] in SEVERITIES, r
        assert r["speaker"] in ("staff", "resident") and isinstance(r["private"], bool), r
    assert {r["intent"] for r in rows} == set(INTENTS)
    assert {r["category"] for r in rows} == set(CATEGORIES)
    seen = {r["text"] for name in ("dataset.jsonl", "holdout.jsonl", "holdout2.jsonl") for r in load(name)}
    assert not {r["text"] for r in rows} & seen


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("门钟坏咗", "equipment"),
        ("热水器点不着火", "equipment"),  # not a fire
        ("洗手间的排气扇不转了", "equipment"),  # 洗手间 is not hygiene
        ("阳台的窗关不上", "equipment"),
        ("客厅天花有水渗落嚟", "water"),
        ("水龙头一直漏", "water"),
    ],
)
def test_household_fixtures_are_repairs(rules: RuleClassifier, text: str, category: str) -> None:
    got = resident(rules, text)
    assert (got.intent, got.category) == ("repair", category)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("李师傅已接岗", "takeover"),
        ("我接咗早更", "takeover"),
        ("中班交接 冇特別事", "handover"),
        ("巡咗一轉 冇異常", "patrol_report"),
        ("巡查发现B座防火门关不上，已报工程", "patrol_report"),  # a fault found on patrol
        ("夜班巡查发现保安在岗亭睡觉", "incident"),  # a violation found on patrol is not routine
        ("借出嘅会所锁匙还咗", "key_return"),  # 借出嘅 describes the key
    ],
)
def test_cantonese_shift_and_key_forms(rules: RuleClassifier, text: str, intent: str) -> None:
    assert staff(rules, text).intent == intent


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("健身室部跑步机被人拆走咗", "theft"),
        ("有住户偷偷搬走咗", "move"),  # 偷偷 is "secretly", not theft
        ("管理费单多收咗我一个月", "fees"),
        ("两个司机为咗车位打起上嚟", "fight"),  # the fight, not its subject
    ],
)
def test_removals_overcharging_and_fights(rules: RuleClassifier, text: str, category: str) -> None:
    assert staff(rules, text).category == category


def test_burglary_reported_by_a_resident_is_an_urgent_incident(rules: RuleClassifier) -> None:
    got = resident(rules, "我屋企俾人爆格")
    assert (got.intent, got.category, got.severity) == ("incident", "theft", "urgent")


def test_questions_in_yes_no_form_are_inquiries(rules: RuleClassifier) -> None:
    assert resident(rules, "搬出要不要开放行条").intent == "inquiry"
    assert resident(rules, "对面每天早上6点就装修，还要不要人睡觉").intent == "complaint"  # rhetorical


def test_minor_injuries_and_small_fires_stay_in_proportion(rules: RuleClassifier) -> None:
    assert staff(rules, "小朋友跌倒擦伤膝头，已包扎").severity == "normal"
    assert staff(rules, "垃圾槽着火 火势不大 已扑灭").severity == "urgent"
    assert staff(rules, "围墙被暴雨冲到倒塌").severity == "urgent"


def test_small_talk_next_to_record_words_is_not_confident(rules: RuleClassifier) -> None:
    assert staff(rules, "收到").confidence >= 0.6
    got = staff(rules, "早晨 钥匙齐全")
    assert got.intent != "other" or got.confidence < 0.6
