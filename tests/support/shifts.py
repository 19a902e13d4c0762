"""Helpers for the shift tests: a second staff member, a file source, a roster loaded by upload, a
site with the two 12-hour shifts (白班 D, 夜班 N) that sites had before the three-shift default."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.messages import User
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo
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


async def set_shifts(h: DeskHarness, *shifts: tuple[str, str, str, str]) -> None:
    """The site's own shifts (code, name, start, end), as ``dutydesk shift set`` stores them."""
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        for code, name, start, end in shifts:
            await shift_repo.put_shift(session, site_id=require_id(site), code=code, name=name, start=start, end=end)


TWO_SHIFTS = (("D", "白班", "08:00", "20:00"), ("N", "夜班", "20:00", "08:00"))


async def site_with_roster(h: DeskHarness) -> None:
    """Site HG with 白班 D 08:00-20:00 and 夜班 N 20:00-08:00; STAFF on the day shift and NIGHT on
    the night shift of 2026-11-23."""
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    await h.join(NIGHT, "staff")
    reply = await upload(h, "date,shift,staff\n2026-11-23,白班,101\n2026-11-23,N,@wang_night\n")
    assert "✅" in reply, reply
