"""``motcua catalogue import|sync|check``: fill the configured database with the procedure catalogue.

Its libraries (rich, the importers, the database) are imported inside the commands: ``--help``
stays as fast as the other commands'."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import open_database, run

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from db.catalogue_repo import UpsertStats
    from knowledge.catalogue.importers import ImportReport


@click.group("catalogue")
def catalogue_group() -> None:
    """Danh mục thủ tục hành chính / The procedure catalogue."""


def _console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=True)


def _progress() -> Progress:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # On stderr, and only drawn on a terminal: the summary on stdout stays clean for scripts.
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty())


def _stored_line(stats: UpsertStats) -> str:
    return (f"thêm mới / inserted {stats.inserted}, cập nhật / updated {stats.updated}, "
            f"không đổi / unchanged {stats.unchanged}, giữ bản giàu hơn / kept richer {stats.kept_richer}")


def print_import_summary(console: Console, report: ImportReport, stats: UpsertStats | None, seconds: float) -> None:
    from rich.table import Table

    table = Table(title="Nguồn / Sources")
    for column in ("nguồn / source", "đọc / read", "dùng / used", "bị thay / superseded"):
        table.add_column(column, justify="left" if column.startswith("nguồn") else "right")
    for source, counts in sorted(report.sources.items()):
        table.add_row(source, str(counts.read), str(counts.used), str(counts.superseded))
    console.print(table)
    if report.skipped:
        skips = Table(title="Bỏ qua / Skipped")
        skips.add_column("lý do / reason")
        skips.add_column("số / count", justify="right")
        skips.add_column("ví dụ / examples")
        for reason, count in report.skip_counts().items():
            examples = "\n".join(
                f"{Path(s.path).name}" + (f" — {s.detail}" if s.detail else "") for s in report.skip_examples(reason))
            skips.add_row(reason, str(count), examples)
        console.print(skips)
    names_only = len(report.procedures) - report.detailed
    console.print(f"Thủ tục / Procedures: {len(report.procedures)} mã / codes "
                  f"({report.detailed} chi tiết / detailed, {names_only} chỉ có tên / names only), "
                  f"từ / from {report.files} tệp / files")
    if stats is not None:
        console.print(f"Cơ sở dữ liệu / Database: {_stored_line(stats)}")
    console.print(f"Thời gian / Time: {seconds:.1f} s")


@catalogue_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_command(paths: tuple[Path, ...]) -> None:
    """Nhập danh mục từ tệp / Import procedures from files and directories (JSON, JSONL, XLSX).

    Idempotent: importing the same files again changes nothing; a record from a poorer source never
    replaces a richer one. Exits non-zero only when nothing usable was found."""
    from db.catalogue_repo import upsert_procedures
    from knowledge.catalogue.importers import import_paths

    console = _console()
    started = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task("Đọc tệp / Reading files", total=None)
        report = import_paths(paths, progress=lambda _p: bar.advance(task),
                              on_files=lambda n: bar.update(task, total=n))
        bar.update(task, description="Lưu / Saving")

        async def store() -> UpsertStats | None:
            if not report.procedures:
                return None
            async with open_database() as db:
                return await upsert_procedures(db, report.procedures)

        stats = run(store())
    print_import_summary(console, report, stats, time.perf_counter() - started)
    if not report.procedures:
        console.print("Không tìm thấy thủ tục nào dùng được. / No usable procedure was found.")
        raise SystemExit(1)


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    from yarl import URL

    parsed = URL(url)
    return str(parsed.with_password("***")) if parsed.password else url


def _http_url(_ctx, _param, value: str) -> str:
    from yarl import URL

    try:
        url = URL(value)
    except (ValueError, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise click.BadParameter("an http(s) URL with a host, e.g. https://mirror.example/api")
    return value


@catalogue_group.command("sync")
@click.option("--base-url", required=True, callback=_http_url,
              help="Portal-API-compatible endpoint, e.g. https://mirror.example/api")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Requests in flight at once.")
@click.option("--codes", "codes_file", type=click.File("r", encoding="utf-8"),
              help="Sync these codes (one per line) instead of the endpoint's list.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1), help="Seconds per request.")
@click.option("--retries", default=4, show_default=True, type=click.IntRange(0, 20),
              help="Retries of a request that timed out or got 429/5xx.")
def sync_command(base_url: str, concurrency: int, codes_file, timeout: float, retries: int) -> None:
    """Đồng bộ từ API / Sync procedures from a portal-API endpoint (resumable).

    See bot/catalogue_sync.py for the endpoint contract."""
    from rich.table import Table

    from bot.catalogue_sync import SyncOptions, sync_catalogue  # aiohttp only for this command
    from db.catalogue_repo import count_procedures

    console = _console()
    codes = [line.strip() for line in codes_file if line.strip() and not line.startswith("#")] if codes_file else None
    options = SyncOptions(concurrency=concurrency, timeout=timeout, retries=retries)
    started = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task("Tải / Fetching", total=None)

        async def go():
            async with open_database() as db:
                report = await sync_catalogue(db, base_url, codes=codes, options=options,
                                              on_codes=lambda n: bar.update(task, total=n),
                                              progress=lambda _c: bar.advance(task))
                return report, await count_procedures(db)

        report, totals = run(go())
    console.print(f"Nguồn / Endpoint: {_safe_url(report.base_url)}"
                  + (" (tiếp tục lần trước / resumed)" if report.resumed else ""))
    origin = "theo danh sách / listed" if report.listed else "cho trước / given or known"
    console.print(f"Mã / Codes: {report.codes} ({origin}), "
                  f"đã xong trước đó / already done {report.already_done}, "
                  f"không đổi / not changed {report.not_changed}, "
                  f"đã tải / fetched {report.fetched}, thử lại / retries {report.retries}")
    console.print(f"Cơ sở dữ liệu / Database: {_stored_line(report.stored)}; "
                  f"tổng / total {totals['total']} ({totals['detailed']} chi tiết / detailed)")
    if report.errors:
        errors = Table(title=f"Lỗi / Errors ({len(report.errors)})")
        errors.add_column("mã / code")
        errors.add_column("lỗi / error")
        for code, error in list(report.errors.items())[:20]:
            errors.add_row(code, error)
        console.print(errors)
    console.print(f"Thời gian / Time: {time.perf_counter() - started:.1f} s")
    attempted = report.codes - report.already_done
    if report.codes == 0 or (attempted > 0 and report.fetched + report.not_changed == 0 and report.errors):
        console.print("Không đồng bộ được thủ tục nào. / Nothing could be synced.")
        raise SystemExit(1)


@catalogue_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per finding instead of the table.")
@click.option("--sample", type=click.IntRange(1), help="Check this many procedures drawn at random.")
@click.option("--seed", default=0, show_default=True, help="Seed of --sample.")
def check_command(as_json: bool, sample: int | None, seed: int) -> None:
    """Render every detailed procedure's first answer and count defects by class / Kiểm tra câu
    trả lời của mọi thủ tục. Exits 1 when any is found."""
    import json
    import random
    import statistics

    from rich.table import Table

    from bot.preview import preview
    from bot.wiring import core_deps
    from handlers.answer_check import CHANNEL_LIMIT, CLASSES, FIRST_MESSAGE_TARGET, audit, first_answer

    async def go() -> int:
        async with core_deps() as deps:
            index = deps.catalogue.index
            procedures = [p for p in index.procedures if p.detailed]
            if sample:
                procedures = random.Random(seed).sample(procedures, min(sample, len(procedures)))
            answers = []
            for p in procedures:
                first = await preview(deps, f"thủ tục {p.code}", "zalo")
                full = await preview(deps, "", "zalo", payload=f"s:all:{p.code}")
                # The whole first answer, as the tests measure it: one split by Zalo is over its limit.
                answers.append((p, first_answer(first["replies"]), "\n".join(r["text"] for r in full["replies"])))
            result = audit(answers, deps.clock().date())
        if as_json:
            for f in result.findings:
                click.echo(json.dumps({"code": f.code, "class": f.cls, "detail": f.detail}, ensure_ascii=False))
            return 1 if result.findings else 0
        counts = result.by_class()
        table = Table(title=f"{result.checked} thủ tục / procedures")
        for column in ("lớp / class", "số / count", "ví dụ / example"):
            table.add_column(column)
        for cls, meaning in CLASSES.items():
            example = next((f"{f.code}: {f.detail[:70]}" for f in result.findings if f.cls == cls), "")
            table.add_row(f"{cls}\n[dim]{meaning}[/dim]", str(counts.get(cls, 0)), example)
        console = _console()
        console.print(table)
        affected = len(result.procedures_with_defects())
        console.print(f"Có lỗi / with any defect: {affected} ({affected / max(1, result.checked):.1%}); "
                      f"độ dài tin đầu (trung vị) / median first message: {statistics.median(result.lengths or [0]):.0f} "
                      f"ký tự / characters; > {FIRST_MESSAGE_TARGET}: {sum(n > FIRST_MESSAGE_TARGET for n in result.lengths)}; "
                      f"> {CHANNEL_LIMIT} (Zalo): {sum(n > CHANNEL_LIMIT for n in result.lengths)}")
        return 1 if result.findings else 0

    sys.exit(run(go()))
