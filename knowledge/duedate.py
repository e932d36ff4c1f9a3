"""Due dates of administrative procedures (hạn giải quyết) and why, in plain Vietnamese.

``due_date(received, days, unit, pauses, calendar, office_hours, same_day_cutoff) -> DueDate``.
Times are Vietnam local time (naive datetimes are taken as such; aware ones are converted).

Our rules (vn-rules.md, "our rule"; the configurable parts are parameters):

- **N working days** (``working``/``WORKING_DAY``): day 1 is the first working day strictly after
  the receipt date — the receipt day is never counted, so a receipt on a weekend, a holiday, a
  make-up Saturday or after office hours also starts at the next working day. The due date is the
  N-th working day from day 1, due at the close of office hours (17:00 by default, per agency).
- **N calendar days** (``calendar``/``DAY``): receipt date + N; if that day is not a working day, the
  next working day (Civil Code 2015 art. 147–148). The receipt time does not matter.
- **Same day** (``same_day``/``SAME_DAY``, and 0 working days): received on a working day before the
  cut-off (15:00 by default; ``same_day_cutoff=False`` uses the close of office hours, a ``time``
  sets another cut-off): that day; at or after it, or on a day off: the next working day.
  The amount is ignored.
- **Clock stopped** (status 5/6): the days used before a pause are the counted days from day 1 up to
  the day before the pause began; after the resume, counting restarts at the first counted day
  strictly after the resume date, for the days that remain. Pauses apply one after another (they
  are sorted and must not overlap). Choices where the rules are silent:
  * a pause that begins before day 1 (e.g. the afternoon of the receipt day) uses nothing: counting
    starts after the resume date as if the dossier had been received then;
  * a pause that begins after the due date does not move it (the time was already spent; the
    dossier was late before it paused); a pause beginning ON the due date leaves that day unused,
    so one day remains after the resume;
  * a pause that ends after the original due date simply carries the remaining days past it;
  * a pause with no end (still waiting for the citizen) gives no due date: ``due_date`` is None and
    ``remaining`` says what is left once the citizen answers;
  * a pause may not begin before the receipt, nor end before it begins.
  For calendar days the same rule counts calendar days; for same-day procedures the same-day rule is
  applied again at the resume time (a pause that begins after the due day is ignored).
- **Fractions of a working day** ("0,5 ngày"): rounded UP to half days. N whole days as above; a
  remaining half day is the morning of the next counted day, due at the close of the morning session
  (11:30 by default). So 0.5 day received Monday is due Tuesday 11:30, 1 day Tuesday 17:00, 1.5 days
  Wednesday 11:30 — never earlier for more time. Fractional calendar days round up to whole days.
- **Working hours** (``hour``/``HOUR``, "8 giờ"): counted on the agency's office clock, from the
  receipt instant (or the next opening when received outside office hours or on a day off), during
  office sessions of working days only; due at the instant they run out. A pause stops the clock
  from its start to its end instant. Unlike days, the receipt day is counted: hours are short.
- **Months** (``month``/``MONTH``): the same date N months later (the last day of a shorter month),
  then the next working day if it is not one. Pauses are not supported for months.

The explanation lists the weekdays off skipped inside the counting window with their names, make-up
Saturdays counted, pauses, and the cut-off when it applied.
"""

from __future__ import annotations

import calendar as _stdcal
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from knowledge.calendar import (
    WEEKDAYS_VI,
    DayOff,
    OfficeHours,
    WorkingCalendar,
    default_calendar,
    to_local,
)
from knowledge.text import fold

DEFAULT_CUTOFF = time(15, 0)
MAX_DAYS = 3660  # ten years of calendar days: far beyond any published processing time
MAX_HOURS = MAX_DAYS * 8
MAX_MONTHS = 120


class DueDateError(ValueError):
    """Input a due date cannot be computed from; the message is Vietnamese first, English second."""


