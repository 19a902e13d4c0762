"""The tables (SPEC §2), one module per feature. Telegram ids are BIGINT; times are naive UTC (see
storage.clock). Import them from here: ``from storage.models import Incident``."""

from storage.models.base import table_of
from storage.models.digest import DigestChoice
from storage.models.dutylog import (
    Draft,
    DraftStatus,
    EscalationNotice,
    EscalationState,
    Incident,
    IncidentNote,
    IncidentPhoto,
    IncidentStatus,
    WrittenReport,
    WrittenReportPhoto,
)
from storage.models.ids import NotStored, require_id
from storage.models.keys import Key, KeyLoan, KeyWitness
from storage.models.leave import ShiftRequest
from storage.models.patrols import PatrolCheck, PatrolFinding, PatrolPlan, PatrolRound, WeeklyReview
from storage.models.plumbing import Inbox, MessageLink, Outbox, ProcessedUpdate, Timer, Upload
from storage.models.shifts import DutyDay, Handover, RosterEntry, Shift, StandingOrder
from storage.models.sites import Invite, Member, Person, RegisterCounter, Site
from storage.models.tickets import Callback, Resident, Ticket, TicketMessage

__all__ = [
    "Callback",
    "DigestChoice",
    "Draft",
    "DraftStatus",
    "DutyDay",
    "EscalationNotice",
    "EscalationState",
    "Handover",
    "Inbox",
    "Incident",
    "IncidentNote",
    "IncidentPhoto",
    "IncidentStatus",
    "Invite",
    "Key",
    "KeyLoan",
    "KeyWitness",
    "Member",
    "MessageLink",
    "NotStored",
    "Outbox",
    "PatrolCheck",
    "PatrolFinding",
    "PatrolPlan",
    "PatrolRound",
    "Person",
    "ProcessedUpdate",
    "RegisterCounter",
    "Resident",
    "RosterEntry",
    "Shift",
    "ShiftRequest",
    "Site",
    "StandingOrder",
    "Ticket",
    "TicketMessage",
    "Timer",
    "Upload",
    "WeeklyReview",
    "WrittenReport",
    "WrittenReportPhoto",
    "require_id",
    "table_of",
]
