"""What the dossier replies show, as plain values for the templates. Personal data enters the view
only when ``verified`` is true, and then only masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from db.dossier_repo import DossierRecord
from knowledge.calendar import WorkingCalendar, to_local
from knowledge.catalogue.model import Method, Procedure
from knowledge.dossiers import status as statuses
from knowledge.dossiers.derive import Derived, derive
from knowledge.dossiers.privacy import mask_digits, mask_name
from knowledge.dossiers.verdict import Verdict, verdict
from knowledge.duedate import DueDateError

METHODS_VI = {"ONLINE": "trực tuyến", "DIRECT": "trực tiếp", "POSTAL": "qua bưu chính"}
METHODS_EN = {"ONLINE": "submitted online", "DIRECT": "submitted at the desk", "POSTAL": "sent by post"}


def when(moment: datetime | None, calendar: WorkingCalendar, *, hour: bool = True) -> str:
    """"17:00 25/11/2026" (Vietnam time), the hour left out when unknown (midnight)."""
    if moment is None:
        return ""
    local = to_local(moment, calendar.tz)
    if not hour or local.time() == time(0):
        return f"{local:%d/%m/%Y}"
    return f"{local:%H:%M %d/%m/%Y}"


def recompute(record: DossierRecord, calendar: WorkingCalendar, procedure: Procedure | None) -> Derived | None:
    """The due-date computation again, for its explanation and what remains while paused."""
    d = record.dossier
    try:
        return derive(
            received_at=d.received_at, status=d.status, history=record.history, calendar=calendar,
            procedure=procedure, channel=Method(d.channel) if d.channel else None, agency_code=d.agency_code,
            days=d.processing_days, unit=d.processing_unit, due_at_given=d.due_at_given,
            finished_at=d.finished_at, returned_at=d.returned_at,
        )
    except DueDateError:
        return None


def judge(record: DossierRecord, calendar: WorkingCalendar, now: datetime, derived: Derived | None) -> Verdict:
    d = record.dossier
    due = derived.due if derived is not None else None
    return verdict(
        d.status, d.due_at, now, calendar, finished_at=d.finished_at or d.returned_at,
        rescheduled_due_at=d.rescheduled_due_at, remaining=due.remaining if due is not None else None,
        unit=due.unit.value if due is not None else d.processing_unit,
    )


def has_clock(status: int) -> bool:
    """Whether a due date means anything for this status (vn-rules.md: the clock column)."""
    return statuses.clock(status) in (statuses.Clock.RUNNING, statuses.Clock.PAUSED, statuses.Clock.FINISHED)


def _short(name: str, limit: int = 160) -> str:
    return name if len(name) <= limit else name[: limit - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class HistoryLine:
    at: str
    status: str
    note: str
    status_en: str = ""


def build_view(
    record: DossierRecord, procedure: Procedure | None, calendar: WorkingCalendar, now: datetime, *, verified: bool
) -> dict:
    d = record.dossier
    derived = recompute(record, calendar, procedure) if d.status in statuses.PAUSED else None
    v = judge(record, calendar, now, derived)
    view = {
        "code": d.code,
        "procedure": _short(procedure.name) if procedure else "",
        "procedure_code": d.procedure_code or "",
        "agency": d.agency_name or d.agency_code,
        "received": when(d.received_at, calendar),
        "channel": METHODS_VI.get(d.channel or "", ""),
        "channel_en": METHODS_EN.get(d.channel or "", ""),  # the English says what the Vietnamese says
        "status": d.status,
        "status_vi": statuses.name(d.status),
        "status_en": statuses.english(d.status),
        # A due date only where there is a clock: running, paused (shown as stopped) or finished;
        # none for not started (1), not received (3), ended without a result (7, 8).
        "due": when(d.due_at, calendar) if has_clock(d.status) and d.status not in statuses.PAUSED else "",
        "paused": d.status in statuses.PAUSED,
        "neutral": not has_clock(d.status),
        "rescheduled": when(d.rescheduled_due_at, calendar),
        # The reason is an official's free text and may name people or facts of the case: after the
        # second factor only (before it, only that the date was moved, and the new date).
        "rescheduled_reason": (d.rescheduled_reason or "") if verified else "",
        "finished": when(d.finished_at, calendar),
        "returned": when(d.returned_at, calendar),
        "verdict_vi": v.vi,
        "verdict_en": v.en,
        "late": v.late,
        "verified": verified,
        "can_verify": bool(d.applicant_phone or d.applicant_id_number),
        "updated": "",  # set when the one-stop system could not refresh it: "last updated at"
        "locked": False,  # verification of this code paused after wrong answers (set by the handler) ...
        "wait": 0,  # ... for about this many minutes
    }
    if verified:
        view.update(
            name=mask_name(d.applicant_name),
            phone=mask_digits(d.applicant_phone),
            id_number=mask_digits(d.applicant_id_number),
            history=[
                HistoryLine(when(e.at, calendar), statuses.name(e.status), e.note, statuses.english(e.status)) for e in record.history
            ],
        )
    return view
