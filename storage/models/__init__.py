"""The tables (SPEC §2), one module per feature. Telegram ids are BIGINT; times are naive UTC (see
storage.clock). Import them from here: ``from storage.models import Incident``."""

from storage.models.base import table_of
from storage.models.dutylog import Draft, EscalationNotice, Incident, IncidentNote, IncidentPhoto
from storage.models.ids import NotStored, require_id
from storage.models.keys import Key, KeyLoan, KeyWitness
from storage.models.patrols import PatrolCheck, PatrolFinding, PatrolPlan, PatrolRound
from storage.models.plumbing import Inbox, MessageLink, Outbox, ProcessedUpdate, Timer, Upload
from storage.models.shifts import DutyDay, Handover, RosterEntry, Shift, StandingOrder
from storage.models.sites import Invite, Member, Person, Site
from storage.models.tickets import Callback, Resident, Ticket, TicketMessage

__all__ = [
    "Callback",
    "Draft",
    "DutyDay",
    "EscalationNotice",
    "Handover",
    "Inbox",
    "Incident",
    "IncidentNote",
    "IncidentPhoto",
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
    "Resident",
    "RosterEntry",
    "Shift",
    "Site",
    "StandingOrder",
    "Ticket",
    "TicketMessage",
    "Timer",
    "Upload",
    "require_id",
    "table_of",
]
