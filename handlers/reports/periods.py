"""Report periods: a calendar month in the site's time zone, its weeks, the month before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

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

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """``YYYY-MM`` (a month 1-12, a year 2000-2999), or None."""
        found = _MONTH.match(text.strip())
        if found is None:
            return None
        year, month = int(found.group(1)), int(found.group(2))
        if not (2000 <= year <= 2999 and 1 <= month <= 12):
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


def at_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
