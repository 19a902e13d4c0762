"""The key register: /key_add, /keys_import (CSV, XLSX, bad rows), `dutydesk keys import`, exports,
and free text that becomes a loan or a return."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.cli import main
from handlers.core.i18n import LANGUAGES, catalogue
from handlers.keys.register import KIND_WORDS
from storage.db import Database
from storage.models import Draft, Key, KeyLoan, Site
from storage.models.keys import KeyKind, LoanStatus
from storage.repos import sites
from tests.support import MANAGER, STAFF, SUPERVISOR, DeskHarness, button_data, rows_for, text_of
from tests.support.keys import GUARD, STAFF2, FakeFiles, key_site

GOOD = "\n".join(
    [
        "code,label,kind,location,copies",
        "3-JF,3栋机房,plant,客服部钥匙柜A1,2",
        "V-1201,1201空置房,空置,,",
        "S-0802,0802托管,sealed,保险柜,1",
    ]
)
BAD = "\n".join(
    [
        "code,label,kind,location,copies",
        "3-JF,3栋机房,plant,,2",
        ",无编号,plant,,1",
        "5-JF,5栋机房,garage,,1",
        "6-JF,6栋机房,plant,,two",
        "3-jf,重复,plant,,1",
    ]
)


async def register(h: DeskHarness) -> list[Key]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(Key).order_by(Key.code))).all())  # type: ignore[arg-type]


def with_files(h: DeskHarness) -> FakeFiles:
    files = FakeFiles()
    h.desk.services.files = files
    return files


async def test_import_csv_by_a_supervisor(harness: DeskHarness) -> None:
    await harness.setup_site()
    files = with_files(harness)
    files.data["f1"] = ("\ufeff" + GOOD).encode()
    out = text_of(await harness.send("/keys_import", SUPERVISOR, document_file_id="f1", document_name="keys.csv"))
    assert "已导入 3 把钥匙" in out
    keys = await register(harness)
    expected = [("3-JF", "plant", 2), ("S-0802", "sealed", 1), ("V-1201", "vacant", 1)]
    assert [(k.code, k.kind, k.copies) for k in keys] == expected
    assert keys[0].location == "客服部钥匙柜A1"
    about = text_of(await harness.send("/key 3-jf"))
    assert "3栋机房（机房），2 把" in about and "客服部钥匙柜A1" in about


async def test_import_with_bad_rows_reports_each_line_and_loads_nothing(harness: DeskHarness) -> None:
    await harness.setup_site()
    files = with_files(harness)
    files.data["bad"] = BAD.encode()
    out = text_of(await harness.send("/keys_import", SUPERVISOR, document_file_id="bad", document_name="k.csv"))
    assert "4 行有问题" in out and "整个文件未导入" in out
    for line, what in ((3, "编号"), (4, "类别"), (5, "数量"), (6, "编号与前面的行重复")):
        assert f"第 {line} 行：{what}" in out
    assert await register(harness) == []
    files.data["pdf"] = b"%PDF"
    pdf = await harness.send("/keys_import", SUPERVISOR, document_file_id="pdf", document_name="k.pdf")
    assert "无法读取" in text_of(pdf)
    assert "CSV 或 XLSX" in text_of(await harness.send("/keys_import", SUPERVISOR))  # no file attached
    assert "主管" in text_of(await harness.send("/keys_import", STAFF, document_file_id="f", document_name="k.csv"))


async def test_import_xlsx(harness: DeskHarness) -> None:
    await harness.setup_site()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (("code", "label", "kind", "location", "copies"), ("B2-P", "B2泵房", "plant", "中控室", 1)):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    with_files(harness).data["x"] = data.getvalue()
    out = text_of(await harness.send("/keys_import", SUPERVISOR, document_file_id="x", document_name="keys.xlsx"))
    assert "已导入 1 把" in out
    assert [k.label for k in await register(harness)] == ["B2泵房"]


def test_cli_keys_import(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    migrated_file: Callable[[Path], str],
) -> None:
    url = migrated_file(tmp_path / "cli.db")
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")  # the messages below are the English ones

    async def make_site() -> None:
        db = Database(url)
        async with db.session() as session:
            await sites.create(session, code="HG", name="华庭花园", language="zh-Hans", timezone="Asia/Shanghai")
        await db.dispose()

    asyncio.run(make_site())
    monkeypatch.setenv("DATABASE_URL", url)
    good, bad = tmp_path / "keys.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    assert main(["keys", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "nothing imported" in err and "line 3: code missing" in err and "line 4: unknown kind" in err
    assert main(["keys", "import", str(good), "--site", "NOPE"]) == 2
    assert "no site" in capsys.readouterr().err
    assert main(["keys", "import", str(tmp_path / "missing.csv")]) == 2
    assert main(["keys", "import", str(good), "--site", "hg"]) == 0
    assert "imported 3 keys into HG" in capsys.readouterr().out
    assert main(["export", "keys"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["code"] for r in rows] == ["3-JF", "S-0802", "V-1201"] and rows[0]["site"] == "HG"


async def test_export_key_loans_with_documented_keys_and_statuses(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/borrow 3-JF 修空调")
    await harness.send("/lend 5-JF 王师傅 13800000000")
    out = await harness.send("/borrow S-0802 开门", STAFF2)
    [ping] = [row for row in await harness.outbox() if row.chat_id == MANAGER.id]
    await harness.press(ping.buttons[0][0]["data"], MANAGER)
    await harness.press(button_data(out, "客服见证"), STAFF)
    await harness.press(button_data(out, "客服见证"), SUPERVISOR)
    await harness.press(button_data(out, "保安见证"), GUARD)
    await harness.send("/return S-0802 完好")
    harness.clock.advance(hours=9)
    async with harness.desk.db.session() as session:
        rows = await rows_for(session, "key_loans")
        keys = await rows_for(session, "keys")
    assert list(rows[0]) == [
        "site", "key", "label", "kind", "borrower_id", "borrower", "external", "phone", "purpose", "lent_by",
        "requested_at", "out_at", "due_at", "approved_by", "witnesses", "returned_at", "returned_to", "condition",
        "status", "quantity", "outsider", "gm_approved_by", "gm_fallback", "late_reason",
    ]  # fmt: skip
    by_key = {r["key"]: r for r in rows}
    assert by_key["5-JF"]["status"] == "pending" and by_key["5-JF"]["external"] is True
    assert by_key["5-JF"]["borrower_id"] == STAFF.id and by_key["5-JF"]["phone"] == "13800000000"
    assert by_key["5-JF"]["outsider"] == "王师傅" and by_key["5-JF"]["borrower"] == STAFF.name
    sealed = by_key["S-0802"]
    assert sealed["status"] == "returned" and sealed["approved_by"] == MANAGER.id and sealed["condition"] == "完好"
    assert sealed["witnesses"] == (
        f"{STAFF.name} ({STAFF.id}, staff); {SUPERVISOR.name} ({SUPERVISOR.id}, staff); "
        f"{GUARD.name} ({GUARD.id}, guard)"
    )
    assert sealed["gm_fallback"] is True and sealed["gm_approved_by"] is None
    assert by_key["3-JF"]["due_at"] == "2026-11-23T18:00:00+08:00"
    holders = {k["code"]: k["holder"] for k in keys}
    assert holders["3-JF"] == STAFF.name and holders["S-0802"] is None


async def draft_for(h: DeskHarness, text: str, user=STAFF):  # type: ignore[no-untyped-def]
    out = await h.send(text, user)
    assert out.replies and "记录" in str(out.replies[0].buttons), out
    return out


async def test_free_text_borrow_and_return_by_one_tap(harness: DeskHarness) -> None:
    await key_site(harness)
    card = await draft_for(harness, "借了3栋机房钥匙去修空调")
    done = await harness.press(button_data(card, "记录"), STAFF2)
    assert "已借出 3-JF 3栋机房" in text_of(done) and done.replies[0].edit
    async with harness.desk.db.session() as session:
        loan = (await session.exec(select(KeyLoan))).one()
        draft = (await session.exec(select(Draft))).one()
    assert loan.borrower_id == STAFF.id and loan.purpose == "修空调" and draft.status == "recorded"
    back = await draft_for(harness, "3栋机房钥匙已还", STAFF)
    assert "已归还 3-JF" in text_of(await harness.press(button_data(back, "记录"), SUPERVISOR))


async def test_free_text_in_cantonese_and_a_refused_double_loan_keeps_the_draft(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/borrow 3-JF", STAFF2)
    card = await draft_for(harness, "借咗3座機房鎖匙去整冷氣")
    refused = await harness.press(button_data(card, "记录"))
    assert refused.alert and "已借出" in (refused.toast or "") and not refused.replies
    back = await draft_for(harness, "3座機房鎖匙已經還咗", STAFF2)
    assert "已归还 3-JF" in text_of(await harness.press(button_data(back, "记录")))
    assert "已借出 3-JF" in text_of(await harness.press(button_data(card, "记录")))  # the first card, now free


async def test_free_text_names_the_key_by_label_or_code_or_gets_a_clear_answer(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/key_add 3-JF-E 3栋机房东 plant", SUPERVISOR)
    card = await draft_for(harness, "借了3栋机房钥匙")  # the whole label 3栋机房 beats the longer near one
    assert "3-JF 3栋机房" in text_of(await harness.press(button_data(card, "记录")))
    card = await draft_for(harness, "借了v-1201钥匙带看", STAFF2)  # by code
    assert "V-1201 1201空置房" in text_of(await harness.press(button_data(card, "记录")))
    card = await draft_for(harness, "借了会议室钥匙", STAFF2)
    none = await harness.press(button_data(card, "记录"))
    assert none.alert and "没有找到" in (none.toast or "") and not none.replies


async def test_ambiguous_text_asks_which_key(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/key_add 3-JF-E 3栋机房东 plant", SUPERVISOR)
    await harness.send("/key_add 3-JF-W 3栋机房西 plant", SUPERVISOR)
    await harness.send("/key_add 3-JF 3栋机房 plant", SUPERVISOR)  # the plain one goes away from the test
    async with harness.desk.db.session() as session:
        plain = (await session.exec(select(Key).where(Key.code == "3-JF"))).one()
        plain.label = "3栋大堂"
        session.add(plain)
    card = await draft_for(harness, "借了3栋机房钥匙去修空调")
    asked = await harness.press(button_data(card, "记录"))
    assert "哪一把" in text_of(asked) and asked.replies[0].edit
    assert button_data(asked, "3栋机房东") and button_data(asked, "3栋机房西")
    done = await harness.press(button_data(asked, "3栋机房西"))
    assert "已借出 3-JF-W 3栋机房西" in text_of(done)
    assert "已处理" in ((await harness.press(button_data(asked, "3栋机房东"))).toast or "")


async def test_english_free_text_finds_an_english_label(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/key_add B3-PR Block 3 plant room plant", SUPERVISOR)
    card = await draft_for(harness, "borrowed the block 3 plant room key to fix the aircon")
    assert "B3-PR Block 3 plant room" in text_of(await harness.press(button_data(card, "记录")))
    back = await draft_for(harness, "returned the block 3 plant room key")
    assert "已归还 B3-PR" in text_of(await harness.press(button_data(back, "记录")))


async def test_key_lost_while_waiting_for_approval_ends_the_request(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/lend 5-JF 王师傅")
    await harness.send("/key_lost 5-JF 柜里找不到了")
    async with harness.desk.db.session() as session:
        loan = (await session.exec(select(KeyLoan))).one()
    assert loan.status == "refused"
    [ping] = [row for row in await harness.outbox() if row.chat_id == SUPERVISOR.id and "批准" in row.text]
    assert "已处理" in ((await harness.press(ping.buttons[0][0]["data"], SUPERVISOR)).toast or "")


async def test_a_failed_download_is_a_clear_answer(harness: DeskHarness) -> None:
    await harness.setup_site()
    with_files(harness)  # knows no file: fetching raises
    out = text_of(await harness.send("/keys_import", SUPERVISOR, document_file_id="gone", document_name="k.csv"))
    assert "无法下载" in out
    assert await register(harness) == []


async def test_feature_importer_reports_in_the_site_language(harness: DeskHarness) -> None:
    from handlers.core.uploads import read_table
    from handlers.keys import FEATURE

    await harness.setup_site()
    async with harness.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        problems = await FEATURE.imports["keys"](session, site, read_table(BAD.encode(), "k.csv"))
    assert (4, "类别不对（unit、vacant、plant、common、sealed）") in problems and len(problems) == 4
    assert await register(harness) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_kind_and_loan_status_has_a_name_in_every_language(language: str) -> None:
    texts = catalogue(language)
    assert [kind for kind in KeyKind if f"keys.kind.{kind}" not in texts] == []
    assert [status for status in LoanStatus if f"keys.status.{status}" not in texts] == []
    assert "keys.status.overdue" in texts  # what /key and the export say of a loan out past its due time


def test_each_key_kind_is_read_in_english_and_both_chinese_scripts() -> None:
    for kind in KeyKind:
        words = [word for word, meant in KIND_WORDS.items() if meant is kind]
        assert kind.value in words and any(not word.isascii() for word in words), kind
