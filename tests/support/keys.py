"""Shared steps of the key tests: a site with a small key register and a second staff member."""

from __future__ import annotations

from handlers.core.messages import User
from tests.support import SUPERVISOR, DeskHarness, text_of

STAFF2 = User(id=102, name="值班员小王", language="zh-hans")
GUARD = User(id=103, name="保安老周", language="zh-hans")
REGISTER = (
    ("3-JF", "3栋机房", "plant"),
    ("5-JF", "5栋机房", "plant"),
    ("V-1201", "1201空置房", "vacant"),
    ("S-0802", "0802业户托管", "sealed"),
)


class FakeFiles:
    """The engine's file download, serving what the test put in."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    async def fetch(self, file_id: str) -> bytes:
        return self.data[file_id]


async def key_site(h: DeskHarness) -> None:
    await h.setup_site()
    await h.join(STAFF2, "staff")
    await h.join(GUARD, "staff")
    for code, label, kind in REGISTER:
        out = text_of(await h.send(f"/key_add {code} {label} {kind}", SUPERVISOR))
        assert "已登记" in out, out