class Unit(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"
    SAME_DAY = "same_day"
    HOUR = "hour"
    MONTH = "month"


_UNIT_ALIASES = {
    "working": Unit.WORKING,
    "working_day": Unit.WORKING,
    "working_days": Unit.WORKING,
    "workday": Unit.WORKING,
    "workdays": Unit.WORKING,
    "ngay_lam_viec": Unit.WORKING,
    "calendar": Unit.CALENDAR,
    "calendar_day": Unit.CALENDAR,
    "calendar_days": Unit.CALENDAR,
    "day": Unit.CALENDAR,
    "days": Unit.CALENDAR,
    "ngay": Unit.CALENDAR,
    "same_day": Unit.SAME_DAY,
    "sameday": Unit.SAME_DAY,
    "trong_ngay": Unit.SAME_DAY,
    "hour": Unit.HOUR,
    "hours": Unit.HOUR,
    "working_hour": Unit.HOUR,
    "working_hours": Unit.HOUR,
    "gio": Unit.HOUR,
    "gio_lam_viec": Unit.HOUR,
    "month": Unit.MONTH,
    "months": Unit.MONTH,
    "thang": Unit.MONTH,
}


def parse_unit(value: Any) -> Unit:
    """working/calendar/same_day/hour/month, the catalogue's TimeUnit values, or Vietnamese words."""
    if isinstance(value, Unit):
        return value
    key = "_".join(fold(str(value or "")).replace("-", " ").split())
    unit = _UNIT_ALIASES.get(key)
    if unit is None:
        shown = str(value)[:40]
        raise DueDateError(
            f"đơn vị thời hạn không hợp lệ / unknown unit {shown!r} "
            "(working, calendar, same_day, hour, month; WORKING_DAY, DAY, SAME_DAY, HOUR, MONTH)"
        )
    return unit


@dataclass(frozen=True, slots=True)
class Pause:
    """The clock stopped (status 5/6) from ``start``; ``end`` None: still waiting for the citizen."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class PauseEffect:
    start: datetime
    end: datetime | None
    used: float  # time used before this pause began, all segments so far (days or hours)
    remaining: float  # what is left after it
    restart: date | None  # the first counted day after the resume (None: open pause or ignored)
    ignored: bool = False  # began after the due date: did not move it


@dataclass(frozen=True)
class DueDate:
    received: datetime
    amount: float
    unit: Unit
    due_date: date | None  # None only while an open pause waits for the citizen
    due_at: datetime | None
    start: date | None  # day 1 (the first counted day, or the day the hours start)
    explanation: str  # plain Vietnamese, for citizens
    counted_days: tuple[date, ...] = ()
    skipped: tuple[DayOff, ...] = ()  # weekdays off skipped inside the counting window
    makeup_counted: tuple[DayOff, ...] = ()  # make-up working days counted
    pauses: tuple[PauseEffect, ...] = ()
    cutoff_applied: bool = False  # same day: the cut-off moved the date to the next working day
    remaining: float | None = None  # while paused: what is left once the clock runs again

    @property
    def paused(self) -> bool:
        return self.due_date is None

    def to_json(self) -> dict[str, Any]:
        def day(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "received": self.received.isoformat(),
            "days": int(self.amount) if self.amount.is_integer() else self.amount,
            "unit": self.unit.value,
            "due_date": day(self.due_date),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "start": day(self.start),
            "skipped": [{"date": d.date.isoformat(), "name": d.name} for d in self.skipped],
            "makeup_counted": [{"date": d.date.isoformat(), "name": d.name} for d in self.makeup_counted],
            "pauses": [
                {
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat() if p.end else None,
                    "used": p.used,
                    "remaining": p.remaining,
                    "restart": day(p.restart),
                    "ignored": p.ignored,
                }
                for p in self.pauses
            ],
            "cutoff_applied": self.cutoff_applied,
            "paused": self.paused,
            "remaining": self.remaining,
            "explanation": self.explanation,
        }


# --- wording --------------------------------------------------------------------------------
def _num(x: float) -> str:
    return f"{x:g}".replace(".", ",")


UNIT_WORDS: dict[Unit, tuple[str, str]] = {  # what an amount of each unit is called (vi, en)
    Unit.WORKING: ("ngày làm việc", "working days"),
    Unit.CALENDAR: ("ngày", "days"),
    Unit.SAME_DAY: ("ngày", "days"),
    Unit.HOUR: ("giờ làm việc", "working hours"),
    Unit.MONTH: ("tháng", "months"),
}


def amount_words(amount: float, unit: str | Unit) -> tuple[str, str]:
    """"2,5 ngày làm việc" / "2.5 working days": the explanations' number format (decimal comma)."""
    vi, en = UNIT_WORDS[parse_unit(unit)]
    return f"{_num(amount)} {vi}", f"{amount:g} {en}"


def _dm(d: date, ref: date) -> str:
    return f"{d:%d/%m}" if d.year == ref.year else f"{d:%d/%m/%Y}"


def _dt(moment: datetime) -> str:
    return f"{moment:%d/%m/%Y %H:%M}"


def _full(d: date) -> str:
    return f"{WEEKDAYS_VI[d.weekday()]} {d:%d/%m/%Y}"


def _group_days(cal: WorkingCalendar, days: Sequence[DayOff], ref: date) -> list[str]:
    """"27/01–31/01 (Tết Nguyên đán)": same-name days with no working day between are one range."""
    groups: list[list[DayOff]] = []
    for d in days:
        last = groups[-1][-1] if groups else None
        if last and last.name == d.name and cal.working_days_between(last.date, d.date) == 0:
            groups[-1].append(d)
        else:
            groups.append([d])
    out = []
    for g in groups:
        span = _dm(g[0].date, ref) if len(g) == 1 else f"{_dm(g[0].date, ref)}–{_dm(g[-1].date, ref)}"
        out.append(f"{span} ({g[0].name})")
    return out


def _receipt_note(cal: WorkingCalendar, hours: OfficeHours, moment: datetime) -> str:
    d = moment.date()
    if not cal.is_working_day(d) or cal.makeup_name(d) is not None:
        return f" ({cal.describe_day(d)})"
    if moment.time() >= hours.closes:
        return f" (sau giờ làm việc, {hours.closes:%H:%M})"
    return ""


NEXT_DAY = "nên chuyển sang ngày làm việc tiếp theo"
NO_DUE_YET = "chưa có hạn mới cho đến khi hồ sơ được bổ sung"


def _ignored_pause(start: datetime) -> str:
    return f"tạm dừng từ {_dt(start)} sau khi đã hết hạn nên không làm thay đổi hạn"


def _skipped_part(cal: WorkingCalendar, skipped: Sequence[DayOff], ref: date) -> str:
    return "bỏ qua " + ", ".join(_group_days(cal, skipped, ref)) if skipped else ""


def _sentence(parts: Iterable[str]) -> str:
    text = ", ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + "."


# --- input ----------------------------------------------------------------------------------
def _amount(days: Any, unit: Unit) -> float:
    if isinstance(days, bool) or not isinstance(days, int | float):
        raise DueDateError(f"thời hạn phải là một số / the amount must be a number: {str(days)[:40]!r}")
    value = float(days)
    if not math.isfinite(value) or value < 0:
        raise DueDateError(f"thời hạn phải là số không âm / the amount must be a finite number ≥ 0: {days!r}")
    limit = {Unit.HOUR: MAX_HOURS, Unit.MONTH: MAX_MONTHS}.get(unit, MAX_DAYS)
    if value > limit:
        raise DueDateError(f"thời hạn quá lớn / the amount is too large (> {limit}): {days!r}")
    if unit is Unit.MONTH and value != int(value):
        raise DueDateError(f"số tháng phải là số nguyên / months must be whole: {days!r}")
    return value


def _pauses(pauses: Iterable[Pause | tuple], received: datetime, cal: WorkingCalendar) -> tuple[Pause, ...]:
    result = []
    for p in pauses:
        if not isinstance(p, Pause):
            start, end = p
            p = Pause(start, end)
        start = to_local(p.start, cal.tz)
        end = to_local(p.end, cal.tz) if p.end is not None else None
        if start < received:
            raise DueDateError(
                f"tạm dừng bắt đầu trước khi nhận hồ sơ / pause begins before the receipt: {_dt(start)}"
            )
        if end is not None and end < start:
            raise DueDateError(
                f"tạm dừng kết thúc trước khi bắt đầu / pause ends before it begins: {_dt(end)}"
            )
        result.append(Pause(start, end))
    result.sort(key=lambda p: p.start)
    for prev, nxt in zip(result, result[1:]):
        if prev.end is None or nxt.start < prev.end:
            raise DueDateError(
                f"các lần tạm dừng chồng lên nhau / pauses overlap: {_dt(prev.start)} và {_dt(nxt.start)}"
            )
    return tuple(result)


# --- day counting with pauses -----------------------------------------------------------------
@dataclass
class _Counted:
    due: date | None  # the last counted day (before any calendar-day shift)
    effects: list[PauseEffect]
    segments: list[tuple[date, date]]  # counted windows (after, upto]
    remaining: int


def _count_with_pauses(
    received_day: date,
    n: int,
    pauses: Sequence[Pause],
    count: Callable[[date, date], int],
    nth: Callable[[date, int], date],
) -> _Counted:
    """Count n days strictly after the receipt, stopping the clock during pauses (our rule)."""
    cursor, remaining = received_day, n
    effects: list[PauseEffect] = []
    segments: list[tuple[date, date]] = []
    for i, p in enumerate(pauses):
        last_before = p.start.date() - timedelta(days=1)  # the pause day itself is not counted
        available = count(cursor, last_before) if last_before > cursor else 0
        if available >= remaining:  # the time ran out before this pause began
            effects += [PauseEffect(q.start, q.end, n - remaining, remaining, None, True) for q in pauses[i:]]
            break
        if available:
            segments.append((cursor, nth(cursor, available)))
        remaining -= available
        if p.end is None:
            effects.append(PauseEffect(p.start, None, n - remaining, remaining, None))
            return _Counted(None, effects, segments, remaining)
        cursor = p.end.date()
        effects.append(PauseEffect(p.start, p.end, n - remaining, remaining, nth(cursor, 1)))
    due = nth(cursor, remaining)
    if remaining:
        segments.append((cursor, due))
    return _Counted(due, effects, segments, 0)


def _windows_info(cal: WorkingCalendar, segments: Sequence[tuple[date, date]]):
    counted: list[date] = []
    skipped: list[DayOff] = []
    makeup: list[DayOff] = []
    for a, b in segments:
        counted += cal.working_days(a, b)
        skipped += cal.days_off_between(a, b)
        makeup += cal.makeup_between(a, b)
    return tuple(counted), tuple(skipped), tuple(makeup)


def _pause_parts(effects: Sequence[PauseEffect], unit_word: str, ref: date) -> list[str]:
    parts = []
    for e in effects:
        if e.ignored:
            parts.append(_ignored_pause(e.start))
        elif e.end is None:
            parts.append(
                f"đang tạm dừng từ {_dt(e.start)} (đã dùng {_num(e.used)} {unit_word}, "
                f"còn {_num(e.remaining)} {unit_word}, tính tiếp sau ngày hồ sơ được bổ sung)"
            )
        else:
            parts.append(
                f"tạm dừng từ {_dt(e.start)} đến {_dt(e.end)} (đã dùng {_num(e.used)} {unit_word}, còn "
                f"{_num(e.remaining)} {unit_word}, tính lại từ {_dm(e.restart, ref)})"
            )
    return parts


def _at(cal: WorkingCalendar, d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=cal.tz)


# --- the units ------------------------------------------------------------------------------
def _working(cal, hours, received, amount, pauses, r) -> DueDate:
    halves = math.ceil(amount * 2 - 1e-9)
    n, half = (halves + 1) // 2, halves % 2 == 1
    c = _count_with_pauses(received.date(), n, pauses, cal.working_days_between, cal.add_working_days)
    counted, skipped, makeup = _windows_info(cal, c.segments)
    start = cal.next_working_day(received.date())
    rounded = halves / 2
    amount_text = f"{_num(amount)} ngày làm việc"
    if rounded != amount:
        amount_text += f" (làm tròn lên {_num(rounded)} ngày)"
    effects = [replace(e, remaining=e.remaining - 0.5) if half else e for e in c.effects]
    parts = [
        f"nhận {_dt(received)}{_receipt_note(cal, hours, received)}",
        f"{amount_text} tính từ {_dm(start, r)}",
        *_pause_parts(effects, "ngày", r),
        _skipped_part(cal, skipped, r),
    ]
    if makeup:
        days = (f"{WEEKDAYS_VI[m.date.weekday()]} {_dm(m.date, r)} (làm bù)" for m in makeup)
        parts.append("tính cả " + ", ".join(days))
    due_at = remaining = None
    if c.due is None:
        remaining = c.remaining - (0.5 if half else 0)
        parts.append(NO_DUE_YET)
    else:
        close = hours.half_day_close if half else hours.closes
        due_at = _at(cal, c.due, close)
        parts.append(f"hạn {close:%H:%M} {_full(c.due)}" + (" (nửa ngày: hết buổi sáng)" if half else ""))
    return DueDate(
        received, amount, Unit.WORKING, c.due, due_at, start, _sentence(parts),
        counted_days=counted, skipped=skipped, makeup_counted=makeup, pauses=tuple(effects),
        remaining=remaining,
    )


def _calendar_days(cal, hours, received, amount, pauses, r) -> DueDate:
    n = math.ceil(amount - 1e-9)
    c = _count_with_pauses(
        received.date(), n, pauses, lambda a, b: (b - a).days, lambda a, k: a + timedelta(days=k)
    )
    amount_text = f"{_num(amount)} ngày (theo lịch)"
    if n != amount:
        amount_text += f" (làm tròn lên {n} ngày)"
    start = received.date() + timedelta(days=1)
    parts = [f"nhận {_dt(received)}", f"{amount_text} tính từ {_dm(start, r)}" if n else amount_text]
    parts += _pause_parts(c.effects, "ngày", r)
    due_at = due = remaining = None
    skipped: tuple[DayOff, ...] = ()
    if c.due is None:
        remaining = float(c.remaining)
        parts.append(NO_DUE_YET)
    else:
        nominal = c.due
        due = cal.working_day_on_or_after(nominal)
        label = f"ngày thứ {n}" if n else "ngày nhận"
        if due != nominal:
            skipped = tuple(cal.days_off_between(nominal - timedelta(days=1), due))
            parts.append(f"{label} là {_dm(nominal, r)} ({cal.describe_day(nominal)}) {NEXT_DAY}")
        due_at = _at(cal, due, hours.closes)
        parts.append(f"hạn {hours.closes:%H:%M} {_full(due)}")
    counted = tuple(d for a, b in c.segments for d in _days(a, b))
    return DueDate(
        received, amount, Unit.CALENDAR, due, due_at, start if n else received.date(), _sentence(parts),
        counted_days=counted, skipped=skipped, pauses=tuple(c.effects), remaining=remaining,
    )


def _days(a: date, b: date) -> Iterable[date]:
    d = a + timedelta(days=1)
    while d <= b:
        yield d
        d += timedelta(days=1)


def _same_day_rule(cal, hours, moment: datetime, cutoff: time | None) -> tuple[date, bool, str]:
    d, t = moment.date(), moment.time()
    limit = min(cutoff, hours.closes) if cutoff else hours.closes
    if not cal.is_working_day(d):
        return cal.next_working_day(d), False, f"{cal.describe_day(d)} {NEXT_DAY}"
    if t < limit:
        return d, False, f"trước {limit:%H:%M}"
    word = "sau" if t > limit else "đúng"
    reason = f"{word} {limit:%H:%M} {NEXT_DAY}"
    return cal.next_working_day(d), cutoff is not None and limit == cutoff, reason


def _same_day(cal, hours, received, amount, pauses, r, cutoff: time | None) -> DueDate:
    due, applied, reason = _same_day_rule(cal, hours, received, cutoff)
    parts = ["thủ tục giải quyết trong ngày", f"nhận {_dt(received)} ({reason})"]
    effects = []
    last = received
    for p in pauses:
        if p.start.date() > due:
            effects.append(PauseEffect(p.start, p.end, 0, 0, None, True))
            parts.append(_ignored_pause(p.start))
            continue
        if p.end is None:
            effects.append(PauseEffect(p.start, None, 0, 0, None))
            parts.append(f"đang tạm dừng từ {_dt(p.start)}, giải quyết trong ngày sau khi hồ sơ được bổ sung")
            return DueDate(
                received, amount, Unit.SAME_DAY, None, None, None, _sentence(parts),
                pauses=tuple(effects), cutoff_applied=applied, remaining=0.0,
            )
        due, applied, reason = _same_day_rule(cal, hours, p.end, cutoff)
        effects.append(PauseEffect(p.start, p.end, 0, 0, due))
        parts.append(f"tạm dừng từ {_dt(p.start)} đến {_dt(p.end)}, tính lại từ lúc bổ sung ({reason})")
        last = p.end
    skipped = tuple(cal.days_off_between(last.date(), due - timedelta(days=1)))
    parts += [_skipped_part(cal, skipped, r), f"hạn {hours.closes:%H:%M} {_full(due)}"]
    return DueDate(
        received, amount, Unit.SAME_DAY, due, _at(cal, due, hours.closes), due, _sentence(parts),
        counted_days=(due,), skipped=skipped, pauses=tuple(effects), cutoff_applied=applied,
    )


def _office_walk(cal, hours: OfficeHours, a: datetime, need: timedelta) -> datetime:
    """The instant ``need`` of office time, counted from ``a``, runs out (need 0: the next office instant)."""
    d, left = a.date(), need
    while True:
        if cal.is_working_day(d):
            for s, e in hours.sessions:
                lo, hi = max(a, _at(cal, d, s)), _at(cal, d, e)
                if lo < hi and left <= hi - lo:
                    return lo + left
                if lo < hi:
                    left -= hi - lo
        d += timedelta(days=1)


def _office_span(cal, hours: OfficeHours, a: datetime, b: datetime) -> timedelta:
    """Office time between the instants ``a`` and ``b``."""
    total, d = timedelta(0), a.date()
    while d <= b.date():
        if cal.is_working_day(d):
            for s, e in hours.sessions:
                lo, hi = max(a, _at(cal, d, s)), min(b, _at(cal, d, e))
                if lo < hi:
                    total += hi - lo
        d += timedelta(days=1)
    return total


def _in_hours(x: timedelta) -> float:
    return round(x.total_seconds() / 3600, 4)


def _hours(cal, hours, received, amount, pauses, r) -> DueDate:
    total = need = timedelta(hours=amount)
    start_at = _office_walk(cal, hours, received, timedelta(0))
    parts = [
        f"nhận {_dt(received)}{_receipt_note(cal, hours, received)}",
        f"{_num(amount)} giờ làm việc (giờ hành chính {hours.label()}) tính từ {_dt(start_at)}",
    ]
    effects: list[PauseEffect] = []
    cursor, due_at = received, None
    for i, p in enumerate(pauses):
        spent = _office_span(cal, hours, cursor, p.start)
        if spent >= need:  # the hours ran out before this pause began
            effects += [PauseEffect(q.start, q.end, amount, 0, None, True) for q in pauses[i:]]
            parts += [_ignored_pause(q.start) for q in pauses[i:]]
            break
        need -= spent
        used, left = _in_hours(total - need), _in_hours(need)
        so_far = f"đã dùng {_num(round(used, 2))} giờ, còn {_num(round(left, 2))} giờ"
        if p.end is None:
            effects.append(PauseEffect(p.start, None, used, left, None))
            parts += [f"đang tạm dừng từ {_dt(p.start)} ({so_far})", NO_DUE_YET]
            return DueDate(
                received, amount, Unit.HOUR, None, None, start_at.date(), _sentence(parts),
                pauses=tuple(effects), remaining=left,
            )
        restart = _office_walk(cal, hours, p.end, timedelta(0))
        effects.append(PauseEffect(p.start, p.end, used, left, restart.date()))
        parts.append(f"tạm dừng từ {_dt(p.start)} đến {_dt(p.end)} ({so_far}, tính lại từ {_dt(restart)})")
        cursor = p.end
    due_at = _office_walk(cal, hours, cursor, need)
    skipped = tuple(cal.days_off_between(start_at.date(), due_at.date()))
    parts += [_skipped_part(cal, skipped, r), f"hạn {due_at:%H:%M} {_full(due_at.date())}"]
    counted = tuple(cal.working_days(start_at.date() - timedelta(days=1), due_at.date()))
    makeup = tuple(DayOff(d, n) for d in counted if (n := cal.makeup_name(d)) is not None)
    return DueDate(
        received, amount, Unit.HOUR, due_at.date(), due_at, start_at.date(), _sentence(parts),
        counted_days=counted, skipped=skipped, makeup_counted=makeup, pauses=tuple(effects),
    )


def _months(cal, hours, received, amount, pauses, r) -> DueDate:
    if pauses:
        raise DueDateError("chưa hỗ trợ tạm dừng khi thời hạn tính theo tháng / no pauses with months")
    n = int(amount)
    month0 = received.month - 1 + n
    year, month = received.year + month0 // 12, month0 % 12 + 1
    nominal = date(year, month, min(received.day, _stdcal.monthrange(year, month)[1]))
    due = cal.working_day_on_or_after(nominal)
    parts = [f"nhận {_dt(received)}", f"{n} tháng, đến ngày {_dm(nominal, r)}"]
    if due != nominal:
        parts[-1] += f" ({cal.describe_day(nominal)}) {NEXT_DAY}"
    parts.append(f"hạn {hours.closes:%H:%M} {_full(due)}")
    skipped = tuple(cal.days_off_between(nominal - timedelta(days=1), due)) if due != nominal else ()
    return DueDate(
        received, amount, Unit.MONTH, due, _at(cal, due, hours.closes), received.date(), _sentence(parts),
        skipped=skipped,
    )


def due_date(
    received: datetime,
    days: float,
    unit: str | Unit = Unit.WORKING,
    pauses: Iterable[Pause | tuple[datetime, datetime | None]] = (),
    calendar: WorkingCalendar | None = None,
    office_hours: OfficeHours | None = None,
    same_day_cutoff: bool | time = True,
) -> DueDate:
    """The due date of a dossier received at ``received`` with ``days`` of ``unit`` (see module doc).

    ``same_day_cutoff``: True = 15:00, False = none (the close of office hours), or a ``time``.
    Raises ``DueDateError`` (a ValueError) on bad input, ``CalendarRangeError`` outside 2000–2100.
    """
    if not isinstance(received, datetime):
        raise DueDateError(
            f"thời điểm nhận phải là ngày giờ / received must be a datetime: {str(received)[:40]!r}"
        )
    cal = calendar or default_calendar()
    hours = office_hours or cal.office_hours()
    unit = parse_unit(unit)
    amount = _amount(days, unit)
    received = to_local(received, cal.tz)
    stops = _pauses(pauses, received, cal)
    r = received.date()
    if unit is Unit.WORKING and amount == 0:
        unit = Unit.SAME_DAY  # "0 ngày làm việc" is a same-day procedure
    if unit is Unit.SAME_DAY:
        cutoff = DEFAULT_CUTOFF if same_day_cutoff is True else (same_day_cutoff or None)
        return _same_day(cal, hours, received, amount, stops, r, cutoff)
    handlers = {Unit.WORKING: _working, Unit.CALENDAR: _calendar_days, Unit.HOUR: _hours, Unit.MONTH: _months}
    return handlers[unit](cal, hours, received, amount, stops, r)


# --- parsing outside input (CLI, JSON lines, backends) ---------------------------------------
def parse_moment(value: Any) -> datetime:
    """An ISO 8601 date or date-time ("2026-11-19T10:00", "2026-11-19 10:00+07:00", "...Z",
    "2026-11-19" = midnight). Naive means Vietnam local time; the caller converts with ``to_local``."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise DueDateError(f"cần ngày giờ ISO 8601 / expected an ISO 8601 date-time: {str(value)[:40]!r}")
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise DueDateError(
            "ngày giờ không hợp lệ, ví dụ 2026-11-19T10:00 / invalid date-time, e.g. 2026-11-19T10:00: "
            f"{value[:40]!r}"
        ) from None


def parse_pause(value: Any) -> Pause:
    """"START/END" (END empty: still paused), [start, end] or {"start": ..., "end": ...}."""
    if isinstance(value, Pause):
        return value
    if isinstance(value, str) and "/" in value:
        start, _, end = value.partition("/")
    elif isinstance(value, list | tuple) and len(value) in (1, 2):
        start, end = value[0], value[1] if len(value) == 2 else None
    elif isinstance(value, dict) and "start" in value:
        start, end = value["start"], value.get("end")
    else:
        raise DueDateError(
            "tạm dừng phải là START/END hoặc [start, end] / a pause is START/END or [start, end]: "
            f"{str(value)[:60]!r}"
        )
    return Pause(parse_moment(start), parse_moment(end) if end not in (None, "") else None)
