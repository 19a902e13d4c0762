"""End to end (fake Bot API): a standing order carried into the handover report, the handover
blocked by a major incident and allowed by a supervisor, a stranger refused at 接班, the takeover."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Handover
from tests.support.e2e import (
    GROUP,
    STAFF,
    STRANGER,
    SUPERVISOR,
    RunningBot,
    button,
    setup_site,
)


async def test_order_block_override_and_takeover(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(SUPERVISOR, "/order 今晚3栋停水，接到投诉统一解释")
    await bot.reply_to(GROUP, "上级指令 O1 已下达")
    bot.say(STAFF, "/log 5栋12楼起火，浓烟很大，有人被困")
    await bot.reply_to(GROUP, "#1")  # orders count on their own
    bot.say(STAFF, "/handover 对讲机2台齐全")
    [blocked] = await bot.reply_to(GROUP, "不能交班")
    assert "#1" in blocked.params["text"] and "000 L131" in blocked.params["text"]
    bot.say(SUPERVISOR, "/allow_handover 消防已到场，由主管现场负责")
    [report] = await bot.reply_to(GROUP, "交班报告")
    text = report.params["text"]
    assert "O1 今晚3栋停水" in text and "已放行" in text and "对讲机×2台" in text
    take = button(report, "接班")
    message_id = report.result["message_id"]
    bot.fake.push_update(bot.fake.user_click(GROUP, STRANGER, message_id, take))
    [refused] = await bot.fake.wait_for("answerCallbackQuery")
    assert "接班" in refused.params.get("text", "")
    bot.fake.push_update(bot.fake.user_click(GROUP, SUPERVISOR, message_id, take))
    edited = await bot.fake.wait_for("editMessageText", lambda c: "已交班给" in c.params.get("text", ""))
    assert "U101 已交班给 U201" in edited[0].params["text"]
    async with bot.db().session() as session:
        row = (await session.exec(select(Handover))).one()
    assert (row.status, row.override_by, row.incoming_id) == ("taken_over", SUPERVISOR, SUPERVISOR)


async def test_roster_uploaded_as_a_document(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    csv = "date,shift,staff\n2026-11-23,早班,101\n2026-11-23,夜班,101\n".encode()
    stored = bot.fake._store_file(csv, "documents", "csv")
    document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": "排班.csv"}
    caption = {"caption": "/roster", "caption_entities": [{"type": "bot_command", "offset": 0, "length": 7}]}
    update = bot.fake.user_message(
        GROUP, SUPERVISOR, "", first_name=f"U{SUPERVISOR}", extra={"document": document, **caption}
    )
    del update["message"]["text"]
    bot.fake.push_update(update)
    await bot.reply_to(GROUP, "已导入值班表 2 条")
    bad = "date,shift,staff\n2026-11-23,午班,101\n".encode()
    stored = bot.fake._store_file(bad, "documents", "csv")
    document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": "bad.csv"}
    update = bot.fake.user_message(
        GROUP, SUPERVISOR, "", first_name=f"U{SUPERVISOR}", extra={"document": document, **caption}
    )
    del update["message"]["text"]
    bot.fake.push_update(update)
    [refused] = await bot.reply_to(GROUP, "整份文件未导入")
    assert "第 2 行" in refused.params["text"]
