"""The regulations' numbers as policy settings: a default, the clause it comes from, and a site
override (``Site.policy``). The documents disagree on many numbers, so none is hard-coded elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from handlers.core.i18n import Translator


@dataclass(frozen=True, slots=True)
class Policy:
    # Major event: report up the chain at once, no delay, no concealing (000 L151; 001). The repeat
    # interval until someone acknowledges is the foundation issue's default.
    escalation_repeat_minutes: float = 10
    # Major event: a written report the next day (000 L144; 001 L479); reminded each morning until filed.
    report_reminder_hour: int = 9
    # Urgent (紧急) event: fires, illness, people stuck in a lift are reported at once (000 L131, L258,
    # L309): the on-duty supervisor is pinged at once and again at this interval until someone
    # acknowledges (the interval is our default; the clauses say "at once", 及时).
    urgent_repeat_minutes: float = 15
    # The written report of a major event: within 24 hours, with photos and the losses (001 L819),
    # to the customer-service manager (000 L144) and the GM (001 L479); past this, the managers are told.
    written_report_hours: float = 24
    # Free text in the duty group below this classifier confidence gets no draft card (chit-chat).
    draft_min_confidence: float = 0.55
    # Invite links are one-time and expire.
    invite_valid_hours: int = 72
    # Handover is forbidden while a major or emergency incident is open (000 L131; 002 L99-100);
    # a supervisor or above may override it with a reason.
    handover_block_on_major: bool = True
    # The incoming person arrives this long before the shift starts (002 L23 "接班人員提前15分鐘到崗";
    # 000 L256 says 10). Quoted in the incoming reminder and its rule line.
    arrive_early_minutes: int = 15
    # The incoming person is reminded, in private, this long before that arrival time (not at it),
    # so there is time to get there. Our default; no clause sets it.
    incoming_reminder_minutes: int = 30
    # The outgoing person may not leave until someone takes over (002 L22; 000 L152; 001 L495):
    # reminded, with the supervisors, this long after the shift's end, and again as often.
    takeover_grace_minutes: int = 15
    # Next month's roster by the 25th (002 L10; 004 says month end): supervisors reminded from this
    # day, daily, at roster_reminder_hour; managers too on the month's last day.
    roster_due_day: int = 25
    roster_reminder_hour: int = 9
    # Leave and swaps are approved by a supervisor beforehand (000 L127; 002 L17), asked a day ahead
    # (004 L220 XIV "提前一天"): a later request still reaches the supervisor, marked as late.
    leave_notice_hours: int = 24
    # At least one manager (管理人员: a supervisor or above) on duty every night, 20:00-06:00 (004 L126
    # §1.2, §2.2), and on every holiday marked in the roster file (004 L126 §1.1; 000 L147): a roster
    # that leaves one without is reported when it is loaded.
    roster_night_oncall: bool = True
    oncall_night_start_hour: int = 20
    oncall_night_end_hour: int = 6
    # The duty log is signed by the manager every day (000 L116); supervisors read it daily (002 L21).
    # The duty day ends at this hour the next morning, when it is sent; reminded daily until signed.
    daylog_hour: int = 8

    # Keys: a loan is returned the same day ("当天借当天还", 001 L1041, L1335); due at this hour, site
    # time (a loan made later is due at the end of that day).
    key_due_hour: int = 18
    # An overdue key: the borrower and the duty group are pinged at the due time, the supervisors
    # each morning at this hour until it is returned (001 L291 "对未收回的钥匙要查明原因").
    key_overdue_morning_hour: int = 9
    # The key register checked daily (000 L514, L571): the daily key report to the duty group.
    key_report_hour: int = 21
    # Outside borrowers need a leader's signature (001 L1043): a supervisor approves first.
    key_external_approval: bool = True
    # Sealed (custody) keys (000 L506): the CS manager asks the general manager, who approves (a site's
    # admin is its GM; a site with none falls back to the manager alone, recorded on the loan), and
    # two customer-service staff and a guard are present.
    key_sealed_witnesses: int = 2
    key_sealed_guards: int = 1
    key_sealed_gm_approval: bool = True

    # Tickets. The promised deadline (处理时限) told to the resident (001 L901), by kind and urgency;
    # the hours are this defaults, the documents give none except the 15 minutes below.
    ticket_hours_complaint: float = 48
    ticket_hours_repair: float = 24
    ticket_hours_inquiry: float = 8
    ticket_hours_urgent: float = 4
    ticket_hours_vip: float = 2  # 特急, pursued until the resident is satisfied (000 L37)
    # Every repair notice: repair staff on site within 15 minutes (001 L1113, L1123), urgent or not.
    ticket_onsite_minutes: float = 15
    # A complaint not resolved at once is followed up every 2 days until resolved (001 L905).
    ticket_followup_days: float = 2
    # …and the resident is told the progress each time (001 L905 "说明情况，告知处理进程"): the handler's
    # line (a reply to the reminder) is awaited this long, then the resident gets a status message.
    ticket_progress_wait_hours: float = 4
    # Callback (回访) due: complaints within 3 days of resolution (003 L63); emergency repairs at once
    # (003 L63), so the resident's rating is awaited only this long before staff phone.
    callback_due_days: float = 3
    callback_urgent_minutes: float = 60
    # Without the resident's rating this long after asking, the callback becomes a phone task.
    callback_answer_hours: float = 24
    # A second complaint about the same category within this many days counts as repeated. The site's
    # own rule: no regulation defines a repeated complaint or its window (000 L88 is the complaint's
    # intake, 《客戶信息登記表》).
    repeat_complaint_days: float = 30
    # Resident messages a minute before the rest are held back (and relayed in one batch later).
    resident_messages_per_minute: int = 10

    # Patrols (000 L451; 001 L543, L811, L813). A round not started this long after it falls due gets
    # a reminder in the duty group (the guard-tour "grace period for late notification", 15 minutes
    # by default, peers.md §7); a plan may set its own.
    patrol_grace_minutes: int = 15
    # Not done this long after that reminder, it goes to the supervisors in private: what stays
    # unfinished is reported up (001 L551 P15), slackness is not let pass (001 L823).
    patrol_escalate_minutes: int = 15
    # A finding's incident closed: the group is reminded of the on-site re-check this often until
    # someone confirms it (001 L551 P15 复查; L1357 verify on site after the fix).
    patrol_recheck_repeat_minutes: int = 60
    # A shared location proves a checkpoint within this many metres, unless the checkpoint sets its
    # own radius (guard-tour GPS checkpoints advise 15-20 m accuracy; phones indoors do worse).
    patrol_radius_m: int = 50
    # The handover report lists the late and missed rounds due within this many hours.
    patrol_handover_hours: int = 12
    # The supervisor's weekly 签阅: the patrol records with the problems' completion (001 L553) and
    # the callback records (003 L63 §4.4, weekly). A review week ends on this weekday (0 = Monday)
    # at this hour, site time, when it is sent; reminded this often until a supervisor signs it.
    review_weekday: int = 0
    review_hour: int = 9
    review_reminder_hours: int = 24

    # Reports: last month's statistics to the managers and supervisors on the 1st at this hour, site
    # time (000 L95-97: monthly compilation and statistics to the superior; 003 L23, L39, L63).
    monthly_report_hour: int = 9

    # The shift digest to the managers (handlers.digest), the team's own rule (no clause: 000 L95-97
    # asks for a monthly compilation, not this one): at the end of each rostered shift; on a day
    # with no rostered shift ending, at this hour and every this many hours after it, site time.
    digest_first_hour: int = 8
    digest_every_hours: int = 12

    # Operational, from no regulation: an update that failed (or ended the bot's process) this many
    # times is set aside, its sender told once, so one bad update cannot stop the desk.
    # A duty group's site may set its own; a private chat (or an update that cannot be read) uses this.
    inbox_max_attempts: int = 3
    # File imports (roster, keys, patrol plans): operational caps, from no clause. A file over any of
    # them is refused with one line naming the cap, so one upload cannot take the bot's memory or
    # time from the other chats. Blank rows count; cells are every cell the file stores.
    import_max_kb: int = 2048
    import_max_rows: int = 5000
    import_max_columns: int = 30
    import_max_cells: int = 200_000

    @classmethod
    def known(cls) -> dict[str, Any]:
        """Every setting with its default."""
        base = cls()
        return {f.name: getattr(base, f.name) for f in fields(cls)}

    @classmethod
    def for_site(cls, overrides: dict[str, Any] | None) -> Policy:
        """Defaults with a site's overrides applied; unknown or ill-typed keys are ignored."""
        base = cls()
        if not overrides:
            return base
        known = {f.name: type(getattr(base, f.name)) for f in fields(cls)}
        clean: dict[str, Any] = {}
        for key, value in overrides.items():
            kind = known.get(key)
            if kind is None:
                continue
            try:
                clean[key] = parse_value(kind, value)
            except (TypeError, ValueError):
                continue
        return replace(base, **clean)


