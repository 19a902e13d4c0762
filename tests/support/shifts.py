"""Helpers for the shift tests: a second staff member, a file source, a roster loaded by upload."""

from __future__ import annotations

from handlers.core.messages import User
from tests.support import SUPERVISOR, DeskHarness, text_of

NIGHT = User(id=102, name="夜班小王", username="wang_night", language="zh-hans")


class FakeFiles:
    """``Services.files`` for tests: file ids to bytes."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    async def fetch(self, file_id: str) -> bytes:
        return self.files[file_id]


async def upload(h: DeskHarness, csv_text: str, *, user: User = SUPERVISOR, name: str = "roster.csv") -> str:
    """Send a roster file to the duty group with the caption /roster; the reply's text."""
    file_id = f"file{len(csv_text)}-{abs(hash(csv_text)) % 10_000}"
    files = h.desk.services.files
    if not isinstance(files, FakeFiles):
        files = FakeFiles({})
        h.desk.services.files = files
    files.files[file_id] = csv_text.encode()
    out = await h.send("/roster", user, document_file_id=file_id, document_name=name)
    return text_of(out)


async def site_with_roster(h: DeskHarness) -> None:
    """Site HG; STAFF on the day shift and NIGHT on the night shift of 2026-11-23."""
    await h.setup_site()
    await h.join(NIGHT, "staff")
    reply = await upload(h, "date,shift,staff\n2026-11-23,白班,101\n2026-11-23,N,@wang_night\n")
    assert "✅" in reply, reply
