"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

An aiohttp.web server on 127.0.0.1 (random port) that speaks the Bot API wire format that
aiogram's ``TelegramAPIServer.from_base(url)`` expects: ``POST {base}/bot{token}/{method}`` and
``GET {base}/file/bot{token}/{path}``.  Parameters are accepted as a query string, JSON,
urlencoded form or multipart form (nested objects such as ``reply_markup`` arriving as JSON
strings are decoded).  Errors follow Telegram's shapes and descriptions, so the engine's error
handling meets what production meets.

It runs in the test's own event loop; the simulation API (``push_update``, builders,
``fail_next``, ``wait_for``...) is plain Python called from that loop.

Usage::

    async with FakeBotAPI() as api:
        bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
        api.push_update(api.user_message(-100, 7, "/log 3栋大堂漏水"))
        [call] = await api.wait_for("sendMessage")

Latency matching (benchmarks) — see ``latency_pairs`` and bench/README.md.

Modules, each one job (``FakeBotAPI`` is assembled from the parts in ``server``):

- ``server``: ``FakeBotAPI`` — lifecycle, simulation and inspection API, HTTP routing;
- ``state``: the configuration and state every part shares (the constructor);
- ``objects``: builders of Telegram objects (users, chats, messages, callback queries, files);
- ``methods``: the Bot API methods (send, edit, delete, chats, members, files, commands);
- ``polling``: getUpdates long polling and the webhook methods;
- ``latency``: benchmark bookkeeping — which reply answered which update;
- ``errors``: ``TelegramError`` and the strict checks (lengths, keyboards);
- ``wire``: reading request parameters and writing JSON answers;
- ``webhook``: pushing updates to a webhook that is set (secret header, retries, ``deliveries``).
- ``records``: the plain data records (``Call``, ``Upload``, ``LatencyPair``...).
"""

from .errors import TelegramError
from .records import Call, Delivery, LatencyPair, Upload
from .server import FakeBotAPI
from .state import DEFAULT_TOKEN

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "Delivery",
    "FakeBotAPI",
    "LatencyPair",
    "TelegramError",
    "Upload",
]
