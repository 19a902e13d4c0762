"""/key_lost names the people it told by their roles (issue 19 point 4): a sealed key's loss reaches
the supervisor and the manager, and the card says so, not 已通知主管 alone."""

from __future__ import annotations

from tests.support import MANAGER, SUPERVISOR, DeskHarness, text_of
from tests.support.keys import key_site


async def test_key_lost_says_which_roles_were_told(harness: DeskHarness) -> None:
    await key_site(harness)
    sealed = text_of(await harness.send("/key_lost S-0802 封条破损"))
    assert "已通知主管 1 位、经理 1 位" in sealed
    told = {row.chat_id for row in await harness.outbox() if "封条破损" in row.text}
    assert {SUPERVISOR.id, MANAGER.id} <= told
    plant = text_of(await harness.send("/key_lost 3-JF 钥匙断在锁里"))
    assert "已通知主管 1 位。" in plant and "经理" not in plant  # a plant-room key: the supervisors only
