"""State of ``motcua catalogue sync`` per endpoint: the current run and what each code gave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.catalogue_sync import CatalogueSyncItem, CatalogueSyncRun


@dataclass(frozen=True)
class SyncItem:
    code: str
    status: str  # stored | unchanged | failed (permanent: garbage, unknown code) | error (worth a retry)
    etag: str | None
    remote_updated: str | None
    fetched_at: datetime


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


async def begin_run(db: Database, base_url: str) -> tuple[datetime, bool]:
    """(started_at, resumed): the unfinished run of this endpoint, or a new one."""
    async with db.transaction() as session:
        run = await session.get(CatalogueSyncRun, base_url)
        if run is not None and run.finished_at is None:
            return run.started_at, True
        now = utcnow()
        if run is None:
            session.add(CatalogueSyncRun(base_url=base_url, started_at=now, finished_at=None))
        else:
            run.started_at, run.finished_at = now, None
    async with db.session() as session:  # as stored: naive on SQLite, aware on PostgreSQL
        return (await session.get(CatalogueSyncRun, base_url)).started_at, False


async def finish_run(db: Database, base_url: str) -> None:
    async with db.transaction() as session:
        run = await session.get(CatalogueSyncRun, base_url)
        if run is not None:
            run.finished_at = utcnow()


async def sync_items(db: Database, base_url: str) -> dict[str, SyncItem]:
    async with db.session() as session:
        rows = await session.scalars(select(CatalogueSyncItem).where(CatalogueSyncItem.base_url == base_url))
        return {r.code: SyncItem(r.code, r.status, r.etag, r.remote_updated, r.fetched_at) for r in rows}


async def record_item(db: Database, base_url: str, code: str, status: str, *, etag: str | None = None,
                      remote_updated: str | None = None, error: str | None = None) -> None:
    values = {"base_url": base_url, "code": code, "status": status, "etag": etag,
              "remote_updated": remote_updated, "error": error, "fetched_at": utcnow()}
    if status == "unchanged":  # a 304 says nothing new: keep the ETag and update time we knew
        values = {k: v for k, v in values.items() if v is not None or k not in ("etag", "remote_updated")}
    stmt = _insert(db)(CatalogueSyncItem.__table__).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["base_url", "code"],
        set_={k: stmt.excluded[k] for k in values if k not in ("base_url", "code")},
    )
    async with db.transaction() as session:
        await session.execute(stmt)
