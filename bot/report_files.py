"""The monthly report as files in a directory: ``report.csv`` (one row per agency and the total,
``agency_code`` ``ALL``), ``report.xlsx`` (the same table, the 12-month trend, what each column
means) and the charts as PNG (``on_time``, ``satisfaction``, ``feedback``, ``trend``, and
``summary``: the four on one image, as ``/bao_cao`` sends it).

CSV: UTF-8 without a byte-order mark (for programs; the XLSX is the spreadsheet's file), rates as
fractions 0–1 with 4 decimals, empty when there is nothing to divide by."""

from __future__ import annotations

import csv
from pathlib import Path

from handlers.report import COLUMNS, HEADINGS_VI, RATES, Report, report_image
from handlers.report_charts import charts

TREND_COLUMNS = ("month", "finished", "finished_on_time", "on_time_rate", "ratings", "satisfied", "satisfaction_rate",
                 "feedback_answered_on_time", "feedback_overdue", "feedback_on_time_rate")
MEANINGS = {
    "finished": "hồ sơ có trạng thái 9 hoặc 10 mà thời điểm giải quyết xong nằm trong tháng (giờ Việt Nam)",
    "finished_on_time": "trong số đó, xong trước hoặc đúng hạn giải quyết theo quy định (ngày hẹn lại không tính)",
    "finished_late": "finished − finished_on_time",
    "on_time_rate": "finished_on_time / finished (trống khi finished = 0)",
    "overdue_unfinished": "đang giải quyết (trạng thái 2, 4) vào cuối tháng mà đã quá hạn",
    "apology_letters": "hồ sơ trễ hạn (xong trễ hoặc quá hạn chưa xong) đã có phiếu xin lỗi, hẹn lại trước cuối tháng",
    "ratings": "lượt đánh giá của người dân trong tháng",
    "satisfied": "\"Rất hài lòng\" hoặc \"Hài lòng\"",
    "satisfaction_rate": "satisfied / ratings (trống khi ratings = 0)",
    "feedback_received": "phản ánh, kiến nghị tiếp nhận trong tháng",
    "feedback_answered_on_time": "trả lời trong tháng, trước hoặc đúng hạn",
    "feedback_overdue": "đến hạn trong tháng mà không được trả lời đúng hạn (trả lời trễ hoặc chưa trả lời)",
}


def csv_cell(name: str, value) -> str:
    if value is None:
        return ""
    if name in RATES:
        return f"{value:.4f}"
    return str(value)


def write_csv(path: Path, report: Report) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in report.table():
            writer.writerow([csv_cell(name, row[name]) for name in COLUMNS])


def write_xlsx(path: Path, report: Report) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"Báo cáo {report.month.iso}"
    sheet.append(list(COLUMNS))
    for row in report.table():
        sheet.append([row[name] for name in COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell, name in zip(cells, COLUMNS):
            if name in RATES:
                cell.number_format = "0.0%"  # the value stays the fraction
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["B"].width = 36

    trend = book.create_sheet("Xu hướng 12 tháng")
    trend.append(list(TREND_COLUMNS))
    for label, f in report.months:
        trend.append([label, f.finished, f.finished_on_time, f.on_time_rate, f.ratings, f.satisfied,
                      f.satisfaction_rate, f.feedback_answered_on_time, f.feedback_overdue, f.feedback_on_time_rate])
    for cells in trend.iter_rows(min_row=2):
        for cell, name in zip(cells, TREND_COLUMNS):
            if name.endswith("_rate"):
                cell.number_format = "0.0%"

    notes = book.create_sheet("Chú thích")
    notes.append(["cột / column", "tên / heading", "nghĩa / meaning"])
    for name in COLUMNS:
        notes.append([name, HEADINGS_VI[name], MEANINGS.get(name, "")])
    book.save(path)


def write_report(out: Path, report: Report) -> list[Path]:
    """Every file, written into ``out`` (created if need be); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.csv", out / "report.xlsx"]
    write_csv(written[0], report)
    write_xlsx(written[1], report)
    images = charts(report.total, report.rows, report.month.label, report.months)
    images["summary"] = report_image(report)
    for name, png in images.items():
        path = out / f"{name}.png"
        path.write_bytes(png)
        written.append(path)
    return written
