"""Reminder-sweep selection time at scale, with the indexes and without them, in the same run.

    .venv/bin/python bench/sweep_selection.py [--rows 1000000] [--repeat 5] [--postgres URL] [--no-sqlite]

Fills a fresh database with ``--rows`` demo dossiers (``motcua dossiers demo``'s generator, relative
to Wed 11/03/2026 10:00), links one officer per demo agency and a head for the province, then times
(median of ``--repeat`` runs):

- ``sweep selection``: what one sweep reads — the agencies with running dossiers (a skip scan,
  ``db.sweep_repo.running_agencies``) and, per agency and kind (overdue, due today, due soon,
  escalation), the count and the first 15 dossiers (``db.sweep_repo.bucket``);
- ``/tre_han page``: an official's first page of overdue dossiers with the total (scope: a commune
  and its police unit, ``db.scoped_dossiers.overdue_for``);
- ``/thong_ke month``: that official's month statistics (``db.report_repo.month_stats_for``);
- ``first sweep of the day``: ``handlers.sweep.run_sweep`` once, writes included (digests, one
  reminder row per dossier, apology drafts), then ``second sweep`` (plans nothing new).

Then the indexes these use are dropped (the partial running-dossier indexes — by due time and by
effective due time, migration 0009 — and the two statistics indexes of migration 0005), what the first sweep wrote is deleted, and the SAME functions are timed
again. Printed: milliseconds and the ratio without/with. SQLite always runs (a temporary file);
PostgreSQL too when ``--postgres`` or ``MOTCUA_TEST_POSTGRES_URL`` names a server (a fresh database,
dropped at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bot.dossier_demo import generate_demo  # noqa: E402
from db.engine import Database  # noqa: E402
from scratch_db import scratch_database  # noqa: E402  (bench/, the script's directory)
from bot.dossier_demo import AGENCIES  # noqa: E402
from db.officials_repo import create_invite, redeem_invite  # noqa: E402
from db.report_repo import month_stats_for  # noqa: E402
from db.scoped_dossiers import overdue_for  # noqa: E402
from db.sweep_repo import bucket, running_agencies  # noqa: E402
from handlers.reminder_settings import ReminderSettings  # noqa: E402
from handlers.sweep import ranges, run_sweep  # noqa: E402
from knowledge.calendar import VN_TZ, default_calendar  # noqa: E402
from knowledge.reminder_windows import windows  # noqa: E402

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=VN_TZ)
INDEXES = ("ix_dossiers_running_due", "ix_dossiers_running_agency_due", "ix_dossiers_running_agency_effective_due",
           "ix_dossiers_agency_received", "ix_dossiers_agency_finished")


async def timed(work, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


async def analyze(db: Database) -> None:
    """Statistics for the planner; on PostgreSQL also the visibility map (what autovacuum keeps up
    to date in production), without which a count over an index still visits the table."""
    async with db.engine.connect() as conn:
        if db.is_postgres:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def measure(db: Database, official, repeat: int) -> dict[str, tuple[float, object]]:
    cal = default_calendar()
    settings = ReminderSettings()
    spans = ranges(cal, windows(cal, NOW, settings.due_within_days), settings.escalate_after_days)

    async def sweep_selection():
        counted = 0
        for agency in await running_agencies(db):
            for lo, hi in spans.values():
                counted += (await bucket(db, [agency], lo, hi, limit=settings.digest_list)).count
        return counted

    async def overdue_page():
        return (await overdue_for(db, official, NOW, limit=20)).total

    async def month_stats():
        stats = await month_stats_for(db, official, datetime(2026, 3, 1, tzinfo=VN_TZ), datetime(2026, 4, 1, tzinfo=VN_TZ), NOW)
        return stats.received

    out = {}
    for name, work in (("sweep selection (rows counted)", sweep_selection), ("/tre_han page (+total)", overdue_page),
                       ("/thong_ke month (received)", month_stats)):
        await work()  # warm the cache
        out[name] = await timed(work, repeat)

    async def sweep():
        report = await run_sweep(db, cal, settings, NOW)
        return f"{report.digests}d/{report.reminders}r"

    out["first sweep of the day (digests/reminders)"] = await timed(sweep, 1)
    out["second sweep (nothing new)"] = await timed(sweep, 1)
    return out


async def forget_plans(db: Database) -> None:
    async with db.engine.connect() as conn:
        for table in ("reminders", "outbox", "apologies"):
            await conn.execute(text(f"DELETE FROM {table}"))
        await conn.commit()


async def run(db: Database, label: str, rows: int, repeat: int, repeat_without: int) -> None:
    cal = default_calendar()
    print(f"[{label}] generating {rows} demo dossiers ...", flush=True)
    start = time.perf_counter()
    await generate_demo(db, rows, now=NOW, calendar=cal, seed=7)
    print(f"[{label}] generated in {time.perf_counter() - start:.1f} s", flush=True)
    officials = []
    for n, agency in enumerate([a.code for a in AGENCIES] + ["000.00.00.H26"]):
        invite = await create_invite(db, agency_code=agency, name=f"Cán bộ {n}", role="head" if n == len(AGENCIES) else None)
        await redeem_invite(db, invite.code, "telegram", str(9000 + n))
        officials.append(invite.official)
    await analyze(db)
    with_ix = await measure(db, officials[0], repeat)
    async with db.engine.connect() as conn:
        for name in INDEXES:
            await conn.execute(text(f"DROP INDEX {name}"))
        await conn.commit()
    await forget_plans(db)
    await analyze(db)
    without = await measure(db, officials[0], repeat_without)
    print(f"[{label}] {rows} dossiers, {len(officials)} officials, sweep at {NOW:%a %d/%m/%Y %H:%M}")
    print(f"  {'what':<44} {'result':>12} {'indexed ms':>11} {'no index ms':>12} {'ratio':>8}")
    for name, (ms, result) in with_ix.items():
        slow, _ = without[name]
        print(f"  {name:<44} {result!s:>12} {ms:11.1f} {slow:12.1f} {slow / ms:7.1f}×")
    sys.stdout.flush()


async def on(label: str, args, postgres_url: str | None = None) -> None:
    async with scratch_database(postgres_url) as db:
        await run(db, label, args.rows, args.repeat, args.repeat_without)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per query with the indexes (median)")
    parser.add_argument("--repeat-without", type=int, default=3, help="runs per query without them (median)")
    parser.add_argument("--postgres", default=os.environ.get("MOTCUA_TEST_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    import sqlite3

    print(f"rows={args.rows} repeat={args.repeat}/{args.repeat_without} python={sys.version.split()[0]} "
          f"sqlite={sqlite3.sqlite_version}")
    if not args.no_sqlite:
        asyncio.run(on("sqlite", args))
    if args.postgres:
        asyncio.run(on("postgres", args, args.postgres))


if __name__ == "__main__":
    main()
