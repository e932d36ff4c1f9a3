"""Work that must run in one place at a time across replicas (the reminder sweep): a PostgreSQL
session-level advisory lock, tried without waiting, released at the end (or by the server when the
process dies). SQLite serves one process; there the lock is always granted, and the unique keys of
what the work writes keep a second concurrent run (``motcua reminders sweep`` beside ``motcua run``)
from planning anything twice."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from db.engine import Database


def lock_key(name: str) -> int:
    return zlib.crc32(f"motcua:{name}".encode())  # fits PostgreSQL's bigint key


@asynccontextmanager
async def try_lock(db: Database, name: str) -> AsyncIterator[bool]:
    """``async with try_lock(db, "reminder-sweep") as mine:`` — ``mine`` is False when another
    process holds it; do nothing then."""
    if not db.is_postgres:
        yield True
        return
    key = lock_key(name)
    async with db.engine.connect() as conn:
        got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        await conn.commit()  # the lock belongs to the session, not to this transaction
        try:
            yield got
        finally:
            if got:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await conn.commit()