# The clause each setting comes from, shown by `dutydesk policy show` beside its meaning (the
# catalogues' ``policy.meaning.<setting>``, in the operator's language): regulation numbers only, so
# they read the same in every language; "" when no regulation sets the number (our default, or an
# operational cap: the meaning says which). Add one, and a meaning, with every field.
CLAUSES: dict[str, str] = {
    "escalation_repeat_minutes": "000 L151",
    "report_reminder_hour": "000 L144; 001 L479",
    "draft_min_confidence": "",
    "invite_valid_hours": "",
    "handover_block_on_major": "000 L131; 002 L99-100",
    "arrive_early_minutes": "002 L23; 000 L256",
    "incoming_reminder_minutes": "",
    "takeover_grace_minutes": "002 L22; 000 L152; 001 L495",
    "roster_due_day": "002 L10; 004",
    "roster_reminder_hour": "002 L10",
    "daylog_hour": "000 L116; 002 L21",
    "key_due_hour": "001 L1041, L1335",
    "key_overdue_morning_hour": "001 L291",
    "key_report_hour": "000 L514, L571",
    "key_external_approval": "001 L1043",
    "key_sealed_witnesses": "000 L506",
    "key_sealed_guards": "000 L506",
    "key_sealed_gm_approval": "000 L506",
    "ticket_hours_complaint": "001 L901",
    "ticket_hours_repair": "001 L901",
    "ticket_hours_inquiry": "001 L901",
    "ticket_hours_urgent": "001 L901",
    "ticket_hours_vip": "000 L37",
    "ticket_onsite_minutes": "001 L1113",
    "ticket_followup_days": "001 L905",
    "callback_due_days": "003 L63",
    "callback_urgent_minutes": "003 L63",
    "callback_answer_hours": "",
    "repeat_complaint_days": "",
    "resident_messages_per_minute": "",
    "patrol_grace_minutes": "000 L451",
    "patrol_escalate_minutes": "001 L551, L823",
    "patrol_recheck_repeat_minutes": "001 L551, L1357",
    "patrol_radius_m": "",
    "patrol_handover_hours": "",
    "review_weekday": "003 L63 §4.4",
    "review_hour": "001 L553; 003 L63 §4.4",
    "review_reminder_hours": "001 L553",
    "urgent_repeat_minutes": "000 L131, L258, L309",
    "written_report_hours": "001 L819; 000 L144; 001 L479",
    "leave_notice_hours": "004 L220 XIV; 000 L127; 002 L17",
    "roster_night_oncall": "004 L126",
    "oncall_night_start_hour": "004 L126",
    "oncall_night_end_hour": "004 L126",
    "ticket_progress_wait_hours": "001 L905",
    "monthly_report_hour": "000 L95-97; 003 L23, L39, L63",
    "digest_first_hour": "",
    "digest_every_hours": "",
    "inbox_max_attempts": "",
    "import_max_kb": "",
    "import_max_rows": "",
    "import_max_columns": "",
    "import_max_cells": "",
}
# Settings whose value must lie in a range (inclusive); other numbers must not be negative.
BOUNDS: dict[str, tuple[float, float]] = {
    "report_reminder_hour": (0, 23),
    "roster_reminder_hour": (0, 23),
    "daylog_hour": (0, 23),
    "roster_due_day": (1, 28),
    "leave_notice_hours": (0, 24 * 14),
    "oncall_night_start_hour": (0, 23),
    "oncall_night_end_hour": (0, 23),
    "draft_min_confidence": (0, 1),
    "arrive_early_minutes": (0, 120),
    "incoming_reminder_minutes": (0, 720),
    "takeover_grace_minutes": (1, 720),
    "escalation_repeat_minutes": (1, 1440),
    "urgent_repeat_minutes": (1, 1440),
    "written_report_hours": (1, 168),
    "key_due_hour": (0, 23),
    "key_overdue_morning_hour": (0, 23),
    "key_report_hour": (0, 23),
    "key_sealed_witnesses": (1, 5),
    "key_sealed_guards": (0, 3),
    "patrol_grace_minutes": (0, 720),
    "patrol_escalate_minutes": (1, 720),
    "patrol_recheck_repeat_minutes": (1, 1440),
    "patrol_radius_m": (5, 5000),
    "patrol_handover_hours": (1, 72),
    "review_weekday": (0, 6),
    "review_hour": (0, 23),
    "review_reminder_hours": (1, 168),
    "resident_messages_per_minute": (1, 600),
    "ticket_progress_wait_hours": (0.25, 48),
    "monthly_report_hour": (0, 23),
    "digest_first_hour": (0, 23),
    "digest_every_hours": (1, 24),
    "inbox_max_attempts": (1, 20),
    "import_max_kb": (1, 20 * 1024),  # Telegram lets a bot download files up to 20 MB
    "import_max_rows": (1, 100_000),
    "import_max_columns": (1, 200),
    "import_max_cells": (1, 2_000_000),
}
_TRUE, _FALSE = ("true", "on", "yes", "1"), ("false", "off", "no", "0")


