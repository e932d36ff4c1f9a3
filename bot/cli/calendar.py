"""``motcua calendar show YEAR [--check]`` and ``motcua deadline``: the working calendar and due dates.

``motcua deadline`` without ``--received`` reads JSON lines on stdin —
``{"received": ..., "days": ..., "unit": ..., "pauses": [[start, end], ...]}`` (optional:
``"same_day_cutoff"``: true/false/"HH:MM", ``"agency"``, ``"id"``, echoed back) — and writes one JSON
line each with ``due_date`` (YYYY-MM-DD), ``due_at`` (ISO 8601 with offset) and ``explanation``, or an
``error``. External checks rely on this contract. The exit code is non-zero only if every line failed.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import time
from pathlib import Path
from typing import Any

import click

from knowledge.calendar import (
    PACKAGED_FILE,
    WEEKDAYS_VI,
    CalendarError,
    WorkingCalendar,
    compare_with_holidays,
)
from knowledge.duedate import DueDate, DueDateError, due_date, parse_moment, parse_pause, parse_unit

MAX_LINE = 100_000  # characters; a dossier request is a few hundred


def load_calendar(calendar_file: Path | None) -> WorkingCalendar:
    """The packaged calendar plus the administrator's file (--calendar-file, else MOTCUA_CALENDAR_FILE)."""
    path = calendar_file or calendar_file_setting()
    try:
        return WorkingCalendar.load(path)
    except CalendarError as exc:
        raise click.ClickException(str(exc)) from None


def calendar_file_setting() -> Path | None:
    """``Settings().calendar_file`` (bot/config.py) read as pydantic-settings reads it — the variable's
    name in any case, the last one winning — without importing pydantic-settings: that import was
    most of the start of ``motcua deadline`` and ``calendar show``, which need no other setting."""
    value = None
    for name, text in os.environ.items():
        if name.lower() == "motcua_calendar_file":
            value = text
    return Path(value) if value is not None else None


def _source_label(source: str) -> str:
    return "knowledge/data/calendar.toml" if source == str(PACKAGED_FILE) else source


calendar_file_option = click.option(
    "--calendar-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Tệp lịch bổ sung / override calendar file (default: MOTCUA_CALENDAR_FILE).",
)


@click.group("calendar")
def calendar_group() -> None:
    """Lịch làm việc / Working-day calendar."""


@calendar_group.command("show")
@click.argument("year", type=int)
@click.option("--check", is_flag=True, help="So sánh với thư viện holidays / compare with `holidays`.")
@calendar_file_option
def show(year: int, check: bool, calendar_file: Path | None) -> None:
    """Ngày nghỉ và ngày làm bù của năm YEAR / weekdays off and make-up working days of YEAR."""
    cal = load_calendar(calendar_file)
    try:
        days_off, makeup, sources = cal.days_off(year), cal.makeup_days(year), cal.sources(year)
    except CalendarError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Năm {year} — nguồn / source: {', '.join(_source_label(s) for s in sources)}")
    click.echo(f"Ngày nghỉ (thứ Hai–thứ Sáu) / Weekdays off: {len(days_off)}")
    for d in days_off:
        click.echo(f"  {WEEKDAYS_VI[d.date.weekday()]:<9} {d.date:%d/%m/%Y}  {d.name}")
    click.echo(f"Ngày làm bù / Make-up working days: {len(makeup)}")
    for d in makeup:
        click.echo(f"  {WEEKDAYS_VI[d.date.weekday()]:<9} {d.date:%d/%m/%Y}  {d.name}")
    if not check:
        return
    click.echo("")
    click.echo("So sánh với thư viện holidays / Compared with the holidays package:")
    if year not in cal.file_years():
        click.echo("  Năm này không có trong tệp lịch, chỉ dùng holidays / in no calendar file: holidays only.")
    diffs = compare_with_holidays(cal, year)
    kinds = {"off": "ngày nghỉ / day off", "makeup": "ngày làm bù / make-up day"}
    sides = {
        "file": "chỉ trong tệp lịch / only in the calendar file",
        "holidays": "chỉ trong holidays / only in holidays",
    }
    for kind, side, d in diffs:
        mark = "+" if side == "file" else "-"
        weekday = WEEKDAYS_VI[d.date.weekday()]
        click.echo(f"  {mark} {d.date.isoformat()} {weekday}: {kinds[kind]}, {sides[side]}: {d.name}")
    if not diffs:
        click.echo("  Không có khác biệt / No differences.")
    else:  # information for the administrator, not a failure
        click.echo(f"  {len(diffs)} khác biệt / differences.")


def _cutoff(value: Any) -> bool | time:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DueDateError(f'same_day_cutoff: true, false hoặc/or "HH:MM": {str(value)[:40]!r}')


def _compute(
    cal: WorkingCalendar,
    received: Any,
    days: Any,
    unit: Any,
    pauses: Any,
    cutoff: bool | time,
    agency: str | None,
) -> DueDate:
    if not isinstance(pauses, list | tuple):
        raise DueDateError("pauses phải là một danh sách / pauses must be a list")
    if agency is not None and not isinstance(agency, str):
        raise DueDateError("agency phải là chuỗi / agency must be a string")
    parsed_unit = parse_unit(unit)
    if isinstance(days, str):  # "3", "0,5": lenient with numbers typed as text
        try:
            days = float(days.strip().replace(",", "."))
        except ValueError:
            raise DueDateError(f"thời hạn phải là số / days must be a number: {days[:40]!r}") from None
    if days is None:
        if parsed_unit.value != "same_day":
            raise DueDateError("thiếu số ngày / missing days")
        days = 0
    return due_date(
        parse_moment(received),
        days,
        parsed_unit,
        [parse_pause(p) for p in pauses],
        calendar=cal,
        office_hours=cal.office_hours(agency),
        same_day_cutoff=cutoff,
    )


