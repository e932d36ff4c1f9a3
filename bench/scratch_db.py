"""A fresh, migrated database for one bench run, removed afterwards: a SQLite file in a temporary
directory, or a new database on the PostgreSQL server of ``postgres_url``."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.engine import Database


@asynccontextmanager
async def scratch_database(postgres_url: str | None = None) -> AsyncIterator[Database]:
    if postgres_url is None:
        with tempfile.TemporaryDirectory() as tmp:
            async with _migrated(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}") as db:
                yield db
        return
    admin_url = make_url(postgres_url)
    name = f"motcua_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        async with _migrated(admin_url.set(database=name).render_as_string(hide_password=False)) as db:
            async with db.engine.connect() as conn:
                print("[postgres]", (await conn.execute(text("SELECT version()"))).scalar_one().split(",")[0])
            yield db
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@asynccontextmanager
async def _migrated(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        await db.migrate()
        yield db
    finally:
        await db.dispose()
