"""Calendar months in Vietnam time: the bounds a monthly report counts within, and the ways a month
is typed ("2026-03" on the command line, "03/2026" or "3/2026" in the chat)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from knowledge.calendar import MAX_YEAR, MIN_YEAR, VN_TZ, to_local

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")  # 2026-03
_LOCAL = re.compile(r"^\s*(?:th[aá]ng\s*)?(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$", re.I)  # 03/2026, 3-2026, tháng 3/2026


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"no such month: {self.month}/{self.year}")

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """"2026-03", "03/2026", "3/2026", "tháng 3/2026"; None for anything else."""
        if m := _ISO.match(text or ""):
            year, month = int(m[1]), int(m[2])
        elif m := _LOCAL.match(text or ""):
            month, year = int(m[1]), int(m[2])
        else:
            return None
        try:
            found = cls(year, month)
            found.end()  # December of the calendar's last year has no "after"
        except ValueError:
            return None
        return found

    @classmethod
    def of(cls, moment: datetime, tz: ZoneInfo = VN_TZ) -> Month:
        local = to_local(moment, tz)
        return cls(local.year, local.month)

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def start(self, tz: ZoneInfo = VN_TZ) -> datetime:
        """The first moment of the month (00:00 of the 1st, local time)."""
        return datetime.combine(date(self.year, self.month, 1), time(0), tz)

    def end(self, tz: ZoneInfo = VN_TZ) -> datetime:
        """The first moment after it (exclusive)."""
        return self.shifted(1).start(tz)

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year:04d}"
