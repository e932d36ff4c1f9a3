"""What the channel adapters keep in the database besides the inbox: the Zalo OA token pair
(refreshed by one replica at a time, without holding a write transaction across the OAuth call on
SQLite)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.channels import ZaloToken


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


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


REFRESH_CLAIM = timedelta(seconds=30)  # longer than the OAuth call's timeout


async def rotate_zalo_token(db: Database, app_id: str, stale_access_token: str | None, refresher: Refresher, *,
                            poll: float = 0.1) -> str:
    """Refresh the pair, one replica at a time, and return the access token to use.

    The new pair is committed before this returns, i.e. before anyone uses it: each refresh token
    works once, and losing the new one means an administrator must grant access again. When the
    stored access token is no longer the one that failed (``stale_access_token``), another replica
    refreshed already and that token is used.

    PostgreSQL: under the row's lock (SELECT ... FOR UPDATE), which blocks nobody else's writes.
    SQLite: a write transaction would stall every write of the database for the length of the OAuth
    call, so the call is made outside any transaction: a short UPDATE claims the refresh
    (``refreshing_until``), the new pair is stored by a compare-and-set on the old refresh token,
    and another replica meanwhile waits for the stored pair to change (or for the claim to lapse).
    """
    if db.is_postgres:
        return await _rotate_locked(db, app_id, stale_access_token, refresher)
    return await _rotate_claimed(db, app_id, stale_access_token, refresher, poll)


async def _rotate_locked(db: Database, app_id: str, stale_access_token: str | None, refresher: Refresher) -> str:
    async with db.transaction() as session:
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


async def _rotate_claimed(db: Database, app_id: str, stale_access_token: str | None, refresher: Refresher,
                          poll: float) -> str:
    seen = await load_zalo_token(db, app_id)
    if seen is None:
        raise LookupError(f"no Zalo token pair stored for app {app_id}")
    while True:
        if stale_access_token is not None and seen.access_token != stale_access_token:
            return seen.access_token
        now = utcnow()
        async with db.transaction() as session:
            claimed = await session.scalar(
                update(ZaloToken)
                .where(ZaloToken.app_id == app_id, ZaloToken.refresh_token == seen.refresh_token,
                       or_(ZaloToken.refreshing_until.is_(None), ZaloToken.refreshing_until < now))
                .values(refreshing_until=now + REFRESH_CLAIM)
                .returning(ZaloToken.refresh_token)
            )
        if claimed is not None:
            break
        await asyncio.sleep(poll)  # another replica is refreshing: wait for its pair
        current = await load_zalo_token(db, app_id)
        if current is None:
            raise LookupError(f"no Zalo token pair stored for app {app_id}")
        if current.refresh_token != seen.refresh_token:
            return current.access_token
        seen = current
    old = seen.refresh_token
    try:
        access_token, refresh_token, expires_in = await refresher(old)  # no transaction open
    except Exception:
        await _unclaim(db, app_id, old)
        current = await load_zalo_token(db, app_id)
        if current is not None and current.refresh_token != old:  # refreshed by another replica after all
            return current.access_token
        raise
    except BaseException:  # cancelled: let the next caller refresh at once
        await _unclaim(db, app_id, old)
        raise
    now = utcnow()
    async with db.transaction() as session:
        stored = await session.execute(
            update(ZaloToken).where(ZaloToken.app_id == app_id, ZaloToken.refresh_token == old)
            .values(access_token=access_token, refresh_token=refresh_token, updated_at=now, refreshing_until=None,
                    expires_at=now + timedelta(seconds=expires_in) if expires_in else None)
        )
    if stored.rowcount:
        return access_token
    # Our claim had lapsed and another replica stored a pair meanwhile: the stored one is the pair.
    current = await load_zalo_token(db, app_id)
    if current is None:
        raise LookupError(f"no Zalo token pair stored for app {app_id}")
    return current.access_token


async def _unclaim(db: Database, app_id: str, refresh_token: str) -> None:
    async with db.transaction() as session:
        await session.execute(update(ZaloToken).where(ZaloToken.app_id == app_id, ZaloToken.refresh_token == refresh_token)
                              .values(refreshing_until=None))
