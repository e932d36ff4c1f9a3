"""What the channel adapters keep in the database: claimed webhook events (each processed once,
across replicas and restarts) and the Zalo OA token pair (refreshed by one replica at a time)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.channels import ProcessedUpdate, ZaloToken


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


async def claim_update(db: Database, channel: str, update_id: str) -> bool:
    """True for the first caller only: the event is this caller's to process."""
    stmt = (
        _insert(db)(ProcessedUpdate)
        .values(channel=channel, update_id=update_id[:128], received_at=utcnow())
        .on_conflict_do_nothing(index_elements=[ProcessedUpdate.channel, ProcessedUpdate.update_id])
    )
    async with db.transaction() as session:
        result = await session.execute(stmt)
    return result.rowcount == 1


async def claim_updates(db: Database, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Claim many events in one transaction (a burst of webhook updates); returns the (channel,
    update_id) pairs that were new, i.e. this caller's to process."""
    table = ProcessedUpdate.__table__
    unique = list(dict.fromkeys((channel, update_id[:128]) for channel, update_id in keys))
    claimed: set[tuple[str, str]] = set()
    now = utcnow()
    async with db.transaction() as session:
        for start in range(0, len(unique), 500):  # SQLite caps the bound parameters per statement
            rows = [{"channel": c, "update_id": u, "received_at": now} for c, u in unique[start : start + 500]]
            stmt = (
                _insert(db)(table)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["channel", "update_id"])
                .returning(table.c.channel, table.c.update_id)
            )
            claimed.update((c, u) for c, u in (await session.execute(stmt)).all())
    return claimed


async def forget_processed_before(db: Database, before: datetime) -> int:
    """Drop claims older than any platform retries (Telegram keeps updates 24 h)."""
    async with db.transaction() as session:
        result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.received_at < before))
    return result.rowcount or 0


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime | None = None


async def seed_zalo_token(db: Database, app_id: str, access_token: str, refresh_token: str) -> None:
    """Store the environment's pair on first start only: afterwards the database holds the
    rotated pair and the environment's one is spent."""
    stmt = (
        _insert(db)(ZaloToken)
        .values(app_id=app_id, access_token=access_token, refresh_token=refresh_token, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=[ZaloToken.app_id])
    )
    async with db.transaction() as session:
        await session.execute(stmt)


async def load_zalo_token(db: Database, app_id: str) -> TokenPair | None:
    async with db.session() as session:
        row = await session.get(ZaloToken, app_id)
    return TokenPair(row.access_token, row.refresh_token, _aware(row.expires_at)) if row else None


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# (access_token, refresh_token, expires_in seconds) from the OAuth server, given the refresh token.
Refresher = Callable[[str], Awaitable[tuple[str, str, int | None]]]


async def rotate_zalo_token(db: Database, app_id: str, stale_access_token: str | None, refresher: Refresher) -> str:
    """Refresh the pair under a lock held across replicas and return the access token to use.

    The lock is the row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite a write first takes the
    database's single-writer lock). After taking it the row is read again: when its access token
    is no longer the one that failed, another replica refreshed already and that token is used.
    The new pair is committed before this returns, i.e. before anyone uses it: each refresh token
    works once, and losing the new one means an administrator must grant access again.
    """
    async with db.transaction() as session:
        if db.is_sqlite:
            await session.execute(
                update(ZaloToken).where(ZaloToken.app_id == app_id).values(updated_at=ZaloToken.updated_at)
            )
        row = await session.scalar(select(ZaloToken).where(ZaloToken.app_id == app_id).with_for_update())
        if row is None:
            raise LookupError(f"no Zalo token pair stored for app {app_id}")
        if stale_access_token is not None and row.access_token != stale_access_token:
            return row.access_token
        access_token, refresh_token, expires_in = await refresher(row.refresh_token)
        now = utcnow()
        row.access_token = access_token
        row.refresh_token = refresh_token
        row.expires_at = now + timedelta(seconds=expires_in) if expires_in else None
        row.updated_at = now
    return access_token
