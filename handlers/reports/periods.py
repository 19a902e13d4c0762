"""Report periods on the site's calendar: a month (``2026-11``), a quarter (``2026-Q4``) or a year
(``2026``); each knows its bounds in UTC, its parts for the charts (a month's weeks, a quarter's or a
year's months), the period before it, and its label. 000 L76: monthly, quarterly and annual
summaries go to the superior."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
Kind = Literal["month", "quarter", "year"]
FORMS = {"month": "YYYY-MM", "quarter": "YYYY-Qn", "year": "YYYY"}


def _year_ok(year: int) -> bool:
    return 2000 <= year <= 2999


class Period(Protocol):
    """What a report needs of its period."""

    @property
    def kind(self) -> Kind: ...
    @property
    def label(self) -> str: ...
    @property
    def first(self) -> date: ...
    @property
    def previous(self) -> Period: ...
    @property
    def months(self) -> list[Month]: ...
    def start(self, zone: ZoneInfo) -> datetime: ...
    def end(self, zone: ZoneInfo) -> datetime: ...
    def parts(self, zone: ZoneInfo) -> list[datetime]: ...
    def part_numbers(self) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @property
    def kind(self) -> Kind:
        return "month"

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    @property
    def months(self) -> list[Month]:
        return [self]

    @property
    def days(self) -> int:
        return (self.next.first - self.first).days

    def start(self, zone: ZoneInfo) -> datetime:
        """Midnight of the 1st in the site's zone, as UTC (the records' times)."""
        return at_midnight(self.first, zone)

    def end(self, zone: ZoneInfo) -> datetime:
        return at_midnight(self.next.first, zone)

    def weeks(self, zone: ZoneInfo) -> list[datetime]:
        """Bounds of the month's weeks (days 1-7, 8-14, 15-21, 22-28, 29 to the end), UTC."""
        days = [self.first + timedelta(days=d) for d in range(0, self.days, 7)]
        return [at_midnight(day, zone) for day in days] + [self.end(zone)]

    def parts(self, zone: ZoneInfo) -> list[datetime]:
        """The bounds of the chart's bars: the weeks."""
        return self.weeks(zone)

    def part_numbers(self) -> list[int]:
        return list(range(1, len(range(0, self.days, 7)) + 1))

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """``YYYY-MM`` (a month 1-12, a year 2000-2999), or None."""
        found = _MONTH.match(text.strip())
        if found is None:
            return None
        year, month = int(found.group(1)), int(found.group(2))
        if not (_year_ok(year) and 1 <= month <= 12):
            return None
        return cls(year, month)

    @classmethod
    def previous_of(cls, moment: datetime, zone: ZoneInfo) -> Month:
        """The last whole month before ``moment``, on the site's calendar."""
        return cls.of(moment, zone).previous

    @classmethod
    def of(cls, moment: datetime, zone: ZoneInfo) -> Month:
        """The month a moment falls in, on the site's calendar."""
        local = moment.astimezone(zone)
        return cls(local.year, local.month)


@dataclass(frozen=True, slots=True)
class _Months:
    """A run of whole months (a quarter, a year): bounds and parts come from its months."""

    @property
    def months(self) -> list[Month]:
        raise NotImplementedError

    @property
    def first(self) -> date:
        return self.months[0].first

    def start(self, zone: ZoneInfo) -> datetime:
        return self.months[0].start(zone)

    def end(self, zone: ZoneInfo) -> datetime:
        return self.months[-1].end(zone)

    def parts(self, zone: ZoneInfo) -> list[datetime]:
        """The bounds of the chart's bars: the months."""
        return [m.start(zone) for m in self.months] + [self.end(zone)]

    def part_numbers(self) -> list[int]:
        return [m.month for m in self.months]


@dataclass(frozen=True, slots=True)
class Quarter(_Months):
    year: int
    quarter: int  # 1-4

    @property
    def kind(self) -> Kind:
        return "quarter"

    @property
    def label(self) -> str:
        return f"{self.year:04d}-Q{self.quarter}"

    @property
    def months(self) -> list[Month]:
        return [Month(self.year, 3 * (self.quarter - 1) + k) for k in (1, 2, 3)]

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.quarter == 1 else Quarter(self.year, self.quarter - 1)

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """``YYYY-Qn`` (n 1-4, a year 2000-2999; ``q`` too), or None."""
        found = _QUARTER.match(text.strip())
        if found is None or not _year_ok(int(found.group(1))):
            return None
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, moment: datetime, zone: ZoneInfo) -> Quarter:
        month = Month.of(moment, zone)
        return cls(month.year, (month.month - 1) // 3 + 1)


@dataclass(frozen=True, slots=True)
class Year(_Months):
    year: int

    @property
    def kind(self) -> Kind:
        return "year"

    @property
    def label(self) -> str:
        return f"{self.year:04d}"

    @property
    def months(self) -> list[Month]:
        return [Month(self.year, k) for k in range(1, 13)]

    @property
    def previous(self) -> Year:
        return Year(self.year - 1)

    @classmethod
    def parse(cls, text: str) -> Year | None:
        """``YYYY`` (2000-2999), or None."""
        found = _YEAR.match(text.strip())
        return cls(int(found.group(1))) if found and _year_ok(int(found.group(1))) else None

    @classmethod
    def of(cls, moment: datetime, zone: ZoneInfo) -> Year:
        return cls(moment.astimezone(zone).year)


def parse_period(text: str) -> Month | Quarter | Year | None:
    """A month ``YYYY-MM``, a quarter ``YYYY-Qn`` or a year ``YYYY``; None for anything else."""
    return Month.parse(text) or Quarter.parse(text) or Year.parse(text)


def at_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
