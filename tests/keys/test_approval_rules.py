"""Key approvals that mean something (issue 18, points 6-8): nobody approves their own loan; only a
manager changes a key's kind and a pending loan keeps the kind it was asked under; a sealed key is
approved by the manager and then the general manager (or, at a site with no GM, by the manager
alone, recorded as such), with two customer-service staff and a guard as witnesses (000 L506)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from handlers.core.messages import Chat, User
from handlers.keys.buttons import ApproveLoan
from storage.models import Key, KeyLoan, Outbox
from tests.support import ADMIN, GROUP, MANAGER, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.keys import GUARD, STAFF2, FakeFiles, key_site

GM = User(id=401, name="总经理黄生", language="zh-hans")


async def loans(h: DeskHarness) -> list[KeyLoan]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(KeyLoan).order_by(col(KeyLoan.id)))).all())


async def approval_pings(h: DeskHarness, chat_id: int) -> list[Outbox]:
    return [row for row in await h.outbox() if row.chat_id == chat_id and row.purpose == "approval"]


async def key_of(h: DeskHarness, code: str) -> Key:
    async with h.desk.db.session() as session:
        return (await session.exec(select(Key).where(Key.code == code))).one()


# Point 6 ---------------------------------------------------------------------------------------


async def test_a_manager_cannot_approve_the_sealed_key_they_borrow(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    await h.send("/borrow S-0802 取业户资料", MANAGER)
    assert await approval_pings(h, MANAGER.id) == []  # not asked to approve their own loan
    group = [row.text for row in await h.outbox() if row.chat_id == GROUP.id]
    assert any("没有借用人和登记人以外的经理可以批准" in text for text in group)
    own = await h.press(ApproveLoan(loan=1).pack(), MANAGER, chat=Chat(id=MANAGER.id, private=True))
    assert own.alert and "不能批准自己借用或登记的钥匙" in (own.toast or "")
    [loan] = await loans(h)
    assert loan.status == "pending" and loan.approved_by is None
    await h.join(GM, "admin")  # the next one up approves instead
    gm = await h.press(ApproveLoan(loan=1).pack(), GM, chat=Chat(id=GM.id, private=True))
    assert "已批准 S-0802" in text_of(gm)
    assert (await loans(h))[0].approved_by == GM.id


async def test_a_supervisor_cannot_approve_an_outside_loan_they_wrote(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    await h.send("/lend 5-JF 王师傅 13800000000 修水管", SUPERVISOR)
    assert await approval_pings(h, SUPERVISOR.id) == []
    [ping] = await approval_pings(h, MANAGER.id)
    approve = ping.buttons[0][0]["data"]
    own = await h.press(approve, SUPERVISOR)
    assert own.alert and "不能批准自己借用或登记的钥匙" in (own.toast or "")
    assert (await loans(h))[0].status == "pending"
    assert "已借出" in text_of(await h.press(approve, MANAGER, chat=Chat(id=MANAGER.id, private=True)))
    [loan] = await loans(h)
    assert loan.status == "out" and loan.approved_by == MANAGER.id


# Point 7 ---------------------------------------------------------------------------------------


async def test_only_a_manager_changes_a_keys_kind(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    denied = text_of(await h.send("/key_add S-0802 0802业户托管 common", SUPERVISOR))
    assert "只有经理可以更改" in denied and "封存托管" in denied
    assert (await key_of(h, "S-0802")).kind == "sealed"
    assert "待批准 S-0802" in text_of(await h.send("/borrow S-0802 开门"))  # still a sealed key's loan
    files = FakeFiles()
    h.desk.services.files = files
    files.data["f"] = "code,label,kind\nS-0802,0802业户托管,common\n3-JF,3栋机房,plant\n".encode()
    refused = text_of(await h.send("/keys_import", SUPERVISOR, document_file_id="f", document_name="k.csv"))
    assert "第 2 行：类别与登记的不同" in refused and "整个文件未导入" in refused
    assert (await key_of(h, "S-0802")).kind == "sealed"
    assert "已更新钥匙 3-JF 3栋机房新柜" in text_of(await h.send("/key_add 3-JF 3栋机房新柜 plant", SUPERVISOR))
    assert "已更新钥匙 S-0802" in text_of(await h.send("/key_add S-0802 0802业户托管 common", MANAGER))
    assert (await key_of(h, "S-0802")).kind == "common"


async def test_a_pending_loan_keeps_the_kind_it_was_asked_under(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    card = await h.send("/borrow S-0802 开门")
    await h.send("/key_add S-0802 0802业户托管 common", MANAGER)  # changed mid-request
    [ping] = await approval_pings(h, MANAGER.id)
    approved = text_of(await h.press(ping.buttons[0][0]["data"], MANAGER))
    assert "还需" in approved and "客服见证 0/2" in approved
    [loan] = await loans(h)
    assert loan.status == "pending" and loan.key_kind == "sealed"
    witnessed = await h.press(button_data(card, "客服见证"), STAFF2)
    assert "封存托管" in text_of(witnessed) and "客服见证 1/2" in text_of(witnessed)
    assert (await loans(h))[0].status == "pending"


# Point 8 ---------------------------------------------------------------------------------------


async def test_gm_approval_is_on_by_default_and_the_managers_message_says_what_is_still_pending(
    harness: DeskHarness,
) -> None:
    h = harness
    await key_site(h)
    await h.join(GM, "admin")
    card = await h.send("/borrow S-0802 业户不在，水浸需开门")
    assert "还需：经理批准；总经理批准；客服见证 0/2；保安见证 0/1" in text_of(card)
    [ping] = await approval_pings(h, MANAGER.id)
    approved = await h.press(ping.buttons[0][0]["data"], MANAGER, chat=Chat(id=MANAGER.id, private=True))
    said = text_of(approved)
    assert "已批准 S-0802" in said and "还需：总经理批准；客服见证 0/2；保安见证 0/1" in said
    assert "已借出" not in said
    group = [row.text for row in await h.outbox() if row.chat_id == GROUP.id]
    assert any("经理张生 已批准借用 S-0802。还需：总经理批准" in text for text in group)
    again = await h.press(ping.buttons[0][0]["data"], MANAGER)
    assert again.alert and "总经理" in (again.toast or "")
    [gm_ping] = await approval_pings(h, GM.id)  # the site's GM, not the system's global admin
    assert await approval_pings(h, ADMIN.id) == []
    gm = text_of(await h.press(gm_ping.buttons[0][0]["data"], GM, chat=Chat(id=GM.id, private=True)))
    assert "还需：客服见证 0/2；保安见证 0/1" in gm
    for who, kind in ((STAFF2, "客服见证"), (SUPERVISOR, "客服见证"), (GUARD, "保安见证")):
        last = await h.press(button_data(card, kind), who)
    assert "已借出 S-0802" in text_of(last)
    [loan] = await loans(h)
    assert (loan.status, loan.approved_by, loan.gm_approved_by, loan.gm_fallback) == ("out", MANAGER.id, GM.id, False)


async def test_a_site_without_a_gm_is_told_once_and_the_managers_approval_stands_recorded(
    harness: DeskHarness,
) -> None:
    h = harness
    await h.setup_site()
    first = text_of(await h.send("/key_add S-0802 0802业户托管 sealed", SUPERVISOR))
    assert "本项目未设总经理" in first and "/invite admin" in first
    assert "未设总经理" not in text_of(await h.send("/key_add S-0803 0803业户托管 sealed", SUPERVISOR))
    await h.join(STAFF2, "staff")
    await h.join(GUARD, "staff")
    card = await h.send("/borrow S-0802 开门")
    assert "由经理批准代替" in text_of(card) and "总经理批准" not in text_of(card)
    [ping] = await approval_pings(h, MANAGER.id)
    assert "还需：客服见证 0/2；保安见证 0/1" in text_of(await h.press(ping.buttons[0][0]["data"], MANAGER))
    for who, kind in ((STAFF2, "客服见证"), (SUPERVISOR, "客服见证"), (GUARD, "保安见证")):
        last = await h.press(button_data(card, kind), who)
    assert "已借出 S-0802" in text_of(last) and "由经理批准代替" in text_of(last)
    [loan] = await loans(h)
    assert loan.status == "out" and loan.gm_fallback and loan.gm_approved_by is None


async def test_two_customer_service_witnesses_are_not_enough_without_a_guard(harness: DeskHarness) -> None:
    h = harness
    await key_site(h)
    card = await h.send("/borrow S-0802 开门")
    await h.press(ApproveLoan(loan=1).pack(), MANAGER)
    await h.press(button_data(card, "客服见证"), STAFF2)
    second = await h.press(button_data(card, "客服见证"), SUPERVISOR)
    assert "还需：保安见证 0/1" in text_of(second) and "已借出" not in text_of(second)
    assert (await loans(h))[0].status == "pending"
    third = await h.press(button_data(card, "客服见证"), GUARD)
    assert third.alert and "客服见证人数已够" in (third.toast or "")
    guard = await h.press(button_data(card, "保安见证"), GUARD)
    assert "已借出 S-0802" in text_of(guard) and "保安老周（保安）" in text_of(guard)
    assert (await loans(h))[0].status == "out"


async def test_sealed_witnesses_and_gm_follow_the_sites_policy(harness: DeskHarness) -> None:
    from storage.models import Site

    h = harness
    await key_site(h)
    async with h.desk.db.session() as session:
        policy = {"key_sealed_gm_approval": False, "key_sealed_guards": 0, "key_sealed_witnesses": 1}
        await session.exec(update(Site).where(col(Site.code) == "HG").values(policy=policy))  # type: ignore[call-overload]
    card = await h.send("/borrow S-0802 开门")
    assert "还需：经理批准；客服见证 0/1" in text_of(card) and "保安见证" not in str(card.replies[0].buttons)
    await h.press(ApproveLoan(loan=1).pack(), MANAGER)
    assert "已借出" in text_of(await h.press(button_data(card, "客服见证"), STAFF2))
    [loan] = await loans(h)
    assert loan.status == "out" and not loan.gm_fallback
