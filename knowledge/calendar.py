"""The working-day calendar of Vietnamese civil servants (lịch làm việc của cơ quan hành chính).

A working day is Monday–Friday, minus public holidays and official days off, plus official make-up
working days (the Saturdays the government swaps for a weekday off). A counter open on Saturday
morning does not make Saturday a working day.

Where the days come from, in layers; for each year the highest layer that lists it wins:

1. the ``holidays`` package (country ``VN``, Vietnamese lunar calendar): Labor Code 2019 art. 112
   holidays, the yearly swaps, make-up Saturdays (``weekend_workdays``), 24/11 from 2026. Years that
   no file lists use it alone.
2. ``knowledge/data/calendar.toml``, shipped with the code: the official schedule for 2024–2026.
3. an administrator's file in the same format (``MOTCUA_CALENDAR_FILE``; this package never reads
   settings, the caller passes the path), so that a newly announced swap needs no release.

A year section with ``complete = true`` (the default) is the whole official list for that year and
replaces the layers below; ``complete = false`` adds its days to them (one announced swap).

Names shown to citizens are Vietnamese ("Tết Nguyên đán", "Giỗ Tổ Hùng Vương", "Quốc khánh",
"Ngày Văn hóa Việt Nam", "Nghỉ bù Giỗ Tổ Hùng Vương", "Nghỉ bù – đi làm bù thứ Bảy 26/04/2025"); the
package's names are mapped onto the same wording.

Supported years: 2000–2100 (the package's Vietnamese lunar data ends in 2100); other years raise
``CalendarRangeError`` rather than silently counting Tết as working days.

``working_days_between(a, b)`` is the number of working days d with a < d ≤ b, and minus the number
with b < d ≤ a when b < a (so it is antisymmetric), the same "the first day is not counted" convention
as due dates: ``working_days_between(a, add_working_days(a, n)) == n`` for n ≥ 0 (for n < 0 when a is
a working day). So for a dossier due on ``due``: "due in N working days" is
``working_days_between(today, due)`` (0 on the due day itself), and "overdue by N working days" is
``working_days_between(due, today)``.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from knowledge.text import clean

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR, MAX_YEAR = 2000, 2100
PACKAGED_FILE = Path(__file__).resolve().parent / "data" / "calendar.toml"
HOLIDAYS_SOURCE = "holidays"

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


class CalendarError(ValueError):
    """Base of the calendar's errors; messages are Vietnamese first, English second."""


class CalendarFileError(CalendarError):
    """A calendar data file is missing, not TOML, or not in the expected shape."""


class CalendarRangeError(CalendarError):
    """A date outside the years the calendar can vouch for."""


@dataclass(frozen=True, slots=True, order=True)
class DayOff:
    """A named day: a day off (ngày nghỉ) or a make-up working day (ngày làm bù)."""

    date: date
    name: str


