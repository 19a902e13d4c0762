"""What a handler gets: the inbound message, a session, the site, the sender's roles and helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, Protocol
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.classification import Classification, Classifier, Speaker
from handlers.core.i18n import Translator
from handlers.core.messages import Inbound, Outcome
from handlers.core.policy import Policy
from handlers.core.prepared import Prepared
from handlers.core.taxonomy import ROLES as ROLES  # re-exported: the handlers take it from here
from handlers.core.uploads import Caps, TableError, TableRow, read_in_worker, too_big
from storage.codes import ANYONE, Access, Role
from storage.models import Draft, Resident, Site, Timer
from storage.repos.chunks import Window

P = ParamSpec("P")


class FileSource(Protocol):
    """Downloads a file a user sent (a roster, a key list): the engine implements it."""

    async def fetch(self, file_id: str) -> bytes: ...


# The feature's section of the handover report: lines in the site's language; empty leaves it out.
HandoverSection = Callable[[AsyncSession, Site, datetime, Translator], Awaitable[list[str]]]
# A free-text draft of one of the feature's intents, recorded by one tap on 记录.
DraftRecorder = Callable[["Context", Draft], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class DraftCard:
    """A draft card's text as the feature of its kind words it (🔑 借钥匙：…, not an incident's
    "其他 · 一般"); ``categorised`` when what 记录 makes is a duty-log entry, whose category the card
    offers to change."""

    text: str
    categorised: bool = False


# How a draft of one of the feature's intents reads on its card: what one tap on 记录 records.
DraftView = Callable[["Context", Draft], Awaitable[DraftCard]]
# A staff member's free text in the duty group, of one of the feature's intents, acted on at once
# instead of offering a draft card when nothing is left to decide (巡查完毕 from the patroller whose
# round is fully signed); None offers the draft card as usual.
ActAtOnce = Callable[["Context", Classification], Awaitable[Outcome | None]]
# A resident's answer the bot asked for (``Resident.awaiting``: a rating comment…): None when the
# text is no answer after all, and the residents' side handles it as an ordinary message.
PendingAnswer = Callable[["Context", Resident, str], Awaitable[Outcome | None]]


class ExportTable(Protocol):
    """One kind of ``dutydesk export`` as a handler sees it (``handlers.core.feature.ExportKind``):
    its keys and its rows, streamed; and, for a register of events, its rows of one site's period
    read by the database (``in_period``; None for a register of things, e.g. ``keys``)."""

    @property
    def fields(self) -> tuple[str, ...]: ...

    @property
    def rows(self) -> Callable[[AsyncSession], AsyncIterator[dict[str, Any]]]: ...

    @property
    def in_period(self) -> Callable[[AsyncSession, Window], AsyncIterator[dict[str, Any]]] | None: ...


class Features(Protocol):
    """What a handler may ask of the other features (``handlers.core.registry.Registry``, which the
    app builds and the desk hands over): the named interface between features."""

    @property
    def handover_sections(self) -> Sequence[HandoverSection]: ...

    @property
    def exports(self) -> Mapping[str, ExportTable]: ...  # the registers ``/export`` and ``dutydesk export`` write

    def draft_recorder(self, intent: str) -> DraftRecorder | None: ...

    def draft_card(self, intent: str) -> DraftView | None: ...

    def at_once(self, intent: str) -> ActAtOnce | None: ...

    def pending_answer(self, awaiting: str) -> PendingAnswer | None: ...


@dataclass(slots=True)
class Services:
    """Long-lived parts the composition root hands to every handler."""

    classifier: Classifier
    admin_ids: frozenset[int] = frozenset()
    default_language: str = "zh-Hans"
    default_timezone: str = "Asia/Shanghai"
    bot_username: str | None = None
    can_read_group_messages: bool | None = None
    files: FileSource | None = None


@dataclass(frozen=True, slots=True)
class TimerContext:
    """What a business timer's handler gets from the sweep (``DutyDesk.sweep``): the session of its
    own transaction, the claimed timer row, the sweep's time and the long-lived services (e.g.
    ``services.admin_ids``, the global admins an escalation repeat reaches), and the answers of slow
    calls made outside the transaction (``prepared``: a report's charts are drawn there and the timer
    is run again with them, as :meth:`Context.classify` does for an update)."""

    session: AsyncSession
    timer: Timer
    now: datetime
    services: Services
    prepared: Prepared = field(default_factory=lambda: Prepared(inline=True))
    features: Features | None = None  # the other features (the monthly workbook's registers of shifts)


def _counted(
    queue: Callable[Concatenate[AsyncSession, P], Awaitable[None]],
) -> Callable[Concatenate[Context, P], Awaitable[None]]:
    """A method queueing in the context's session what ``queue`` queues, counted in ``notified``."""

    async def method(self: Context, /, *args: P.args, **kwargs: P.kwargs) -> None:
        await queue(self.session, *args, **kwargs)
        self.notified += 1

    return method


