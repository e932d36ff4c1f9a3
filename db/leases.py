"""Claiming queued rows under a lease: what the inbox and the outbox share.

A claim marks the due rows it selects (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never
take the same row; SQLite has one writer) with a status, a lease and the claim's token, in one
statement, and returns them oldest first. A lease that runs out makes the row due again.

The statements run for every message, so each is built once (``claim_statement``) with bound
parameters: building a SQLAlchemy statement with correlated subqueries costs more than running it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, Update, bindparam, update

from db.engine import Database


def claim_statement(table: Table, due: Select) -> Update:
    """``due``: a SELECT of the ids to claim (ordered and limited), its parameters bound at run time.
    Build it once and keep it."""
    return (  # Core, not the ORM's UPDATE: a hot path (rows are read-only records either way)
        update(table).where(table.c.id.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
        .values(status=bindparam("claim_status"), lease_until=bindparam("claim_until", type_=table.c.lease_until.type),
                claim_token=bindparam("claim_token"), attempts=table.c.attempts + 1)
        .returning(*table.c)
    )


def settle_statement(table: Table, claimed: str, **values) -> Update:
    """Settle one claimed row, only if it is still this claim's (``row_id``, ``row_token`` bound at
    run time; ``values`` may hold bind parameters of their own). Build it once and keep it."""
    return (update(table)
            .where(table.c.id == bindparam("row_id"), table.c.claim_token == bindparam("row_token"),
                   table.c.status == claimed)
            .values(**values))


def claim_rows_in(connection: Connection, statement: Update, params: dict[str, Any], *, status: str,
                  lease: timedelta, token: str, now: datetime) -> list[Row]:
    """Run a ``claim_statement`` inside the caller's transaction (``Database.run_write``);
    ``params``: the due query's."""
    claim = {"claim_status": status, "claim_until": now + lease, "claim_token": token}
    rows = list(connection.execute(statement, params | claim).all())
    return sorted(rows, key=lambda r: r.id)


async def claim_rows(db: Database, statement: Update, params: dict[str, Any], *, status: str, lease: timedelta,
                     token: str, now: datetime) -> list[Row]:
    return await db.run_write(lambda connection: claim_rows_in(connection, statement, params, status=status,
                                                               lease=lease, token=token, now=now))