# --- office hours ---------------------------------------------------------------------------
_HHMM_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def _parse_session(text: str) -> tuple[time, time]:
    m = _HHMM_RANGE.match(str(text))
    if not m:
        raise ValueError(f"giờ làm việc phải có dạng HH:MM-HH:MM / office hours must be HH:MM-HH:MM: {text!r}")
    h1, m1, h2, m2 = map(int, m.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"giờ không hợp lệ / invalid time: {text!r}") from None
    return start, end


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Opening hours of an agency's one-stop desk: a morning and an (optional) afternoon session.

    Due dates fall due at ``closes`` (17:00 by default); a half working day falls due at the close of
    the morning session (``half_day_close``).
    """

    morning: tuple[time, time] = (time(7, 30), time(11, 30))
    afternoon: tuple[time, time] | None = (time(13, 30), time(17, 0))

    def __post_init__(self) -> None:
        sessions = self.sessions
        for start, end in sessions:
            if not start < end:
                raise ValueError(f"buổi làm việc rỗng / empty session: {start:%H:%M}-{end:%H:%M}")
        if len(sessions) == 2 and sessions[0][1] > sessions[1][0]:
            raise ValueError("buổi sáng phải kết thúc trước buổi chiều / morning must end before afternoon")

    @classmethod
    def parse(cls, morning: str, afternoon: str | None = None) -> OfficeHours:
        return cls(_parse_session(morning), _parse_session(afternoon) if afternoon else None)

    @property
    def sessions(self) -> tuple[tuple[time, time], ...]:
        return (self.morning,) + ((self.afternoon,) if self.afternoon else ())

    @property
    def opens(self) -> time:
        return self.morning[0]

    @property
    def closes(self) -> time:
        return self.sessions[-1][1]

    @property
    def half_day_close(self) -> time:
        return self.morning[1]

    def label(self) -> str:
        return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in self.sessions)


DEFAULT_OFFICE_HOURS = OfficeHours()


# --- data files -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class YearEntry:
    year: int
    complete: bool
    days_off: tuple[DayOff, ...]
    makeup_days: tuple[DayOff, ...]


@dataclass(frozen=True, slots=True)
class CalendarLayer:
    """One parsed calendar file."""

    source: str
    years: Mapping[int, YearEntry]
    office_hours: OfficeHours | None = None
    agency_hours: Mapping[str, OfficeHours] = field(default_factory=dict)


def agency_key(code: str) -> str:
    return clean(code).upper()


def _file_error(source: str, problem: str) -> CalendarFileError:
    return CalendarFileError(f"tệp lịch {source}: {problem}")


def _as_date(value: Any, source: str, where: str) -> date:
    if isinstance(value, datetime):
        raise _file_error(source, f"{where}: cần một ngày, không phải ngày giờ / a date, not a datetime")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _file_error(source, f"{where}: ngày không hợp lệ / not a date (YYYY-MM-DD): {value!r}")


def _day_list(raw: Any, year: int, source: str, key: str) -> tuple[DayOff, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _file_error(source, f"years.{year}.{key} phải là một danh sách / must be a list")
    days: dict[date, DayOff] = {}
    for i, item in enumerate(raw):
        where = f"years.{year}.{key}[{i}]"
        if not isinstance(item, dict):
            raise _file_error(source, f"{where}: cần {{ date = ..., name = ... }} / expected a table")
        unknown = set(item) - {"date", "name"}
        if unknown:
            raise _file_error(source, f"{where}: khóa lạ / unknown keys {sorted(unknown)}")
        d = _as_date(item.get("date"), source, where)
        if d.year != year:
            raise _file_error(source, f"{where}: {d.isoformat()} không thuộc năm / is not in year {year}")
        name = clean(item.get("name")) if isinstance(item.get("name"), str) else ""
        if not name:
            raise _file_error(source, f"{where}: thiếu tên ngày / missing name")
        if d in days:
            raise _file_error(source, f"{where}: ngày {d.isoformat()} lặp lại / listed twice")
        days[d] = DayOff(d, name)
    return tuple(sorted(days.values()))


def _office_hours(raw: Any, source: str, where: str) -> OfficeHours:
    if not isinstance(raw, dict) or "morning" not in raw:
        raise _file_error(source, f"{where}: cần morning = \"HH:MM-HH:MM\" / needs morning")
    unknown = set(raw) - {"morning", "afternoon", "agencies"}
    if unknown:
        raise _file_error(source, f"{where}: khóa lạ / unknown keys {sorted(unknown)}")
    try:
        return OfficeHours.parse(raw["morning"], raw.get("afternoon"))
    except ValueError as exc:
        raise _file_error(source, f"{where}: {exc}") from None


def parse_calendar_text(text: str, source: str = "<text>") -> CalendarLayer:
    """Parse one calendar file's content; every problem raises ``CalendarFileError`` naming the spot."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _file_error(source, f"không phải TOML hợp lệ / not valid TOML: {exc}") from None
    unknown = set(data) - {"years", "office_hours"}
    if unknown:
        raise _file_error(source, f"khóa lạ / unknown top-level keys {sorted(unknown)}")

    years: dict[int, YearEntry] = {}
    raw_years = data.get("years", {})
    if not isinstance(raw_years, dict):
        raise _file_error(source, "[years] phải là một bảng / must be a table")
    for key, section in raw_years.items():
        try:
            year = int(key)
        except ValueError:
            raise _file_error(source, f"years.{key}: năm không hợp lệ / not a year") from None
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise _file_error(source, f"years.{key}: ngoài {MIN_YEAR}–{MAX_YEAR} / out of range")
        if not isinstance(section, dict):
            raise _file_error(source, f"years.{key} phải là một bảng / must be a table")
        unknown = set(section) - {"complete", "days_off", "makeup_days"}
        if unknown:
            raise _file_error(source, f"years.{key}: khóa lạ / unknown keys {sorted(unknown)}")
        complete = section.get("complete", True)
        if not isinstance(complete, bool):
            raise _file_error(source, f"years.{key}.complete phải là true/false / must be a boolean")
        off = _day_list(section.get("days_off"), year, source, "days_off")
        makeup = _day_list(section.get("makeup_days"), year, source, "makeup_days")
        for m in makeup:
            if m.date.weekday() < 5:
                raise _file_error(
                    source,
                    f"years.{key}.makeup_days: {m.date.isoformat()} là {WEEKDAYS_VI[m.date.weekday()]}, "
                    "ngày làm bù phải là thứ Bảy/Chủ nhật / a make-up day must be a Saturday or Sunday",
                )
        both = {d.date for d in off} & {m.date for m in makeup}
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise _file_error(source, f"years.{key}: vừa nghỉ vừa làm bù / both off and make-up: {listed}")
        years[year] = YearEntry(year, complete, off, makeup)

    office: OfficeHours | None = None
    agencies: dict[str, OfficeHours] = {}
    raw_office = data.get("office_hours")
    if raw_office is not None:
        if not isinstance(raw_office, dict):
            raise _file_error(source, "[office_hours] phải là một bảng / must be a table")
        if "morning" in raw_office:
            office = _office_hours(raw_office, source, "office_hours")
        raw_agencies = raw_office.get("agencies", {})
        if not isinstance(raw_agencies, dict):
            raise _file_error(source, "[office_hours.agencies] phải là một bảng / must be a table")
        for code, hours in raw_agencies.items():
            agencies[agency_key(code)] = _office_hours(hours, source, f"office_hours.agencies.{code}")
    return CalendarLayer(source, MappingProxyType(years), office, MappingProxyType(agencies))


