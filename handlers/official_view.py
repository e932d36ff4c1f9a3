"""What officials are shown (lists, digests, a dossier in full, statistics), as template contexts of
JSON values only: the same replies are answered at once or planned in the outbox."""

from __future__ import annotations

from datetime import date, datetime

from db.dossier_repo import DossierRecord
from db.models.dossiers import Dossier
from db.report_repo import MonthStats
from db.scoped_dossiers import Page
from handlers.dossier_view import judge, recompute, when
from handlers.reminder_settings import ReminderSettings
from handlers.types import Button, Reply
from knowledge.calendar import WorkingCalendar, to_local
from knowledge.catalogue.model import Procedure
from knowledge.dossiers import status as statuses

SATISFACTION_TARGET = 0.9  # Decision 766/QĐ-TTg: at least 90 % satisfied
METHODS_VI = {"ONLINE": "trực tuyến", "DIRECT": "trực tiếp", "POSTAL": "qua bưu chính"}
ENGLISH_KIND = {
    "overdue": "{total} overdue dossier(s)",
    "due_today": "{total} dossier(s) due today",
    "due_soon": "{total} dossier(s) due within {within} working day(s)",
    "escalation": "{total} dossier(s) overdue by more than {escalate_after} working days",
}
KIND_COMMAND = {"overdue": "/tre_han", "due_today": "/sap_den_han", "due_soon": "/sap_den_han", "escalation": "/tre_han"}


def dossier_item(d: Dossier, calendar: WorkingCalendar, now: datetime, apology: str = "") -> dict:
    """A dossier in a list or a digest, judged against its effective due time: the apology letter's
    new appointment once one was set ("hẹn lại dd/mm"), else the original due time."""
    effective = d.rescheduled_due_at or d.due_at
    due = to_local(effective, calendar.tz) if effective else None
    local_now = to_local(now, calendar.tz)
    overdue = due is not None and due < local_now
    return {
        "id": d.id,
        "code": d.code,
        "due": when(d.due_at, calendar),
        "overdue": overdue,
        "today": due is not None and not overdue and due.date() == local_now.date(),
        "late_days": max(0, calendar.working_days_between(due.date(), local_now.date())) if overdue else 0,
        "agency": d.agency_name or d.agency_code,
        "rescheduled": when(d.rescheduled_due_at, calendar),
        "rescheduled_day": f"{to_local(d.rescheduled_due_at, calendar.tz):%d/%m}" if d.rescheduled_due_at else "",
        "apology": apology,
    }


def list_reply(what: str, page: Page, page_no: int, settings: ReminderSettings, scope: str, calendar: WorkingCalendar,
               now: datetime, *, within: int = 1) -> Reply:
    """/tre_han [page] and /sap_den_han [N] [page]: one page, with the way to the next."""
    pages = max(1, -(-page.total // settings.page_size))
    command = "/tre_han" if what == "overdue" else f"/sap_den_han {within}"
    english = (f"{page.total} overdue dossier(s) in your scope" if what == "overdue"
               else f"{page.total} dossier(s) due today or within {within} working day(s)")
    english += f", page {page_no}/{pages}." if pages > 1 else "."
    buttons = ()
    if page_no < pages:
        buttons = (Button("Trang sau ▶ / Next", payload=f"ol:{'o' if what == 'overdue' else 'd'}:{within}:{page_no + 1}"),)
    return Reply(template="official_list", context={
        "what": what, "total": page.total, "items": [dossier_item(d, calendar, now) for d in page.items],
        "page": page_no, "pages": pages, "scope": scope, "within": within, "command": command, "english": english,
    }, buttons=buttons, kind="official")


def digest_reply(kind: str, day: date, items: list[dict], total: int, settings: ReminderSettings) -> Reply:
    shown = items[: settings.digest_list]
    english = "Reminder " + f"{day:%d/%m/%Y}: " + ENGLISH_KIND[kind].format(
        total=total, within=settings.due_within_days, escalate_after=settings.escalate_after_days)
    command = KIND_COMMAND[kind]
    english += f". Full list: {command}."
    return Reply(template="official_digest", context={
        "kind": kind, "day": f"{day:%d/%m/%Y}", "items": shown, "total": total, "more": total - len(shown),
        "within": settings.due_within_days, "escalate_after": settings.escalate_after_days, "command": command,
        "english": english,
    }, kind="reminder")


def nudge_reply(item: dict, by: str) -> Reply:
    return Reply(template="official_nudge", context={"d": item, "by": by}, kind="reminder")


def _history(record: DossierRecord, calendar: WorkingCalendar) -> list[dict]:
    return [{"at": when(e.at, calendar), "status": statuses.name(e.status), "note": e.note, "by": e.by}
            for e in record.history]


def detail_reply(record: DossierRecord, procedure: Procedure | None, calendar: WorkingCalendar, now: datetime, *,
                 apology: str, subscribers: int) -> Reply:
    """The whole dossier, personal data unmasked: for officials of the agency only."""
    d = record.dossier
    derived = recompute(record, calendar, procedure) if d.status in statuses.PAUSED else None
    v = judge(record, calendar, now, derived)
    view = {
        "code": d.code, "procedure": procedure.name if procedure else "", "procedure_code": d.procedure_code or "",
        "agency": d.agency_name or d.agency_code, "agency_code": d.agency_code,
        "name": d.applicant_name, "phone": d.applicant_phone or "", "id_number": d.applicant_id_number or "",
        "received": when(d.received_at, calendar), "channel": METHODS_VI.get(d.channel or "", ""),
        "status_vi": statuses.name(d.status), "status_en": statuses.english(d.status),
        "due": when(d.due_at, calendar), "rescheduled": when(d.rescheduled_due_at, calendar),
        "rescheduled_reason": d.rescheduled_reason or "", "late": v.late, "verdict_vi": v.vi, "verdict_en": v.en,
        "apology": apology, "subscribers": subscribers, "history": _history(record, calendar),
    }
    buttons = [Button("🔔 Nhắc cán bộ / Remind", payload=f"nh:{d.code}")]
    if v.late or v.kind in ("due_today", "due_in"):
        buttons.append(Button("📝 Phiếu xin lỗi / Apology", payload=f"ap:v:{d.id}"))
    return Reply(template="official_dossier", context={"v": view}, buttons=tuple(buttons), kind="official")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}".replace(".", ",") + " %"


def month_view(label: str, stats: MonthStats, *, current: bool) -> dict:
    """One month of /thong_ke: the report's figures (db.report_repo) and what was received."""
    f = stats.figures
    return {
        "label": label, "received": stats.received, "current": current,
        "by_status": [{"name": statuses.name(s), "count": n} for s, n in sorted(stats.by_status.items())],
        "finished": f.finished, "on_time": f.finished_on_time, "late": f.finished_late, "on_time_rate": _pct(f.on_time_rate),
        "overdue_now": f.overdue_unfinished, "late_with_apology": f.apology_letters,
        "late_without_apology": f.late - f.apology_letters, "rated": f.ratings, "satisfied": f.satisfied,
        "satisfaction": _pct(f.satisfaction_rate),
        "below_target": f.satisfaction_rate is not None and f.satisfaction_rate < SATISFACTION_TARGET,
    }


def stats_reply(scope: str, months: list[dict]) -> Reply:
    return Reply(template="official_stats", context={"scope": scope, "months": months, "target": _pct(SATISFACTION_TARGET)},
                 kind="official")