def parse_value(kind: type, value: Any) -> Any:
    """A setting's value as its type; booleans also from true/false, on/off, yes/no, 1/0."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{value!r} is not true or false")
    if kind is int and isinstance(value, str):
        return int(value.strip())
    return kind(value)


class SettingError(ValueError):
    """A policy value refused: ``key`` (``policy.bad.*``) and ``params`` say what was wrong, and
    ``allowed`` (see :func:`allowed`) what the setting accepts, in the reader's language
    (``text(t)``); ``str()`` is the English one."""

    def __init__(self, key: str, /, *, allowed: tuple[str, dict[str, object]] | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.allowed = allowed
        self.params = params

    def __str__(self) -> str:
        return self.text(Translator("en"))

    def text(self, t: Translator) -> str:
        said = t(self.allowed[0], **self.allowed[1]) if self.allowed else ""
        return t(self.key, allowed=said, **self.params)


def allowed(key: str) -> tuple[str, dict[str, object]]:
    """What ``key`` accepts, as a catalogue key and its values: true/false, or a number (whole or
    not) within its bounds."""
    kind = type(Policy.known()[key])
    if kind is bool:
        return "policy.allowed.bool", {}
    low, high = BOUNDS.get(key, (0, float("inf")))
    whole = "whole" if kind is int else "number"
    if high == float("inf"):
        return f"policy.allowed.{whole}_from", {"low": f"{low:g}"}
    return f"policy.allowed.{whole}_between", {"low": f"{low:g}", "high": f"{high:g}"}


def parse_setting(key: str, raw: str) -> Any:
    """The value to store for ``key``; :class:`SettingError` saying what is allowed for an unknown
    key or a bad value."""
    import difflib

    defaults = Policy.known()
    if key not in defaults:
        near = difflib.get_close_matches(key, defaults, n=1)
        raise SettingError("policy.bad.unknown_near" if near else "policy.bad.unknown", setting=key, near="".join(near))
    kind = type(defaults[key])
    what, values = allowed(key)
    try:
        value = parse_value(kind, raw)
    except (TypeError, ValueError):
        raise SettingError("policy.bad.value", setting=key, raw=raw, allowed=(what, values)) from None
    if kind is not bool:
        low, high = BOUNDS.get(key, (0, float("inf")))
        if not low <= value <= high:
            raise SettingError("policy.bad.value", setting=key, raw=raw, allowed=(what, values))
    return value