def read_calendar_file(path: Path | str) -> CalendarLayer:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(str(path), f"không đọc được / cannot read: {exc}") from None
    return parse_calendar_text(text, str(path))


# --- names from the holidays package ---------------------------------------------------------
_SUBSTITUTE = re.compile(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})")


def _holiday_name(raw: str) -> str:
    """The package's Vietnamese names, in the wording of our data file."""
    name = clean(raw)
    estimated = " (dự kiến)" if "dự kiến" in name else ""
    observed = "nghỉ bù" in name
    base = re.sub(r"\s*\((nghỉ bù|dự kiến)(, dự kiến)?\)", "", name)
    if "Tết Nguyên Đán" in base or base.startswith("29 Tết"):
        return "Tết Nguyên đán" + estimated  # every Tết day off is "Tết", observed or not
    if "Giỗ Tổ Hùng Vương" in base:
        base = "Giỗ Tổ Hùng Vương"
    m = _SUBSTITUTE.search(base)
    if m:
        d = date(int(m[3]), int(m[2]), int(m[1]))
        return f"Nghỉ bù – đi làm bù {WEEKDAYS_VI[d.weekday()]} {d:%d/%m/%Y}"
    return ("Nghỉ bù " if observed else "") + base + estimated


def holidays_schedule(year: int) -> YearEntry:
    """What the ``holidays`` package alone says about ``year`` (weekend holidays included)."""
    import holidays  # only for years no calendar file lists, and `calendar show --check`: ~35 ms to import

    h = holidays.country_holidays("VN", years=year, language="vi")
    off = tuple(sorted(DayOff(d, _holiday_name(n)) for d, n in h.items() if d.year == year))
    swapped = {}  # make-up day -> the weekday off it pays for
    for d, n in h.items():
        m = _SUBSTITUTE.search(n)
        if m:
            swapped[date(int(m[3]), int(m[2]), int(m[1]))] = d
    makeup = []
    for d in sorted(x for x in h.weekend_workdays if x.year == year):
        paid = swapped.get(d)
        name = f"Làm bù cho ngày nghỉ {WEEKDAYS_VI[paid.weekday()]} {paid:%d/%m/%Y}" if paid else "Làm bù"
        makeup.append(DayOff(d, name))
    return YearEntry(year, True, off, tuple(makeup))


