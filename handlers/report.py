"""The monthly report: a month's figures by agency (``db.report_repo``), the 12 months before it for
the trend, the table's columns as the CSV and the XLSX have them, and the chat's reply
(``/bao_cao``: the figures as text and the charts as one image)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from db.engine import Database
from db.report_repo import Figures, MonthFigures, month_figures, scope_for, trend
from handlers.report_charts import ON_TIME_TARGET, SATISFACTION_TARGET, pct, summary
from handlers.types import Reply
from knowledge.calendar import MIN_YEAR, VN_TZ
from knowledge.months import Month

TREND_MONTHS = 12
# The CSV's columns in order (issue #12); rates as fractions 0–1, empty when nothing to divide by.
COLUMNS = ("agency_code", "agency_name", "finished", "finished_on_time", "finished_late", "on_time_rate",
           "overdue_unfinished", "apology_letters", "ratings", "satisfied", "satisfaction_rate",
           "feedback_received", "feedback_answered_on_time", "feedback_overdue")
RATES = ("on_time_rate", "satisfaction_rate")
# What the XLSX's header row says under each column (the CSV keeps the machine names).
HEADINGS_VI = {
    "agency_code": "Mã cơ quan", "agency_name": "Cơ quan", "finished": "Giải quyết xong",
    "finished_on_time": "Đúng hạn", "finished_late": "Trễ hạn", "on_time_rate": "Tỷ lệ đúng hạn",
    "overdue_unfinished": "Quá hạn chưa xong (cuối tháng)", "apology_letters": "Trễ hạn có phiếu xin lỗi",
    "ratings": "Lượt đánh giá", "satisfied": "Hài lòng", "satisfaction_rate": "Tỷ lệ hài lòng",
    "feedback_received": "Phản ánh tiếp nhận", "feedback_answered_on_time": "Phản ánh trả lời đúng hạn",
    "feedback_overdue": "Phản ánh quá hạn",
}


def values(f: Figures) -> dict[str, str | int | float | None]:
    """One row of the table: counts as ints, rates as floats 0–1 (None when nothing to divide by)."""
    row = {name: getattr(f, name) for name in COLUMNS}
    if f.agency_code == "ALL":
        row["agency_name"] = "Tất cả / All"
    return row


@dataclass
class Report:
    month: Month
    figures: MonthFigures
    months: list[tuple[str, Figures]]  # the trend: (MM/YYYY, that month's total), oldest first

    @property
    def rows(self) -> list[Figures]:
        return self.figures.rows

    @property
    def total(self) -> Figures:
        return self.figures.total

    @property
    def current(self) -> bool:
        """The month is still under way: its figures are to date."""
        return self.figures.at < self.figures.end

    def table(self) -> list[dict]:
        return [values(f) for f in (*self.rows, self.total)]


async def monthly_report(db: Database, month: Month, *, now: datetime, agency: str | None = None,
                         tz: ZoneInfo = VN_TZ, trend_months: int = TREND_MONTHS) -> Report:
    """``month``'s figures for ``agency`` and what it covers (None: every agency), and the totals of
    the ``trend_months`` months ending with it."""
    scope = await scope_for(db, agency)
    figures = await month_figures(db, month.start(tz), month.end(tz), now=now, scope=scope)
    # The trend's months before the calendar's first year do not exist (Month refuses them).
    back = min(trend_months - 1, (month.year - MIN_YEAR) * 12 + month.month - 1)
    earlier = [month.shifted(-n) for n in range(back, 0, -1)]
    totals = await trend(db, [(m.start(tz), m.end(tz)) for m in earlier], now=now, scope=scope)
    months = [(m.label, t) for m, t in zip(earlier, totals)] + [(month.label, figures.total)]
    return Report(month, figures, months)


def heading(report: Report) -> str:
    scope = report.figures.scope.agency
    where = f" — {scope}" if scope else ""
    to_date = " (đến nay / to date)" if report.current else ""
    return f"Báo cáo tháng {report.month.label}{to_date}{where} / Monthly report"


def report_image(report: Report) -> bytes:
    """The four charts on one PNG (CPU-bound: call it in a thread from the service)."""
    return summary(report.total, report.rows, report.month.label, report.months, heading(report))


def figures_view(f: Figures) -> dict:
    return {
        "name": "Tất cả / All" if f.agency_code == "ALL" else (f.agency_name or f.agency_code or "(chưa rõ cơ quan)"),
        "code": "" if f.agency_code == "ALL" else f.agency_code,
        "finished": f.finished, "on_time": f.finished_on_time, "late": f.finished_late, "on_time_rate": pct(f.on_time_rate),
        "overdue": f.overdue_unfinished, "apology": f.apology_letters, "ratings": f.ratings, "satisfied": f.satisfied,
        "satisfaction": pct(f.satisfaction_rate), "feedback_received": f.feedback_received,
        "feedback_on_time": f.feedback_answered_on_time, "feedback_overdue": f.feedback_overdue,
        "feedback_rate": pct(f.feedback_on_time_rate),
    }


MAX_ROWS_IN_TEXT = 10  # agencies spelled out in the chat; the image and `motcua report` have them all


async def report_reply(report: Report) -> Reply:
    """``/bao_cao``: the total and each agency's figures as text, the charts as the image."""
    image = await asyncio.to_thread(report_image, report)
    rows = report.rows
    # One agency: its own name; several: the total first, then each.
    blocks = [figures_view(f) for f in ([report.total, *rows[:MAX_ROWS_IN_TEXT]] if len(rows) > 1 else rows or [report.total])]
    return Reply(template="official_report", context={
        "month": report.month.label, "current": report.current, "scope": report.figures.scope.agency or "",
        "blocks": blocks, "more": max(0, len(rows) - MAX_ROWS_IN_TEXT), "on_time_target": pct(ON_TIME_TARGET),
        "satisfaction_target": pct(SATISFACTION_TARGET),
    }, kind="official", image=image)