@dataclass(slots=True)
class Context:
    msg: Inbound
    session: AsyncSession
    services: Services
    t: Translator
    now: datetime
    features: Features
    site: Site | None = None  # the site whose duty group this chat is
    roles: dict[int, Role] = field(default_factory=dict)  # site_id → role of the sender (SPEC §1: per site)
    notified: int = 0
    prepared: Prepared = field(default_factory=lambda: Prepared(inline=True))

    async def classify(self, text: str, *, speaker: Speaker, private: bool) -> Classification:
        """Read a message with the classifier. Handlers call this, never the classifier itself: the
        rules answer at once; when the LLM step is wanted, the desk asks it outside the record's
        transaction and runs the handler again (handlers.core.prepared)."""
        classifier = self.services.classifier
        fast = getattr(classifier, "classify_fast", None)
        if fast is not None:
            reading: Classification | None = fast(text, speaker=speaker, private=private)
            if reading is not None:
                return reading
        elif not self.prepared.inline:
            # A classifier without a fast path (a test double): it has no network step either.
            return await classifier.classify(text, speaker=speaker, private=private)

        async def slow() -> Classification:
            return await classifier.classify(text, speaker=speaker, private=private)

        answer: Classification = await self.prepared.get(("classify", text, speaker, private), slow)
        return answer

    async def attached_table(self, caps: Caps, default_name: str) -> list[TableRow]:
        """The rows of the CSV/XLSX file the sender attached: downloaded, then read in the worker
        process (handlers.core.uploads), both outside the transaction like the LLM step. Raises
        ``TableError`` when the file is refused (over the size cap: before any download) and
        ``LookupError`` when it cannot be fetched here."""
        size, file_id = self.msg.document_size, self.msg.document_file_id
        if size is not None and (refused := too_big(size, caps)) is not None:
            raise refused
        files = self.services.files
        if files is None or file_id is None:
            raise LookupError("files cannot be downloaded here")
        name = self.msg.document_name or default_name

        async def fetch_and_read() -> list[TableRow] | Exception:
            try:
                data = await files.fetch(file_id)
            except Exception as exc:  # kept as the answer: the handler tells the user
                return LookupError(f"the file could not be downloaded: {exc}")
            try:
                return await read_in_worker(data, name, caps)
            except TableError as exc:  # the refusal, said by the handler
                return exc

        answer = await self.prepared.get(("table", file_id, caps), fetch_and_read)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    def role_at(self, site_id: int | None) -> Role | None:
        if self.msg.user.id in self.services.admin_ids:
            return Role.ADMIN
        return self.roles.get(site_id) if site_id is not None else None

    def may(self, site_id: int | None, min_role: Access) -> bool:
        """Checked at every command and button: the sender's role at that site, never the payload's."""
        if min_role == ANYONE:
            return True
        role = self.role_at(site_id)
        return role is not None and role.covers(min_role)

    def may_here(self, min_role: Access) -> bool:
        """The role at this chat's site; in a chat of no site (private), the sender's highest role at
        any site. Commands (the handler then picks the site, e.g. /daylog) and buttons (before the
        record is looked up; its own site is checked after) use it."""
        if self.site is not None:
            return self.may(self.site.id, min_role)
        if self.is_global_admin or min_role == ANYONE:
            return True
        return any(role.covers(min_role) for role in self.roles.values())

    @property
    def is_global_admin(self) -> bool:
        return self.msg.user.id in self.services.admin_ids

    def policy(self, site: Site | None = None) -> Policy:
        target = site or self.site
        return Policy.for_site(target.policy if target else None)

    def zone(self, site: Site | None = None) -> ZoneInfo:
        target = site or self.site
        return ZoneInfo(target.timezone if target else self.services.default_timezone)

    def local(self, moment: datetime, site: Site | None = None) -> datetime:
        return moment.astimezone(self.zone(site))

    def hhmm(self, moment: datetime, site: Site | None = None) -> str:
        return self.local(moment, site).strftime("%m-%d %H:%M")

    def answer(self, text: str, *, alert: bool = False) -> Outcome:
        """A short answer: a toast for a button press, a message for a command."""
        return Outcome(toast=text, alert=alert) if self.msg.is_button else Outcome.say(text)

    # Queue a message to another chat in this transaction (sent by the delivery loop) and count it
    # in ``notified``: :func:`handlers.core.notices.queue`, its parameters after the session.
    notify = _counted(notices.queue)
