"""The apology letter, form 04 of Circular 01/2018 ("Phiếu xin lỗi và hẹn lại ngày trả kết quả";
under Circular 03/2025, for dossiers received from 01/07/2025, "Phiếu xin lỗi và đề nghị gia hạn
thời gian giải quyết" — the title follows the rules in force when the dossier was received): agency, recipient,
received date, procedure, dossier code, original appointment, reason, the apology, the new date,
the head of agency's signature line. Rendered from ``templates/apology_letter.j2``.

Our choices (documented in docs/officials.md):
- a letter is drafted for a running dossier that is overdue, due today, or due within
  ``due_within_days`` working days (the law asks for it at the latest one working day before the
  due date), and for a finished-late one; never for a dossier whose new date is already set;
- the default new date is the close of office hours ``apology_extra_days`` working days after the
  later of the original due date and today; an official may choose another working day after the
  original due date, not in the past;
- the default reason is neutral and meant to be edited;
- the citizen's copy names the applicant masked ("Nguyễn V*** A"), like every chat message.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from db.models.dossiers import Dossier
from handlers.dossier_view import when
from handlers.types import Reply
from knowledge.calendar import WorkingCalendar, to_local
from knowledge.dossiers.privacy import mask_name
from knowledge.dossiers.status import FINISHED, RUNNING
from knowledge.reminder_windows import Windows
from knowledge.text import clean

# The form's title: a dossier keeps the rules in force when it was received (vn-rules.md).
CIRCULAR_03_2025_FROM = date(2025, 7, 1)
TITLE_01_2018 = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
TITLE_03_2025 = "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
DEFAULT_REASON = "Hồ sơ cần thêm thời gian để thẩm định, xác minh theo quy định"
REASON_MIN, REASON_MAX = 5, 500
_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$")
_PLUS = re.compile(r"^\s*\+?\s*(\d{1,2})\s*(ngày|ngay|ngày làm việc|days?)?\s*$", re.IGNORECASE)


def needs_apology(d: Dossier, w: Windows, calendar: WorkingCalendar) -> tuple[bool, str, str]:
    """(needed, why not in Vietnamese, in English)."""
    if d.rescheduled_due_at is not None:
        return False, "đã hẹn lại một lần", "already rescheduled once"
    if d.due_at is None:
        return False, "hồ sơ chưa có hạn trả kết quả", "the dossier has no due date"
    if d.status in FINISHED:
        finished = d.finished_at or d.returned_at
        if finished is not None and finished > d.due_at:
            return True, "", ""
        return False, "hồ sơ đã giải quyết đúng hạn", "it was finished on time"
    if d.status not in RUNNING:
        return False, "hồ sơ không trong thời gian giải quyết", "the clock is not running"
    if w.kind(d.due_at) is None:
        return False, f"hạn trả kết quả còn xa ({when(d.due_at, calendar)})", "the due date is still far"
    return True, "", ""


def close_of(calendar: WorkingCalendar, day: date, agency: str | None) -> datetime:
    return datetime.combine(day, calendar.office_hours(agency).closes, calendar.tz)


def default_new_date(calendar: WorkingCalendar, d: Dossier, now: datetime, extra_days: int) -> datetime:
    base = max(to_local(now, calendar.tz).date(), to_local(d.due_at, calendar.tz).date() if d.due_at else date.min)
    return close_of(calendar, calendar.add_working_days(base, max(1, extra_days)), d.agency_code)


def draft_row(d: Dossier, official_id: int | None, calendar: WorkingCalendar, now: datetime, extra_days: int) -> dict:
    return {"dossier_id": d.id, "agency_code": d.agency_code, "official_id": official_id, "reason": DEFAULT_REASON,
            "new_due_at": default_new_date(calendar, d, now, extra_days)}


def check_reason(text: str) -> str | None:
    reason = " ".join(clean(text).split())
    return reason if REASON_MIN <= len(reason) <= REASON_MAX else None


def parse_new_date(text: str, calendar: WorkingCalendar, d: Dossier, current: datetime, now: datetime
                   ) -> datetime | tuple[str, str]:
    """"dd/mm/yyyy" or "+N" (working days after the draft's current date's base). Returns the new
    due moment (close of office hours) or (problem in Vietnamese, in English)."""
    today = to_local(now, calendar.tz).date()
    due_day = to_local(d.due_at, calendar.tz).date() if d.due_at else today
    if m := _PLUS.match(clean(text)):
        n = int(m.group(1))
        if not 1 <= n <= 60:
            return ("Số ngày làm việc thêm phải từ 1 đến 60.", "Extra working days must be 1–60.")
        return close_of(calendar, calendar.add_working_days(max(today, due_day), n), d.agency_code)
    m = _DATE.match(clean(text))
    if not m:
        return ("Không đọc được ngày. Gửi dạng dd/mm/yyyy, ví dụ 20/03/2026, hoặc +3.",
                "Not a date: send dd/mm/yyyy, e.g. 20/03/2026, or +3.")
    try:
        day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return ("Ngày không có thật. Gửi lại dạng dd/mm/yyyy.", "No such date: send dd/mm/yyyy.")
    try:
        working = calendar.is_working_day(day)
    except ValueError:
        return ("Ngày nằm ngoài lịch làm việc.", "The date is outside the working calendar.")
    if not working:
        return (f"{day:%d/%m/%Y} không phải ngày làm việc ({calendar.describe_day(day)}).",
                f"{day:%d/%m/%Y} is not a working day.")
    if day <= due_day:
        return (f"Ngày hẹn mới phải sau hạn cũ ({due_day:%d/%m/%Y}).", f"The new date must be after {due_day:%d/%m/%Y}.")
    if day < today:
        return ("Ngày hẹn mới không được ở trong quá khứ.", "The new date cannot be in the past.")
    return close_of(calendar, day, d.agency_code)


def form_title(received_at: datetime, calendar: WorkingCalendar) -> str:
    """Circular 01/2018's title for a dossier received before 01/07/2025, Circular 03/2025's after."""
    received = to_local(received_at, calendar.tz).date()
    return TITLE_03_2025 if received >= CIRCULAR_03_2025_FROM else TITLE_01_2018


def _words(moment: datetime, calendar: WorkingCalendar, *, hour: bool) -> str:
    local = to_local(moment, calendar.tz)
    day = f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"
    return f"{local:%H} giờ {local:%M} phút, {day}" if hour and local.time() != time(0) else day


def letter_reply(d: Dossier, *, procedure: str, reason: str, new_due_at: datetime, calendar: WorkingCalendar,
                 dated: datetime, signed_by: str = "", signed_at: datetime | None = None) -> Reply:
    """The letter (the citizen's copy: the applicant's name masked)."""
    local_new = to_local(new_due_at, calendar.tz)
    return Reply(template="apology_letter", context={
        "title": form_title(d.received_at, calendar), "agency": d.agency_name or d.agency_code, "place_date": "Ngày " + _words(dated, calendar, hour=False)[5:],
        "recipient": mask_name(d.applicant_name) or "…", "received": _words(d.received_at, calendar, hour=False)[5:],
        "procedure": procedure, "code": d.code,
        "original_due": _words(d.due_at, calendar, hour=True) if d.due_at else "—",
        "reason": reason, "new_date": _words(new_due_at, calendar, hour=False) + f" (trước {local_new:%H:%M})",
        "new_date_en": f"{local_new:%H:%M %d/%m/%Y}",
        "signed_by": signed_by, "signed_at": when(signed_at, calendar) if signed_at else "",
    }, kind="apology")
