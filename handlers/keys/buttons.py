"""The keys feature's buttons: one typed data class per action (the action strings are those cards
already posted carry, so they must not change).

``@dataclass(frozen=True)`` without ``slots=True``: a slotted dataclass is re-created by the
decorator without the ``action=`` class keyword, which ``CallbackData.__init_subclass__`` requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.core.callback_data import CallbackData


class OnLoan(Protocol):
    """Data of a button that names one key loan (return, approve, refuse, witness, withdraw)."""

    @property
    def loan(self) -> int: ...


@dataclass(frozen=True)
class ReturnKey(CallbackData, action="key.ret"):
    """归还 on a loan card or an overdue ping."""

    loan: int


@dataclass(frozen=True)
class ApproveLoan(CallbackData, action="key.ok"):
    """批准, sent privately to the approvers of an outside or sealed-key loan."""

    loan: int


@dataclass(frozen=True)
class RefuseLoan(CallbackData, action="key.no"):
    """拒绝, beside 批准."""

    loan: int


@dataclass(frozen=True)
class WitnessLoan(CallbackData, action="key.wit"):
    """客服见证 on a sealed key's pending loan card: a customer-service witness (000 L506). Cards posted
    before witnesses had kinds carry it too, and a tap on them counts as a staff witness."""

    loan: int


@dataclass(frozen=True)
class GuardWitness(CallbackData, action="key.witg"):
    """保安见证 beside it: the guard who must also be present (000 L506)."""

    loan: int


@dataclass(frozen=True)
class WithdrawLoan(CallbackData, action="key.wd"):
    """撤销 on a pending loan card."""

    loan: int


@dataclass(frozen=True)
class PickKey(CallbackData, action="key.dr"):
    """One of the keys a free-text draft may mean, offered when the text names several."""

    draft: int
    key: int
