"""Dossier lookup latency by code, with the index and without it, in the same run.

    .venv/bin/python bench/dossier_lookup.py [--rows 1000000] [--lookups 2000] [--postgres URL]

Fills a fresh database with ``--rows`` demo dossiers (``motcua dossiers demo``'s generator), then
times, for random existing codes:
- ``repo``: what the conversation does (``find_dossier``: the dossier and its status history);
- ``indexed``: ``SELECT * FROM dossiers WHERE code = :code`` (the unique index);
- ``no index``: the same query with the index out of play — SQLite ``NOT INDEXED``, PostgreSQL with
  index and bitmap scans disabled for the session — on fewer codes (each one is a full scan);
- ``due window``: running dossiers due within one day (the reminder sweep), on the partial index and
  without it.
Results are p50/p99 in milliseconds and the ratio no-index / indexed. SQLite always runs (a temporary
file); PostgreSQL too when ``--postgres`` or ``MOTCUA_TEST_POSTGRES_URL`` names a server: a fresh
database is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bot.dossier_demo import generate_demo  # noqa: E402
from db.dossier_repo import find_dossier  # noqa: E402
from db.engine import Database  # noqa: E402
from scratch_db import scratch_database  # noqa: E402  (bench/, the script's directory)
from knowledge.calendar import VN_TZ, default_calendar  # noqa: E402
from knowledge.dossiers.code import parse_code  # noqa: E402

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=VN_TZ)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def timed(fn, args: list) -> list[float]:
    out = []
    for a in args:
        start = time.perf_counter()
        await fn(a)
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(name: str, ms: list[float]) -> str:
    return f"  {name:<24} n={len(ms):<6} p50={statistics.median(ms):9.3f} ms  p99={pct(ms, 99):9.3f} ms"


async def run(db: Database, label: str, rows: int, lookups: int, scans: int) -> None:
    cal = default_calendar()
    print(f"[{label}] generating {rows} demo dossiers ...", flush=True)
    start = time.perf_counter()
    await generate_demo(db, rows, now=NOW, calendar=cal, seed=7)
    print(f"[{label}] generated in {time.perf_counter() - start:.1f} s", flush=True)
    async with db.engine.connect() as conn:
        if db.is_postgres:
            await conn.execute(text("ANALYZE dossiers"))
            await conn.execute(text("ANALYZE dossier_status_history"))
            await conn.commit()
        else:
            await conn.exec_driver_sql("ANALYZE")
        total = (await conn.execute(text("SELECT count(*) FROM dossiers"))).scalar_one()
        rng = random.Random(1)
        ids = [rng.randrange(1, total + 1) for _ in range(lookups)]
        codes = [c for (c,) in (await conn.execute(
            text("SELECT code FROM dossiers WHERE id IN (" + ",".join(map(str, set(ids))) + ")"))).all()]
    rng.shuffle(codes)
    keys = [parse_code(c) for c in codes]
    # PostgreSQL: a different statement text, or asyncpg's prepared-statement cache reuses the indexed plan
    no_index = "dossiers NOT INDEXED" if db.is_sqlite else "dossiers /* no index */"

    async def repo(key):
        assert await find_dossier(db, key) is not None

    async with db.engine.connect() as conn:
        async def indexed(code):
            assert (await conn.execute(text("SELECT * FROM dossiers WHERE code = :c"), {"c": code})).first()

        async def scan(code):
            assert (await conn.execute(text(f"SELECT * FROM {no_index} WHERE code = :c"), {"c": code})).first()

        def window(sql):
            async def go(day):
                lo = NOW + timedelta(days=day)
                await conn.execute(text(sql), {"lo": lo, "hi": lo + timedelta(days=1)})
            return go

        due_sql = ("SELECT id, code, due_at FROM {t} WHERE status IN (2, 4) AND due_at >= :lo AND due_at < :hi "
                   "ORDER BY due_at LIMIT 1000")
        plan = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
        explain = (await conn.execute(text(plan + "SELECT * FROM dossiers WHERE code = :c"), {"c": codes[0]})).all()
        print(f"[{label}] plan by code: {' | '.join(str(r[-1]) for r in explain)}")
        await timed(indexed, codes[:50])  # warm the cache
        r_repo = await timed(repo, keys)
        r_idx = await timed(indexed, codes)
        r_due = await timed(window(due_sql.format(t="dossiers")), list(range(-10, 10)) * 5)
        if db.is_postgres:
            for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                await conn.execute(text(f"SET {setting} = off"))
        r_scan = await timed(scan, codes[:scans])
        r_due_scan = await timed(window(due_sql.format(t=no_index)), list(range(-10, 10))[:scans])
    print(f"[{label}] {total} dossiers; lookups of random existing codes")
    print(line("repo (find_dossier)", r_repo))
    print(line("by code, indexed", r_idx))
    print(line("by code, no index", r_scan))
    print(line("due window, indexed", r_due))
    print(line("due window, no index", r_due_scan))
    print(f"  ratio no-index/indexed by code: p50 ×{statistics.median(r_scan) / statistics.median(r_idx):.0f}, "
          f"p99 ×{pct(r_scan, 99) / pct(r_idx, 99):.0f}; due window: p50 "
          f"×{statistics.median(r_due_scan) / statistics.median(r_due):.0f}", flush=True)


async def on(label: str, args, postgres_url: str | None = None) -> None:
    async with scratch_database(postgres_url) as db:
        await run(db, label, args.rows, args.lookups, args.scans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--scans", type=int, default=20, help="lookups without the index (each a full scan)")
    parser.add_argument("--postgres", default=os.environ.get("MOTCUA_TEST_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    import sqlite3

    print(f"rows={args.rows} lookups={args.lookups} scans={args.scans} python={sys.version.split()[0]} "
          f"sqlite={sqlite3.sqlite_version}")
    if not args.no_sqlite:
        asyncio.run(on("sqlite", args))
    if args.postgres:
        asyncio.run(on("postgres", args, args.postgres))


if __name__ == "__main__":
    main()
