"""Who must approve a key loan and who must witness it, by the kind the loan was asked under (a
pending loan keeps its rules when the register changes mid-request)."""

from __future__ import annotations

from handlers.core.policy import Policy
from storage.codes import Role
from storage.models import KeyLoan, KeyWitness
from storage.models.keys import KeyKind, WitnessKind


def approver_role(loan: KeyLoan, policy: Policy) -> Role | None:
    """Who must approve first, by the kind the loan was asked under (not the key's kind now): a manager
    for a sealed key (000 L506-508), a supervisor for an outside borrower (001 L1043), nobody for
    staff borrowing an ordinary key."""
    if loan.key_kind == KeyKind.SEALED:
        return Role.MANAGER
    if loan.external and policy.key_external_approval:
        return Role.SUPERVISOR
    return None


def gm_needed(loan: KeyLoan, policy: Policy) -> bool:
    """A sealed key waits for the general manager too (000 L506: 由客服部经理报请总经理批准), unless the
    site had no GM when it was asked for (``gm_fallback``: the manager's approval stands alone)."""
    return loan.key_kind == KeyKind.SEALED and policy.key_sealed_gm_approval and not loan.gm_fallback


def witnesses_needed(loan: KeyLoan, policy: Policy) -> dict[WitnessKind, int]:
    """How many witnesses of each kind a loan needs: two customer-service staff and a guard for a
    sealed key (000 L506), none otherwise."""
    if loan.key_kind != KeyKind.SEALED:
        return {}
    wanted = {WitnessKind.STAFF: policy.key_sealed_witnesses, WitnessKind.GUARD: policy.key_sealed_guards}
    return {kind: count for kind, count in wanted.items() if count > 0}


def witnessed(present: list[KeyWitness]) -> dict[WitnessKind, int]:
    counts = dict.fromkeys(WitnessKind, 0)
    for row in present:
        counts[row.kind] += 1
    return counts
