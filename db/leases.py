"""Claiming queued rows under a lease: what the inbox and the outbox share.

A claim marks the due rows it selects (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never
take the same row; SQLite has one writer) with a status, a lease and the claim's token, in one
statement, and returns them oldest first. A lease that runs out makes the row due again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Row, Select, Table, update

from db.engine import Database


async def claim_rows(db: Database, table: Table, due: Select, *, status: str, lease: timedelta, token: str,
                     now: datetime) -> list[Row]:
    """``due``: a SELECT of the ids to claim (already limited and ordered)."""
    stmt = (  # Core, not the ORM's UPDATE: a hot path (rows are read-only records either way)
        update(table).where(table.c.id.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
        .values(status=status, lease_until=now + lease, claim_token=token, attempts=table.c.attempts + 1)
        .returning(*table.c)
    )
    async with db.begin() as connection:
        rows = list((await connection.execute(stmt)).all())
    return sorted(rows, key=lambda r: r.id)
