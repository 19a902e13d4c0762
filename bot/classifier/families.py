"""The word families of the rules: what the words are about decides, not the nouns around them.

- **Event beats place and object.**  A car, a bay or a car park is where a theft, a leak or a fire
  happened: without a parking act (停在, 霸位, parked…) the parking evidence counts a third next to
  an event ("10栋地下车库B2-035车位业主报电动车被盗" is a theft).
- **Injury from a fight is a fight.**  Next to a fight, injury words (流血, 受伤) count a third for
  ``medical`` ("两名住户打架，一人头部流血").
- **A blocked fire exit is a safety problem** (``security``), unless a vehicle blocks it (parking);
  the junk that blocks it is the cause, not a sanitation problem.
- **Notices, drills and plans are not events.**  A drill (演练, drill), or planned works (检修, 保养,
  停用, maintenance…) on a future day (明天, 下周三, next Monday, 今晚8点), posted by staff without a
  question and without 发现, announces something: intent ``other``; a drill's category is ``other``,
  a planned outage keeps its own (water, power…) so ``/log`` files it right.
- **Questions about shifts are questions.**  "明天早上8点接班的是谁？": a question with 谁/边个/who or
  a future day makes the shift words (接班, 交班) count a third.
- **Emergencies are major, however they are worded.**  A fire (火警, 着火, 冒烟, smoke…), an explosion,
  a gas leak (煤气味), people trapped (被困, 困𨋢), an injury, a collapse or a death (受伤, 晕倒, 死亡), a
  flooded plant room (机房/泵房/配电房 + 水浸), or the police called (报警, 999, 110) make the event
  ``major`` (``lexicon/45_emergencies.toml``).  Not when negated (无人受伤), not a false alarm (误报)
  unless a fire word stands too, and an injury said to be minor (擦伤, 已包扎) alone stays ``urgent``.
- **A complaint about staff is about the service.**  A guard, a receptionist or a cleaner who
  shouts, swears or is rude: ``service``, the noise words (大吼大叫, shouted) count a third.
- **No hot water is a fault of the heater** (``equipment``), not a leak.
- **The maintenance fund is money** (``fees``), and asking to see its accounts is an inquiry.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from handlers.core.classification import TimeHint

# Categories that name something that happened and beat the place or object they happened at.
_EVENTS_OVER_OBJECTS = frozenset({"theft", "fire", "water", "power", "medical", "fight", "security", "weather"})
OBJECT_WEIGHT_WITH_EVENT = 0.3
INJURY_WEIGHT_WITH_FIGHT = 0.3
BLOCKED_EXIT_WEIGHT = 4.0
SHIFT_WEIGHT_IN_QUESTION = 0.3
NOTICE_WEIGHT = 3.0


def weigh_events(category: MutableMapping[str, float], signals: Mapping[str, int]) -> bool:
    """Fold the round-4 families into the category scores; True when a judgement call was made."""
    contested = False
    parking = category.get("parking", 0.0)
    vehicle_blocks = parking >= 2.0
    if signals.get("fire_exit") and signals.get("blocked") and not signals.get("parking_act") and not vehicle_blocks:
        category["security"] = category.get("security", 0.0) + BLOCKED_EXIT_WEIGHT
        if category.get("sanitation"):
            category["sanitation"] *= OBJECT_WEIGHT_WITH_EVENT
        contested = True
    if parking and not signals.get("parking_act"):
        event = max((v for c, v in category.items() if c in _EVENTS_OVER_OBJECTS), default=0.0)
        if event >= 2.0:
            # Where evidence does not add up ("车位" + "电动车" is still one place): capped, then a third.
            category["parking"] = min(parking, 3.0) * OBJECT_WEIGHT_WITH_EVENT
            contested = True
    if category.get("fight", 0.0) >= 2.0 and category.get("medical"):
        category["medical"] *= INJURY_WEIGHT_WITH_FIGHT
        contested = True
    return contested


# The families of the hard rule (the signals of lexicon/45_emergencies.toml and 20_signals.toml).
EMERGENCY_SIGNALS = ("fire_event", "explosion", "gas_leak", "trapped", "injury", "collapse", "death", "police")
# An injury said to be minor (擦伤, 已包扎) with nothing else of the families stays urgent.
_SOFT_FAMILIES = frozenset({"injury"})


def emergencies(signals: Mapping[str, int]) -> frozenset[str]:
    """The emergency families the text names: any of them makes the event ``major``."""
    found = {name for name in EMERGENCY_SIGNALS if signals.get(name)}
    if signals.get("plant_room") and (signals.get("flood") or signals.get("standing_water")):
        found.add("plant_flood")
    if signals.get("false_alarm") and not (found - {"fire_event"}) and not signals.get("spread"):
        found.discard("fire_event")  # "烟感误报", "false alarm, no fire"
    if signals.get("minor") and found and found <= _SOFT_FAMILIES:
        return frozenset()
    return frozenset(found)


STAFF_CONDUCT_WEIGHT = 4.0
NOISE_WEIGHT_WITH_STAFF = 0.3


def weigh_staff_conduct(category: MutableMapping[str, float], signals: Mapping[str, int]) -> bool:
    """A guard who shouts at a resident is a service complaint, not noise."""
    if not (signals.get("staff_person") and signals.get("rude")):
        return False
    category["service"] = category.get("service", 0.0) + STAFF_CONDUCT_WEIGHT
    if category.get("noise"):
        category["noise"] *= NOISE_WEIGHT_WITH_STAFF
    if category.get("security"):
        category["security"] *= NOISE_WEIGHT_WITH_STAFF  # 保安 is who, not a security problem
    return True


LEAK_WEIGHT_WITHOUT_HOT_WATER = 0.3


def weigh_heater(category: MutableMapping[str, float], signals: Mapping[str, int]) -> None:
    """No hot water is the heater's fault: the water words around it (tap, shower) count a third."""
    if signals.get("no_hot_water") and category.get("water"):
        category["water"] *= LEAK_WEIGHT_WITHOUT_HOT_WATER


def is_future(hint: TimeHint | None, signals: Mapping[str, int]) -> bool:
    """The text names a day or an hour still to come (明天, 周三, 下周, 今晚8点, next Monday)."""
    if signals.get("future"):
        return True
    if hint is None:
        return False
    if hint.weekday is not None:
        return hint.week_offset >= 0
    return hint.day_offset > 0 or (hint.said_today and hint.hour is not None)


def is_notice(signals: Mapping[str, int], *, future: bool) -> bool:
    """A drill, or planned works on a future day, reported by nobody (no 发现, no question)."""
    if signals.get("question") or signals.get("found"):
        return False
    return bool(signals.get("drill") or (signals.get("planned") and future))


def asks_about_shift(signals: Mapping[str, int], *, future: bool) -> bool:
    """ "明天早上8点接班的是谁？" asks who takes over; it is not a takeover."""
    return bool(signals.get("question") and (signals.get("who") or future))
