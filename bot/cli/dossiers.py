"""``motcua dossiers import FILE`` and ``motcua dossiers demo --count N``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from bot.cli.calendar import load_calendar
from bot.cli.common import open_database, run

# The database, rich and Faker are imported inside the commands: not for --help (bot/cli/__init__.py).
MAX_ERRORS_SHOWN = 50


@click.group("dossiers")
def dossiers_group() -> None:
    """Hồ sơ: nhập và dữ liệu mẫu / Dossiers: import and demo data."""


def _console():
    from rich.console import Console

    return Console(stderr=True)


@dossiers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None,
              help="Default: by extension (.csv → CSV, else JSON lines).")
@click.option("--calendar-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Tệp lịch bổ sung / override calendar file (default: MOTCUA_CALENDAR_FILE).")
def import_command(file: Path, fmt: str | None, calendar_file: Path | None) -> None:
    """Nhập hồ sơ từ JSON lines hoặc CSV / import dossiers (upsert by code).

    Columns: code, procedure_code, agency_code, agency_name, applicant_name, applicant_phone,
    applicant_id_number, received_at, processing_days, processing_unit, due_at, status,
    status_history (JSON), finished_at, returned_at, channel. A bad row is reported with its line
    number; the others are imported. Exit code 1 when any row was rejected.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    from bot.dossier_files import detect_format
    from bot.dossier_import import import_dossiers
    from db.catalogue_repo import load_procedures
    from knowledge.catalogue.bundled import load_bundled

    calendar = load_calendar(calendar_file)
    fmt = detect_format(file, fmt)
    console = _console()

    async def go():
        async with open_database() as db:
            procedures = {p.code: p for p in (await load_procedures(db) or load_bundled())}
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TransferSpeedColumn(),
                          TimeRemainingColumn(), console=console, transient=True) as progress:
                task = progress.add_task(file.name, total=file.stat().st_size)
                return await import_dossiers(db, file, fmt, calendar=calendar, procedures=procedures.get,
                                             advance=lambda n: progress.advance(task, n))

    try:
        report = run(go())
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"tệp không phải UTF-8 / the file is not UTF-8: {exc}") from None
    for line, field, message in report.errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"{file.name}:{line}: {field}: {message}", err=True)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        click.echo(f"... {len(report.errors) - MAX_ERRORS_SHOWN} more errors", err=True)
    bad_lines = len({line for line, _, _ in report.errors})
    click.echo(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{bad_lines} rejected; {report.status_changes} status changes"
    )
    if bad_lines:
        sys.exit(1)


async def _dossier_count() -> int:
    from sqlalchemy import func, select

    from db.models.dossiers import Dossier

    async with open_database() as db, db.session() as session:
        return await session.scalar(select(func.count()).select_from(Dossier)) or 0


def _print_codes(codes) -> None:
    """The codes to try, one per verdict (bot.dossier_demo.demo_codes): after every run, so that
    `dev.py run` shows them each time, not only the first."""
    from bot.dossier_demo import SAMPLE_LABELS

    if not codes.samples:
        return
    click.echo("Mã hồ sơ mẫu để thử / demo dossier codes to try:")
    for kind, label in SAMPLE_LABELS.items():
        if kind in codes.samples:
            click.echo(f"  {codes.samples[kind]}  {label}")
    if codes.verify_code:
        click.echo(f"Try: motcua chat, send {codes.verify_code}, then the last 4 phone digits {codes.verify_phone_last4}")


@dossiers_group.command("demo")
@click.option("--count", type=click.IntRange(1, 10_000_000), default=1000, show_default=True)
@click.option("--now", "now_text", default=None, help="ISO 8601 moment the spread is relative to (default: now).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--calendar-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--if-empty", is_flag=True, help="Only when the database holds no dossier yet (keeps a demo stable across restarts).")
def demo_command(count: int, now_text: str | None, seed: int, calendar_file: Path | None, if_empty: bool) -> None:
    """Tạo hồ sơ mẫu / generate realistic synthetic dossiers (replaces earlier demo dossiers)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from bot.dossier_demo import demo_codes, generate_demo
    from knowledge.calendar import to_local

    calendar = load_calendar(calendar_file)
    try:
        now = to_local(datetime.fromisoformat(now_text), calendar.tz) if now_text else datetime.now(calendar.tz)
    except ValueError:
        raise click.BadParameter("ISO 8601, e.g. 2026-03-11T10:00+07:00", param_hint="--now") from None

    async def codes():
        async with open_database() as db:
            return await demo_codes(db, now=now, calendar=calendar)

    if if_empty and run(_dossier_count()) > 0:
        present = run(codes())
        click.echo(f"đã có hồ sơ, không tạo dữ liệu mẫu mới ({present.count} hồ sơ mẫu) / dossiers already "
                   f"present: no demo data generated ({present.count} demo dossiers)")
        _print_codes(present)
        return
    console = _console()

    async def go():
        async with open_database() as db:
            with Progress(TextColumn("[bold]demo"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=console, transient=True) as progress:
                task = progress.add_task("demo", total=count)
                summary = await generate_demo(db, count, now=now, calendar=calendar, seed=seed,
                                              progress=lambda n: progress.advance(task, n))
            return summary, await demo_codes(db, now=now, calendar=calendar)

    summary, made = run(go())
    click.echo(f"{summary.count} demo dossiers ({summary.history} status entries), relative to {now:%Y-%m-%d %H:%M %z}")
    _print_codes(made)
