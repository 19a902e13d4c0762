"""End to end: file imports cannot stall the other chats. A file over a cap is refused with
one line naming it (over the size cap before any download), and while a file is read, or held in the
worker, a /log in another duty group is answered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlmodel import func, select

from handlers.core import uploads as tables
from storage.models import Key
from tests.support.e2e import ADMIN, GROUP, SUPERVISOR, RunningBot, setup_site
from tests.support.sheets import sheet_bomb

OTHER = -100888  # a second site's duty group


def send_file(bot: RunningBot, name: str, data: bytes, caption: str = "/keys_import") -> str:
    """The supervisor sends ``data`` as a document to the duty group; returns its file_id."""
    update = bot.fake.user_message(GROUP, SUPERVISOR, caption, first_name=f"U{SUPERVISOR}", document=(name, data))
    bot.fake.push_update(update)
    return str(update["message"]["document"]["file_id"])


async def other_site(bot: RunningBot) -> None:
    bot.say(ADMIN, "/setup OT 其他花园", chat=OTHER)
    await bot.reply_to(OTHER, "其他花园")


async def log_in_other_chat(bot: RunningBot, text: str) -> None:
    bot.say(ADMIN, f"/log {text}", chat=OTHER)
    await bot.reply_to(OTHER, text, timeout=10)


def key_list(rows: int) -> bytes:
    lines = [f"K-{n},{n % 30 + 1}栋{n}室,unit,钥匙柜{n % 12},1" for n in range(rows)]
    return ("code,label,kind,location,copies\n" + "\n".join(lines) + "\n").encode()


async def test_a_refused_file_gets_one_line_naming_the_cap(running: RunningBot) -> None:
    bot = running
    await setup_site(bot)
    await other_site(bot)
    too_big = key_list(60_000)
    assert len(too_big) > 2048 * 1024
    file_id = send_file(bot, "keys.csv", too_big)
    [refused] = await bot.reply_to(GROUP, "import_max_kb")
    assert "\n" not in refused.params["text"] and "2048 KB" in refused.params["text"]
    assert not [c for c in bot.fake.calls_of("getFile") if c.params.get("file_id") == file_id]  # never fetched

    send_file(bot, "keys.xlsx", sheet_bomb(3_000_000))  # 30 MB of XML in ~100 KB
    await log_in_other_chat(bot, "B座电梯困人，已通知维保")
    [bomb] = await bot.reply_to(GROUP, "import_max_cells", timeout=30)
    assert "\n" not in bomb.params["text"] and "200000" in bomb.params["text"]
    async with bot.db().session() as session:
        assert (await session.exec(select(func.count()).select_from(Key))).one() == 0


@pytest.fixture
def held_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The import worker as a thread that waits for the returned event before reading a file."""
    release = threading.Event()
    real = tables.read_table

    def held(*args: Any) -> list[tables.TableRow]:
        assert release.wait(30), "the test never released the import"
        return real(*args)

    pool = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(tables, "_worker", pool)
    monkeypatch.setattr(tables, "read_table", held)
    yield release
    release.set()
    pool.shutdown(wait=True)


async def test_a_log_in_another_chat_is_answered_while_a_large_import_is_read(
    running: RunningBot, held_worker: threading.Event
) -> None:
    bot = running
    await setup_site(bot)
    await other_site(bot)
    send_file(bot, "keys.csv", key_list(1500))  # valid, 1 500 keys
    await bot.fake.wait_for("getFile")  # downloaded: the worker now holds it
    await log_in_other_chat(bot, "3栋大堂天花漏水")
    await log_in_other_chat(bot, "停车场B2有车辆乱停")
    assert not [m for m in bot.fake.sent_messages(GROUP) if "已导入" in m["text"]]  # still held
    held_worker.set()
    await bot.reply_to(GROUP, "已导入 1500 把钥匙", timeout=30)
    async with bot.db().session() as session:
        assert (await session.exec(select(func.count()).select_from(Key))).one() == 1500
