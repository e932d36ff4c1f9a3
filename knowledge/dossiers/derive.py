"""What a dossier's stored facts imply: its processing time (given, or from the procedure and the
submission channel), its pauses (from the status history), its due time (``knowledge.duedate``), the
moments it finished and was returned.

Choices where the rules are silent (documented in docs/dossiers.md):
- The processing time comes from the record when given, else from the catalogue: the channel's
  published time; when the channel is unknown, the time all channels share — no guess when they
  differ. A published number without a unit is taken as working days (the portal's usual unit) unless
  its text states the time;
  a time given only in words is read from its first statement ("3 ngày làm việc kể từ ...",
  "trong ngày"), unless alternatives are offered ("trong ngày hoặc 1 ngày làm việc"): no due date then.
- The backend's due time wins when it sends one (it printed the receipt); the computed one is kept
  beside it and a difference of more than a minute is flagged as a mismatch.
- Pauses: an entry with status 5 or 6 begins one (unless one is running); the next entry with another
  status ends it. An entry with the same status at the same moment is the same entry.
- Submitted online (a status-1 entry in the history): the clock starts when the dossier is accepted,
  at the first entry with a status of an accepted dossier (2, 4, 5, 6, 9, 10); none yet: no due date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from knowledge.calendar import WorkingCalendar
from knowledge.catalogue.model import Method, Procedure, TimeUnit
from knowledge.catalogue.parse import stated_time
from knowledge.dossiers.status import FINISHED, PAUSED
from knowledge.duedate import DueDate, Pause, Unit, due_date

MISMATCH_TOLERANCE = timedelta(minutes=1)
_UNITS = {
    TimeUnit.WORKING_DAY: Unit.WORKING,
    TimeUnit.DAY: Unit.CALENDAR,
    TimeUnit.HOUR: Unit.HOUR,  # counted on the office clock, as working hours are
    TimeUnit.WORKING_HOUR: Unit.HOUR,
    TimeUnit.MONTH: Unit.MONTH,
    TimeUnit.SAME_DAY: Unit.SAME_DAY,
}


@dataclass(frozen=True, slots=True)
class Event:
    """One status change: the history entry as stored."""

    status: int
    at: datetime
    note: str = ""
    by: str = ""


def _time_from_text(text: str) -> tuple[float, Unit] | None:
    """The time a description states ("3 ngày làm việc kể từ ...", "trong ngày tiếp nhận") — the
    catalogue's own parser, so that what the answer shows and what the due date counts agree."""
    stated = stated_time(text)
    if stated is None:
        return None
    if stated.unit == TimeUnit.SAME_DAY:
        return 0.0, Unit.SAME_DAY
    if stated.quantity is None or stated.unit == TimeUnit.OTHER:
        return None
    return float(stated.quantity), _UNITS[stated.unit]


def _channel_time(procedure: Procedure, method: Method | None) -> tuple[float, Unit] | None:
    def one(time) -> tuple[float, Unit] | None:
        if time is None:
            return None
        if time.unit == TimeUnit.SAME_DAY:
            return 0.0, Unit.SAME_DAY
        if time.unit == TimeUnit.OTHER:
            # The portal's number without a unit is working days, unless the text says otherwise.
            stated = _time_from_text(time.text) if time.text else None
            if stated is not None or time.quantity is None:
                return stated
            return float(time.quantity), Unit.WORKING
        if time.quantity is None:
            return None
        return float(time.quantity), _UNITS.get(time.unit, Unit.WORKING)

    if method is not None:
        channel = procedure.channel(method)
        if channel is not None:
            return one(channel.time)
    times = {one(c.time) for c in procedure.channels}
    return times.pop() if len(times) == 1 else None


def processing_time(
    days: float | None, unit: str | None, procedure: Procedure | None, channel: Method | None
) -> tuple[float, Unit] | None:
    """(amount, unit) for the due-date arithmetic, or None when nothing reliable is known."""
    if unit is not None:
        return (days or 0.0), Unit(unit)
    if procedure is None:
        return None
    return _channel_time(procedure, channel)


def merge_history(*histories: Iterable[Event]) -> list[Event]:
    """One history, in time order, without repeats (same status at the same moment)."""
    seen: dict[tuple[int, datetime], Event] = {}
    for history in histories:
        for e in history:
            key = (e.status, e.at)
            if key not in seen or (e.note and not seen[key].note):
                seen[key] = e
    return sorted(seen.values(), key=lambda e: (e.at, e.status))


def pauses(history: Sequence[Event]) -> list[Pause]:
    """The clock-stopped intervals (status 5/6) of a history in time order; the last may be open."""
    found: list[Pause] = []
    start: datetime | None = None
    for e in history:
        if e.status in PAUSED:
            if start is None:
                start = e.at
        elif start is not None:
            found.append(Pause(start, e.at))
            start = None
    if start is not None:
        found.append(Pause(start, None))
    return found


def first_at(history: Sequence[Event], statuses: Iterable[int]) -> datetime | None:
    wanted = set(statuses)
    return next((e.at for e in history if e.status in wanted), None)


ACCEPTED = (2, 4, 5, 6, 9, 10)  # statuses only a received dossier has


def clock_start(received_at: datetime, history: Sequence[Event]) -> datetime | None:
    """When counting starts: the receipt; for a dossier submitted online (status 1 in its history),
    its acceptance — the first entry of an accepted status (None: not accepted yet, no clock)."""
    if not any(e.status == 1 for e in history):
        return received_at
    accepted = first_at(history, ACCEPTED)
    return max(received_at, accepted) if accepted is not None else None


@dataclass(frozen=True)
class Derived:
    processing_days: float | None
    processing_unit: str | None
    due: DueDate | None  # the computation, with its explanation (None: no processing time known)
    due_at_computed: datetime | None
    due_at: datetime | None  # the one shown: the backend's when given, else the computed one
    due_mismatch: bool
    finished_at: datetime | None
    returned_at: datetime | None


def derive(
    *,
    received_at: datetime,
    status: int,
    history: Sequence[Event],
    calendar: WorkingCalendar,
    procedure: Procedure | None = None,
    channel: Method | None = None,
    agency_code: str | None = None,
    days: float | None = None,
    unit: str | None = None,
    due_at_given: datetime | None = None,
    finished_at: datetime | None = None,
    returned_at: datetime | None = None,
) -> Derived:
    """Raises ``DueDateError`` (a ValueError) when the history contradicts itself (a pause before the
    receipt, overlapping pauses)."""
    time = processing_time(days, unit, procedure, channel)
    start = clock_start(received_at, history)
    due = None
    if time is not None and start is not None:
        amount, time_unit = time
        due = due_date(start, amount, time_unit, pauses(history), calendar, calendar.office_hours(agency_code))
    computed = due.due_at if due is not None else None
    shown = due_at_given or computed
    mismatch = bool(due_at_given and computed and abs(due_at_given - computed) > MISMATCH_TOLERANCE)
    if status in FINISHED:
        finished_at = finished_at or first_at(history, FINISHED) or returned_at
    if status == 10:
        returned_at = returned_at or first_at(history, (10,))
    return Derived(
        processing_days=time[0] if time else None,
        processing_unit=time[1].value if time else None,
        due=due,
        due_at_computed=computed,
        due_at=shown,
        due_mismatch=mismatch,
        finished_at=finished_at,
        returned_at=returned_at,
    )
