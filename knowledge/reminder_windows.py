"""When a running dossier needs a reminder, on the working-day calendar (Vietnam time):

- **overdue**: its due time has passed;
- **due today**: due later today;
- **due soon**: due after today, up to the end of the N-th working day after today (N = 1 by
  default: the next working day, so a Friday reminder covers Monday).

And when reminders may be sent: on a working day, within the agency's office hours (from the
opening of the morning session to the close of the last one). Outside them it is quiet. Citizens
are written to within fixed daily hours (07:00–21:00 by default), weekends included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from knowledge.calendar import WorkingCalendar, to_local


def _midnight_after(day: date, calendar: WorkingCalendar) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), calendar.tz)


@dataclass(frozen=True)
class Windows:
    now: datetime  # aware, local
    today: date
    today_end: datetime  # local midnight after today
    soon_end: datetime  # local midnight after the N-th working day after today
    within: int

    def kind(self, due_at: datetime | None) -> str | None:
        if due_at is None:
            return None
        if due_at < self.now:
            return "overdue"
        if due_at < self.today_end:
            return "due_today"
        if due_at < self.soon_end:
            return "due_soon"
        return None


def windows(calendar: WorkingCalendar, now: datetime, within_days: int = 1) -> Windows:
    local = to_local(now, calendar.tz)
    today = local.date()
    last = calendar.add_working_days(today, max(0, within_days))
    return Windows(local, today, _midnight_after(today, calendar), _midnight_after(last, calendar), within_days)


def in_office_hours(calendar: WorkingCalendar, now: datetime, agency: str | None = None) -> bool:
    local = to_local(now, calendar.tz)
    hours = calendar.office_hours(agency)
    return calendar.is_working_day(local.date()) and hours.opens <= local.time() < hours.closes


def next_opening(calendar: WorkingCalendar, now: datetime, agency: str | None = None) -> datetime:
    """The next moment reminders may go out (now, when it is within office hours)."""
    local = to_local(now, calendar.tz)
    if in_office_hours(calendar, local, agency):
        return local
    hours = calendar.office_hours(agency)
    day = local.date()
    if not (calendar.is_working_day(day) and local.time() < hours.opens):
        day = calendar.next_working_day(day)
    return datetime.combine(day, hours.opens, calendar.tz)


def next_in_daily_hours(calendar: WorkingCalendar, now: datetime, opens: time, closes: time) -> datetime:
    """The next moment within [opens, closes) of any day, Vietnam time (now, when it is): when a
    citizen may be written to unasked."""
    local = to_local(now, calendar.tz)
    if opens <= local.time() < closes:
        return local
    day = local.date() if local.time() < opens else local.date() + timedelta(days=1)
    return datetime.combine(day, opens, calendar.tz)


def day_of(calendar: WorkingCalendar, now: datetime) -> date:
    """The working day a reminder planned now belongs to: today, or the next working day."""
    return calendar.working_day_on_or_after(to_local(now, calendar.tz).date())


def local_day_bounds(calendar: WorkingCalendar, day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, time(0), calendar.tz), _midnight_after(day, calendar)
