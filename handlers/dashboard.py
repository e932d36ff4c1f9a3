"""What the officials' web view shows for one official and month, platform-neutral (the page itself
is ``bot/dashboard.py``): the month's figures of their agencies — ``monthly_report``'s, the very
numbers of ``/bao_cao`` and ``motcua report`` —, its charts (``handlers.report_charts``, as data:
URIs) with a text alternative each, the late dossiers with their apology letters, and the feedback
items with their deadlines."""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db.dashboard_repo import LateDossier, feedback_items, late_dossiers
from db.engine import Database
from db.models.feedback import Feedback
from db.models.officials import Official
from handlers.report import Report, figures_view, heading, monthly_report
from handlers.report_charts import CHARTS, MEASURES, ON_TIME_TARGET, SATISFACTION_TARGET, charts, pct
from knowledge.calendar import MIN_YEAR, to_local
from knowledge.months import Month

MONTHS_OFFERED = 24  # the month selector: this month and the 23 before it
FEEDBACK_STATUS = {"open": "Đang xử lý", "answered": "Đã trả lời", "closed": "Đã đóng"}
CHART_TITLES = {"on_time": "Tỷ lệ giải quyết đúng hạn theo cơ quan", "satisfaction": "Tỷ lệ hài lòng theo cơ quan",
                "feedback": "Phản ánh trả lời đúng hạn theo cơ quan", "trend": "Xu hướng 12 tháng"}


def months_offered(current: Month) -> list[Month]:
    back = min(MONTHS_OFFERED - 1, (current.year - MIN_YEAR) * 12 + current.month - 1)
    return [current.shifted(-n) for n in range(back + 1)]


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return to_local(moment, tz).strftime("%d/%m/%Y %H:%M") if moment else ""


def _alt(name: str, report: Report) -> str:
    """A chart in words: its title and each bar's value (the figures table has every count)."""
    title = f"Biểu đồ: {CHART_TITLES[name]}, tháng {report.month.label}"
    if name == "trend":
        measure = MEASURES["on_time"]
        points = "; ".join(f"{label} {pct(measure.rate(f)) or 'chưa có'}" for label, f in report.months)
        return f"{title} (tỷ lệ đúng hạn theo tháng): {points}."
    measure = MEASURES[name]
    bars = [report.total, *report.rows]
    values = "; ".join(f"{figures_view(f)['name']} {pct(measure.rate(f)) or 'chưa có số liệu'}" for f in bars)
    return f"{title}, mục tiêu {pct(measure.target)}: {values}."


def _as_of(report: Report, tz: ZoneInfo) -> str:
    if report.current:
        return f"Tháng đang diễn ra: số liệu đến {_when(report.figures.at, tz)} (giờ Việt Nam)."
    last = to_local(report.figures.end, tz) - timedelta(days=1)
    return f"Số liệu cả tháng, hết ngày {last:%d/%m/%Y} (giờ Việt Nam)."


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _apology(d: LateDossier, tz: ZoneInfo) -> tuple[str, bool]:
    """(what the apology letter's state is, whether the dossier counts as "with an apology")."""
    if d.rescheduled_due_at is not None:
        new_date = to_local(d.rescheduled_due_at, tz).strftime("%d/%m/%Y")
        if d.apology == "sent":
            return f"Đã gửi phiếu xin lỗi — hẹn lại {new_date}", True
        return f"Đã hẹn lại {new_date} (hệ thống một cửa)", True
    if d.apology == "draft":
        return "Có bản nháp, chưa gửi", False
    return "Chưa có phiếu xin lỗi", False


def _late_view(d: LateDossier, tz: ZoneInfo) -> dict:
    state, moved = _apology(d, tz)
    return {"code": d.code, "agency": d.agency_name, "due": _when(d.due_at, tz),
            "finished": _when(d.finished_at, tz) or "Chưa xong", "apology": state, "has_apology": moved}


def _feedback_view(item: Feedback, now: datetime, tz: ZoneInfo) -> dict:
    if item.answered_at is None:
        late = "Quá hạn" if item.due_at < now else ""
    else:
        late = "Trả lời trễ hạn" if item.answered_at > item.due_at else ""
    return {"code": item.code, "agency": item.agency_name or "Cấp tỉnh (chưa xác định cơ quan)",
            "status": FEEDBACK_STATUS.get(item.status, item.status), "received": _when(item.received_at, tz),
            "due": _when(item.due_at, tz), "answered": _when(item.answered_at, tz), "overdue": late}


async def dashboard_page(db: Database, official: Official, month: Month, *, now: datetime, tz: ZoneInfo) -> dict:
    """The page's context for ``official``'s agencies in ``month`` (not later than this month)."""
    report = await monthly_report(db, month, now=now, agency=official.agency_code, tz=tz)
    scope = report.figures.scope
    start, end = month.start(tz), month.end(tz)
    late_count, late = await late_dossiers(db, start, end, now=now, scope=scope)
    feedback_count, feedback = await feedback_items(db, start, end, now=now, scope=scope)
    pngs = await asyncio.to_thread(charts, report.total, report.rows, month.label, report.months)
    rows = report.rows
    return {
        "official": {"name": official.name, "agency": official.agency_code},
        "month": month, "months": months_offered(Month.of(now, tz)), "current": report.current,
        "heading": heading(report), "as_of": _as_of(report, tz),
        "total": figures_view(report.total), "rows": [figures_view(f) for f in rows] if len(rows) > 1 else [],
        "single": figures_view(rows[0]) if len(rows) == 1 else None,
        "on_time_target": pct(ON_TIME_TARGET), "satisfaction_target": pct(SATISFACTION_TARGET),
        "charts": [{"name": name, "title": CHART_TITLES[name], "alt": _alt(name, report), "src": _data_uri(pngs[name])}
                   for name in CHARTS],
        "late": [_late_view(d, tz) for d in late], "late_count": late_count,
        "feedback": [_feedback_view(f, now, tz) for f in feedback], "feedback_count": feedback_count,
    }