# --- the calendar ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Year:
    off: Mapping[date, str]  # every named day off, weekend ones included
    makeup: Mapping[date, str]
    work: tuple[date, ...]  # the year's working days, sorted
    sources: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """Immutable working-day calendar: built once, each year computed on first use and cached.

    Build it with ``WorkingCalendar.load(override_path)`` (packaged data file + optional override),
    or ``WorkingCalendar()`` for the ``holidays`` package alone.
    """

    layers: tuple[CalendarLayer, ...] = ()
    tz: ZoneInfo = VN_TZ
    _cache: dict[int, _Year] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def load(cls, override: Path | str | None = None, *, packaged: bool = True) -> WorkingCalendar:
        """The packaged official schedule, then ``override`` (an administrator's file) on top."""
        layers = []
        if packaged:
            layers.append(read_calendar_file(PACKAGED_FILE))
        if override:
            layers.append(read_calendar_file(override))
        return cls(tuple(layers))

    # -- per year --
    def _year(self, year: int) -> _Year:
        cached = self._cache.get(year)
        if cached is not None:
            return cached
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CalendarRangeError(
                f"năm {year} ngoài phạm vi lịch {MIN_YEAR}–{MAX_YEAR} / year {year} is outside the calendar"
            )
        if any((e := layer.years.get(year)) is not None and e.complete for layer in self.layers):
            off, makeup, sources = {}, {}, []  # a complete year replaces the package: not even imported
        else:
            base = holidays_schedule(year)
            off = {d.date: d.name for d in base.days_off}
            makeup = {d.date: d.name for d in base.makeup_days}
            sources = [HOLIDAYS_SOURCE]
        for layer in self.layers:
            entry = layer.years.get(year)
            if entry is None:
                continue
            if entry.complete:
                off, makeup, sources = {}, {}, []
            for d in entry.days_off:
                off[d.date] = d.name
                makeup.pop(d.date, None)  # the latest word wins
            for d in entry.makeup_days:
                makeup[d.date] = d.name
                off.pop(d.date, None)
            sources.append(layer.source)
        work = []
        day, end = date(year, 1, 1), date(year, 12, 31)
        while day <= end:
            if day in makeup or (day.weekday() < 5 and day not in off):
                work.append(day)
            day += timedelta(days=1)
        result = _Year(MappingProxyType(off), MappingProxyType(makeup), tuple(work), tuple(sources))
        self._cache[year] = result
        return result

    def sources(self, year: int) -> tuple[str, ...]:
        """Where ``year`` comes from: "holidays" and/or the files that list it, lowest first."""
        return self._year(year).sources

    def days_off(self, year: int) -> tuple[DayOff, ...]:
        """The year's weekdays off (Monday–Friday that are not working days), with names."""
        y = self._year(year)
        return tuple(DayOff(d, n) for d, n in sorted(y.off.items()) if d.weekday() < 5)

    def makeup_days(self, year: int) -> tuple[DayOff, ...]:
        """The year's make-up working days (weekend days that are working days), with names."""
        return tuple(DayOff(d, n) for d, n in sorted(self._year(year).makeup.items()))

    # -- per day --
    def is_working_day(self, d: date) -> bool:
        y = self._year(d.year)
        if d in y.makeup:
            return True
        return d.weekday() < 5 and d not in y.off

    def day_off_name(self, d: date) -> str | None:
        """The name of the day off on ``d`` (weekend holidays too), or None."""
        return self._year(d.year).off.get(d)

    def makeup_name(self, d: date) -> str | None:
        return self._year(d.year).makeup.get(d)

    def describe_day(self, d: date) -> str:
        """Why ``d`` is (not) a working day, in a few Vietnamese words, for explanations."""
        weekday = WEEKDAYS_VI[d.weekday()]
        if self.makeup_name(d) is not None:
            return f"{weekday}, ngày làm bù"
        if (name := self.day_off_name(d)) is not None:
            return f"{weekday}, nghỉ {name}"
        return weekday if d.weekday() < 5 else f"{weekday}, ngày nghỉ"

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        return self.add_working_days(d, -1)

    def working_day_on_or_after(self, d: date) -> date:
        return d if self.is_working_day(d) else self.next_working_day(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (n > 0), strictly before it (n < 0), or ``d`` (n = 0)."""
        if n == 0:
            return d
        year = d.year
        work = self._year(year).work
        if n > 0:
            i = bisect_right(work, d)  # index of the first working day after d
            while n > len(work) - i:
                n -= len(work) - i
                year += 1
                work, i = self._year(year).work, 0
            return work[i + n - 1]
        n = -n
        i = bisect_left(work, d)  # number of working days before d in its year
        while n > i:
            n -= i
            year -= 1
            work = self._year(year).work
            i = len(work)
        return work[i - n]

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d ≤ b; negative (−count of b < d ≤ a) when b < a. See module docstring."""
        if b < a:
            return -self.working_days_between(b, a)
        count = bisect_right(self._year(b.year).work, b) - bisect_right(self._year(a.year).work, a)
        for year in range(a.year, b.year):
            count += len(self._year(year).work)
        return count

    def working_days(self, a: date, b: date) -> Iterator[date]:
        """The working days d with a < d ≤ b, in order."""
        for year in range(a.year, b.year + 1):
            work = self._year(year).work
            for d in work[bisect_right(work, a) : bisect_right(work, b)]:
                yield d

    def days_off_between(self, a: date, b: date) -> list[DayOff]:
        """Weekdays off d with a < d ≤ b (the days a count skips besides weekends), with names."""
        found = []
        d = a + timedelta(days=1)
        while d <= b:
            if d.weekday() < 5 and not self.is_working_day(d):
                found.append(DayOff(d, self.day_off_name(d) or "ngày nghỉ"))
            d += timedelta(days=1)
        return found

    def makeup_between(self, a: date, b: date) -> list[DayOff]:
        """Make-up working days d with a < d ≤ b."""
        found = []
        for year in range(a.year, b.year + 1):
            found += [DayOff(d, n) for d, n in sorted(self._year(year).makeup.items()) if a < d <= b]
        return found

    # -- office hours --
    def office_hours(self, agency: str | None = None) -> OfficeHours:
        """The agency's hours if a file lists it, else the files' default, else 07:30–11:30, 13:30–17:00."""
        hours = DEFAULT_OFFICE_HOURS
        for layer in self.layers:
            if layer.office_hours is not None:
                hours = layer.office_hours
        if agency:
            key = agency_key(agency)
            for layer in self.layers:
                hours = layer.agency_hours.get(key, hours)
        return hours

    def file_years(self) -> tuple[int, ...]:
        return tuple(sorted({y for layer in self.layers for y in layer.years}))


def compare_with_holidays(calendar: WorkingCalendar, year: int) -> list[tuple[str, str, DayOff]]:
    """Differences between ``calendar`` and the ``holidays`` package alone for ``year``.

    Each difference is (kind, side, day): kind "off" (weekday off) or "makeup"; side "file" (only in
    the calendar's files) or "holidays" (only in the package). Names are not compared: ours are
    reworded on purpose.
    """
    base = WorkingCalendar()
    diffs: list[tuple[str, str, DayOff]] = []
    for kind, ours, theirs in (
        ("off", calendar.days_off(year), base.days_off(year)),
        ("makeup", calendar.makeup_days(year), base.makeup_days(year)),
    ):
        ours_d = {d.date: d for d in ours}
        theirs_d = {d.date: d for d in theirs}
        for d in sorted(ours_d.keys() - theirs_d.keys()):
            diffs.append((kind, "file", ours_d[d]))
        for d in sorted(theirs_d.keys() - ours_d.keys()):
            diffs.append((kind, "holidays", theirs_d[d]))
    diffs.sort(key=lambda x: x[2].date)
    return diffs


_DEFAULT: WorkingCalendar | None = None


def default_calendar() -> WorkingCalendar:
    """The packaged official schedule on top of ``holidays`` (no administrator override)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = WorkingCalendar.load()
    return _DEFAULT


def to_local(moment: datetime, tz: ZoneInfo = VN_TZ) -> datetime:
    """Naive datetimes are Vietnam local time; aware ones are converted to it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def check_supported(moment: datetime, tz: ZoneInfo = VN_TZ) -> datetime:
    """``moment`` itself when the calendar can reason about its local day (years MIN_YEAR–MAX_YEAR
    in ``tz``); ``CalendarRangeError`` otherwise, before anything counts working days from it. A
    moment at the edge of ``datetime`` (year 1 at +14:00) cannot even be moved to ``tz``."""
    try:
        year = to_local(moment, tz).year
    except OverflowError:
        year = moment.year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarRangeError(
            f"năm {year} ngoài phạm vi lịch {MIN_YEAR}–{MAX_YEAR} / "
            f"year {year} is outside the calendar's {MIN_YEAR}–{MAX_YEAR}"
        )
    return moment
