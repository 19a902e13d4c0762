"""The duty log's buttons: one typed class per action, packed and parsed by the base class.

The action strings are those of the cards already posted in the groups, so those keep working.
The classes are frozen dataclasses without ``slots=True``: a slotted dataclass is rebuilt as a new
class without the ``action=`` class keyword, which ``CallbackData.__init_subclass__`` requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.core.callback_data import CallbackData
from handlers.core.taxonomy import Category
from storage.codes import Severity


class NamesIncident(Protocol):
    """Button data naming an incident (its record id)."""

    @property
    def incident(self) -> int: ...


class NamesDraft(Protocol):
    """Button data naming a draft (its record id)."""

    @property
    def draft(self) -> int: ...


# -- on an incident's card --------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeIncidentCategory(CallbackData, action="inc.cat"):
    """改类别: the category picker."""

    incident: int


@dataclass(frozen=True)
class SetIncidentCategory(CallbackData, action="inc.setcat"):
    """One category of the picker."""

    incident: int
    category: Category


@dataclass(frozen=True)
class ChangeIncidentSeverity(CallbackData, action="inc.sev"):
    """改级别: the severity picker."""

    incident: int


@dataclass(frozen=True)
class SetIncidentSeverity(CallbackData, action="inc.setsev"):
    """One severity of the picker (major escalates, source 000 L151)."""

    incident: int
    severity: Severity


@dataclass(frozen=True)
class MarkMajor(CallbackData, action="inc.major"):
    """标为重大."""

    incident: int


@dataclass(frozen=True)
class BackToIncident(CallbackData, action="inc.card"):
    """取消 on a picker: the card as it was."""

    incident: int


# -- escalation of a major incident -------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledge(CallbackData, action="esc.ack"):
    """收到 on an escalation ping."""

    incident: int


@dataclass(frozen=True)
class ReportFiled(CallbackData, action="inc.filed"):
    """已交书面报告 on the morning reminder (000 L144)."""

    incident: int


# -- on a draft card ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordDraft(CallbackData, action="dr.rec"):
    """记录."""

    draft: int


@dataclass(frozen=True)
class ChangeDraftCategory(CallbackData, action="dr.cat"):
    """改类别: the category picker."""

    draft: int


@dataclass(frozen=True)
class SetDraftCategory(CallbackData, action="dr.setcat"):
    """One category: a quick correction on the card, or one of the picker."""

    draft: int
    category: Category


@dataclass(frozen=True)
class IgnoreDraft(CallbackData, action="dr.ign"):
    """忽略."""

    draft: int


@dataclass(frozen=True)
class BackToDraft(CallbackData, action="dr.card"):
    """取消 on the picker: the draft card as it was."""

    draft: int
