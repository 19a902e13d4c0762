"""End to end: the real runner (long polling, ticker, outbox) against the suite's fake Bot API on
loopback, once per engine (aiogram, python-telegram-bot: the ``running`` fixture's parameter, so
every e2e file that uses it runs under both; with DUTYDESK_E2E_MODE=webhook in webhook mode, the
fake pushing every update). Assertions are on the Bot API calls the bot makes and on the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import update
from sqlmodel import col, select

from bot.engines.base import TokenRefused
from bot.engines.factory import ENGINES
from bot.launch import run_bot
from storage.clock import utcnow
from storage.models import Incident, Member, Timer
from tests.fakes.bot_api import FakeBotAPI
from tests.support.e2e import ADMIN, GROUP, STAFF, STRANGER, SUPERVISOR, RunningBot, button, setup_site


async def test_setup_invite_log_note_close(running: RunningBot) -> None:
    bot = running
    menus = {
        c.params["scope"]["type"]: [x["command"] for x in c.params["commands"]]
        for c in bot.fake.calls_of("setMyCommands")
    }
    assert "help" in menus["all_group_chats"] and "start" not in menus["all_group_chats"]
    assert "log" not in menus["all_group_chats"]  # a stranger's: /log is in each staff member's own (test_menus)
    assert "start" in menus["all_private_chats"] and "log" not in menus["all_private_chats"]
    await setup_site(bot)
    bot.say(STAFF, "/log 3栋大堂天花漏水，已通知维修")
    [card] = await bot.reply_to(GROUP, "#1")
    assert "水浸漏水" in card.params["text"] and button(card, "改类别")
    bot.say(STAFF, "/note 1 维修已到场")
    await bot.reply_to(GROUP, "已补充 #1")
    bot.say(STAFF, "/close 1 已修复")
    await bot.reply_to(GROUP, "#1 已结案")
    async with bot.db().session() as session:
        row = (await session.exec(select(Incident))).one()
    assert (row.status, row.result, row.reporter_id) == ("closed", "已修复", STAFF)


async def test_major_escalation_and_acknowledgement(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(STAFF, "/log 5栋12楼起火，浓烟很大，有人被困")
    [ping] = await bot.reply_to(SUPERVISOR, "重大事件 #1")
    await bot.reply_to(GROUP, "已通知 1 位")
    bot.fake.push_update(bot.fake.user_click(SUPERVISOR, SUPERVISOR, ping.result["message_id"], button(ping, "确认")))
    await bot.reply_to(GROUP, "已确认重大事件 #1")
    answers = await bot.fake.wait_for("answerCallbackQuery")
    assert "已确认" in answers[0].params.get("text", "")
    edited = await bot.fake.wait_for("editMessageText")
    assert "已确认" in edited[0].params["text"]
    async with bot.db().session() as session:
        row = (await session.exec(select(Incident))).one()
    assert (row.escalation, row.acknowledged_by) == ("acknowledged", SUPERVISOR)


async def test_free_text_draft_card_and_one_tap(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(STAFF, "收到")
    bot.say(STAFF, "2号楼电梯困人，里面有小孩在哭")
    [card] = await bot.reply_to(GROUP, "看起来是")
    assert all("收到" not in c.params["text"] for c in bot.fake.calls_of("sendMessage"))
    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, card.result["message_id"], button(card, "记录")))
    edited = await bot.fake.wait_for("editMessageText")
    assert "已记录 #1" in edited[0].params["text"]


async def test_strangers_forged_buttons_and_long_messages(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(STRANGER, "/log 我来捣乱")
    await bot.reply_to(GROUP, "尚未登记")
    bot.say(STAFF, "/log 门禁故障")
    [card] = await bot.reply_to(GROUP, "#1")
    message_id = card.result["message_id"]
    bot.fake.push_update(bot.fake.user_click(GROUP, STRANGER, message_id, "1|inc.major|1"))  # not staff here
    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, message_id, "totally-forged"))
    bot.fake.push_update(bot.fake.user_click(GROUP, STAFF, message_id, "1|inc.setcat|1|nuclear"))
    answers = await bot.fake.wait_for("answerCallbackQuery", count=3)
    texts = sorted(a.params.get("text", "") for a in answers)  # handled concurrently: any order
    assert "没有权限" in texts[0] and texts[1:] == ["此按钮已失效，请重新操作。"] * 2
    assert [a.params.get("show_alert") for a in answers if "没有权限" in a.params.get("text", "")] == [True]
    bot.say(STAFF, "/log " + "长" * 10_000)
    [long_card] = await bot.reply_to(GROUP, "#2")
    assert len(long_card.params["text"]) < 4096
    bot.say(STAFF, "/nosuchcommand")
    await bot.reply_to(GROUP, "未知命令")
    async with bot.db().session() as session:
        rows = (await session.exec(select(Incident).order_by(col(Incident.number)))).all()
    assert len(rows[1].situation) == 10_000
    assert (rows[0].severity, rows[0].category, rows[0].escalation) == ("normal", "equipment", "none")


async def test_telegram_errors_are_retried(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.fake.fail_next("sendMessage", status=429, retry_after=1)
    bot.say(STAFF, "/log 一号岗门禁故障")
    await bot.reply_to(GROUP, "#1", timeout=10)
    bot.fake.fail_next("sendMessage", status=502, retry_after=None, times=2)
    bot.say(STAFF, "/log 二号岗灯不亮")
    await bot.reply_to(GROUP, "#2", timeout=10)
    bot.fake.disconnect_next("sendMessage")
    bot.say(STAFF, "/log 三号岗有积水")
    await bot.reply_to(GROUP, "#3", timeout=10)
    failed = [c for c in bot.fake.calls_of("sendMessage", ok=None) if not c.ok]
    assert len(failed) >= 4


async def test_restart_loses_nothing_and_repeats_nothing(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    bot.say(STAFF, "/log 地下车库水管爆裂，水浸严重，有车被淹")
    bot.say(STAFF, "/major 1")
    await bot.reply_to(SUPERVISOR, "重大事件 #1")
    duplicate = bot.fake.user_message(GROUP, STAFF, "/log 重复的更新", first_name="U101")
    duplicate["update_id"] = bot.say(STAFF, "/log 第二条")
    await bot.reply_to(GROUP, "#2")
    await bot.stop()

    # While the bot is down the repeat interval passes; the timer row is due.
    async with bot.db().session() as session:
        await session.exec(update(Timer).where(col(Timer.kind) == "escalate").values(due_at=utcnow()))  # type: ignore[call-overload]
    bot.fake.push_raw_update(duplicate)  # Telegram redelivers an update already handled
    await bot.start()
    await bot.reply_to(SUPERVISOR, "第2次提醒", timeout=10)
    await asyncio.sleep(1.0)  # several ticks: a repeat must not be sent twice
    pings = [m for m in bot.fake.sent_messages(SUPERVISOR) if "重大事件 #1" in m["text"]]
    assert len(pings) == 2
    async with bot.db().session() as session:
        numbers = sorted(r.number for r in (await session.exec(select(Incident))).all())
        members = (await session.exec(select(Member))).all()
    assert numbers == [1, 2] and len(members) == 2
    assert not [m for m in bot.fake.sent_messages(GROUP) if "#3" in m["text"]]


@pytest.mark.parametrize("engine", ENGINES)
async def test_setup_warns_when_privacy_mode_hides_group_messages(
    tmp_path: Path, migrated_sqlite: Path, engine: str
) -> None:
    async with FakeBotAPI(can_read_all_group_messages=False) as fake:
        bot = RunningBot(fake, tmp_path / "privacy.db", engine=engine, template=migrated_sqlite)
        await bot.start()
        try:
            bot.say(ADMIN, "/setup HG 华庭花园")
            [reply] = await bot.reply_to(GROUP, "华庭花园")
            assert "隐私模式" in reply.params["text"] and "/setprivacy" in reply.params["text"]
        finally:
            await bot.stop()


@pytest.mark.parametrize("engine", ENGINES)
async def test_refused_token_is_one_clear_line(tmp_path: Path, migrated_sqlite: Path, engine: str) -> None:
    async with FakeBotAPI() as fake:
        settings = RunningBot(fake, tmp_path / "t.db", engine=engine, template=migrated_sqlite).settings.model_copy(
            update={"bot_token": SecretStr("987654321:AAHthisTokenIsNotTheOneTheServerKnows")}
        )
        with pytest.raises(TokenRefused, match=r"BOT_TOKEN was refused.*401"):
            await asyncio.wait_for(run_bot(settings), timeout=15)