def _line_result(
    cal: WorkingCalendar, raw: bytes, default_unit: str, default_cutoff: bool, agency: str | None
) -> tuple[dict[str, Any], Any]:
    """One JSON line in, (the result or an error, the line's "id" if it had one) out."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"error": "dòng không phải UTF-8 / line is not UTF-8"}, None
    if len(text) > MAX_LINE:
        return {"error": f"dòng quá dài / line too long (> {MAX_LINE} characters)"}, None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly nested arrays
        return {"error": f"không phải JSON / not JSON: {str(exc)[:200]}"}, None
    if not isinstance(obj, dict):
        return {"error": "mỗi dòng phải là một đối tượng JSON / each line must be a JSON object"}, None
    ident = obj.get("id")
    if not isinstance(ident, str | int) or isinstance(ident, bool):
        ident = None
    try:
        if "received" not in obj:
            raise DueDateError("thiếu thời điểm nhận / missing received")
        result = _compute(
            cal,
            obj["received"],
            obj.get("days"),
            obj.get("unit") or default_unit,
            obj.get("pauses") or [],
            _cutoff(obj.get("same_day_cutoff", default_cutoff)),
            obj.get("agency", agency),
        )
    except (DueDateError, CalendarError) as exc:
        return {"error": str(exc)}, ident
    except (ValueError, TypeError, OverflowError) as exc:
        return {"error": f"dữ liệu không hợp lệ / invalid input: {str(exc)[:200]}"}, ident
    except Exception as exc:  # a bug must not cost the other lines their answers
        return {"error": f"lỗi nội bộ / internal error: {type(exc).__name__}"}, ident
    return result.to_json(), ident


def _run_stdin(cal: WorkingCalendar, default_unit: str, cutoff: bool, agency: str | None) -> None:
    stdin = click.get_binary_stream("stdin")
    if stdin.isatty():
        example = '{"received": "2026-11-19T10:00", "days": 3}'
        click.echo(f"Đọc JSON lines từ stdin / reading JSON lines, e.g. {example}", err=True)
    seen = failed = 0
    for number, raw in enumerate(stdin, start=1):
        if not raw.strip():
            continue
        seen += 1
        out, ident = _line_result(cal, raw.strip(), default_unit, cutoff, agency)
        failed += "error" in out
        head: dict[str, Any] = {"line": number}
        if ident is not None:
            head["id"] = ident
        click.echo(json.dumps(head | out, ensure_ascii=False))
    if not seen:
        click.echo("Không có dòng nào / no input lines.", err=True)
    elif failed == seen:
        sys.exit(1)


@click.command("deadline")
@click.option(
    "--received",
    help="Thời điểm nhận / receipt time, ISO 8601 (naive = Vietnam time). Omitted: JSON lines on stdin.",
)
@click.option("--days", type=float, help="Thời hạn / processing time (days, or hours with --unit hour).")
@click.option(
    "--unit",
    default="working",
    show_default=True,
    help="working | calendar | same_day | hour | month (or WORKING_DAY, DAY, SAME_DAY, HOUR, MONTH).",
)
@click.option(
    "--pause",
    "pauses",
    multiple=True,
    metavar="START/END",
    help="Tạm dừng (chờ bổ sung) / clock stopped, ISO 8601; END empty = still paused. Repeatable.",
)
@click.option("--no-cutoff", is_flag=True, help="Không áp dụng mốc 15:00 / no 15:00 same-day cut-off.")
@click.option("--agency", default=None, help="Mã cơ quan / agency code (its own office hours).")
@calendar_file_option
@click.option("--json", "as_json", is_flag=True, help="Một đối tượng JSON / one JSON object.")
def deadline(
    received: str | None,
    days: float | None,
    unit: str,
    pauses: tuple[str, ...],
    no_cutoff: bool,
    agency: str | None,
    calendar_file: Path | None,
    as_json: bool,
) -> None:
    """Hạn giải quyết hồ sơ / the due date of a dossier, with the reason in Vietnamese."""
    cal = load_calendar(calendar_file)
    if received is None:
        if days is not None or pauses:
            raise click.UsageError("--days/--pause cần --received / need --received (else JSON lines on stdin)")
        try:
            parse_unit(unit)
        except DueDateError as exc:
            raise click.UsageError(str(exc)) from None
        _run_stdin(cal, unit, not no_cutoff, agency)
        return
    try:
        result = _compute(cal, received, days, unit, list(pauses), not no_cutoff, agency)
    except (DueDateError, CalendarError) as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    if result.due_at is None:
        left = f"{result.remaining:g}".replace(".", ",")
        click.echo(f"Đang tạm dừng / Paused: còn {left} ({result.unit.value}) / left after the resume")
    else:
        due = result.due_at
        weekday = WEEKDAYS_VI[due.weekday()]
        click.echo(f"Hạn / Due: {due:%H:%M} {weekday} {due:%d/%m/%Y} ({due.date().isoformat()})")
    click.echo(result.explanation)
