"""``motcua report --month YYYY-MM [--agency CODE] --out DIR``: the monthly report as files
(``bot.report_files``: report.csv, report.xlsx, the PNG charts). The figures are those of
``/bao_cao`` and ``/thong_ke`` (``db.report_repo``; docs/officials.md, "Reports").

Everything heavy (the database, matplotlib, openpyxl) is imported inside the command: a --help
imports nothing heavy (bot/cli/__init__.py)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import open_database, run


@click.command("report")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM", help="Tháng báo cáo / the month, e.g. 2026-03.")
@click.option("--agency", "agency", default=None,
              help="Chỉ cơ quan này và các đơn vị trực thuộc / this agency and the ones it covers.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục ghi báo cáo / the directory to write into (created if need be).")
def report(month_text: str, agency: str | None, out: Path) -> None:
    """Báo cáo tháng kèm biểu đồ / the monthly report with charts (CSV, XLSX, PNG).

    One CSV row per agency with anything to count in the month, and the total (agency_code ALL):
    dossiers finished on time and late, overdue unfinished at the month's end, apology letters,
    satisfaction, feedback answered in time. The month under way is counted to now.
    """
    from datetime import datetime

    from knowledge.agency import normalise, well_formed
    from knowledge.calendar import VN_TZ
    from knowledge.months import Month

    month = Month.parse(month_text)
    if month is None:
        raise click.BadParameter("tháng dạng YYYY-MM, ví dụ 2026-03 / a month such as 2026-03", param_hint="--month")
    now = datetime.now(VN_TZ)
    if month > Month.of(now, VN_TZ):
        raise click.BadParameter(f"tháng {month.label} chưa đến / has not begun", param_hint="--month")
    code = None
    if agency is not None:
        code = normalise(agency)
        if not well_formed(code):
            raise click.BadParameter("mã cơ quan dạng 000.00.22.H26 / an agency code such as 000.00.22.H26",
                                     param_hint="--agency")

    async def go():
        from handlers.report import monthly_report

        async with open_database() as db:
            return await monthly_report(db, month, now=now, agency=code)

    found = run(go())
    from bot.report_files import write_report

    try:
        written = write_report(out, found)
    except OSError as exc:
        raise click.ClickException(f"không ghi được vào {out} / cannot write there: {exc.strerror or exc}") from None
    total = found.total
    rate = f"{total.on_time_rate:.1%}" if total.on_time_rate is not None else "—"
    click.echo(f"Tháng {month.label}{' (đến nay / to date)' if found.current else ''}"
               f"{' — ' + code if code else ''}: {len(found.rows)} cơ quan / agencies; "
               f"xong {total.finished}, đúng hạn {total.finished_on_time} ({rate}); "
               f"quá hạn chưa xong {total.overdue_unfinished}; đánh giá {total.ratings}; phản ánh {total.feedback_received}")
    for path in written:
        click.echo(str(path))
