"""The outbox, from the database's side: plan (insert once per dedupe key), claim, settle.

Claiming is ONE statement, ``UPDATE outbox SET status='sending', lease_until=..., claim_token=...
WHERE id IN (SELECT id ... ORDER BY next_attempt_at LIMIT n FOR UPDATE SKIP LOCKED) RETURNING *``:
on PostgreSQL concurrent dispatchers skip each other's rows; on SQLite (which ignores FOR UPDATE)
the statement runs under the database's single write lock, so it is atomic too. Only the oldest
open row of each chat is claimable: a chat's messages go out in order, one dispatcher at a time. A row is due when
it is planned and ``next_attempt_at`` has come, or when it is "sending" and its lease has run out
(the process that claimed it died): that row is sent again — at-least-once for the message that
was in flight; every other message is sent once, whatever the number of dispatchers.

Settling (sent / retry / failed / release) and extending the lease are conditional on the claim
token, so a dispatcher that lost its lease cannot overwrite the row's new owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Update, and_, bindparam, exists, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session, aliased

from db.engine import Database
from db.leases import claim_rows, claim_rows_in, claim_statement, settle_statement
from db.models.base import utcnow
from db.models.officials import OfficialChat
from db.models.outbox import OutboxMessage
from db.officials_repo import CHANNEL_PREFERENCE, preferred

MAX_KEY = 200


@dataclass(frozen=True)
class Planned:
    """One message to plan. ``replies`` in ``handlers.reply_json`` form."""

    key: str
    kind: str
    channel: str
    chat_id: str
    replies: list[dict]
    official_id: int | None = None  # a permanent failure is offered to this official's other chats
    dossier_id: int | None = None
    not_before: datetime | None = None
    any_hour: bool = False  # quiet hours ignored, by the dispatcher too


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


def _row(message: Planned, now: datetime) -> dict:
    if len(message.key) > MAX_KEY:
        raise ValueError(f"dedupe key longer than {MAX_KEY}: {message.key[:60]}...")
    return {
        "dedupe_key": message.key, "kind": message.kind, "channel": message.channel, "chat_id": message.chat_id,
        "official_id": message.official_id, "dossier_id": message.dossier_id, "replies": message.replies,
        "status": "planned", "attempts": 0, "next_attempt_at": message.not_before or now, "any_hour": message.any_hour,
        "created_at": now,
    }


@cache
def _plan_statement(postgres: bool):
    return ((pg_insert if postgres else sqlite_insert)(OutboxMessage.__table__)
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage.__table__.c.id))


def plan_in(connection: Connection | Session, postgres: bool, messages: Sequence[Planned], now: datetime) -> list[int]:
    """Insert inside the caller's (synchronous) transaction; returns the ids of the rows that were new."""
    ids: list[int] = []
    for message in messages:
        new = connection.scalar(_plan_statement(postgres), _row(message, now))
        if new is not None:
            ids.append(new)
    return ids


async def enqueue_in(session: AsyncSession | AsyncConnection, db: Database, messages: Sequence[Planned], now: datetime) -> list[int]:
    """Insert inside the caller's transaction; returns the ids of the rows that were new."""
    return await session.run_sync(lambda sync: plan_in(sync, db.is_postgres, messages, now))


async def enqueue(db: Database, messages: Sequence[Planned], now: datetime | None = None) -> int:
    """Plan the messages; a key already planned is left alone. Returns how many were new."""
    if not messages:
        return 0
    async with db.transaction() as session:
        return len(await enqueue_in(session, db, messages, now or utcnow()))


async def existing_keys(db: Database, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    async with db.session() as session:
        for i in range(0, len(keys), 500):
            found.update(await session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys[i : i + 500]))
            ))
    return found


def _due():
    now = bindparam("now", type_=OutboxMessage.next_attempt_at.type)
    return or_(
        and_(OutboxMessage.status == "planned", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
    )


def _first_open_of_its_chat():
    """No earlier row of the same chat is still in the way: a chat's messages go one after another
    (a row waiting for its retry holds the later ones back), and one chat is served by one
    dispatcher at a time. A row never tried and planned for later — a rating question held for the
    morning — is not in the way: what is due now goes before it. The status test is literal, like
    ``ix_outbox_open_chat``'s predicate."""
    earlier = aliased(OutboxMessage, name="earlier")
    now = bindparam("now", type_=OutboxMessage.next_attempt_at.type)
    still_open = earlier.status.in_([literal_column("'planned'"), literal_column("'sending'")])
    waiting_for_later = and_(earlier.status == "planned", earlier.attempts == 0, earlier.next_attempt_at > now)
    return ~exists().where(earlier.channel == OutboxMessage.channel, earlier.chat_id == OutboxMessage.chat_id,
                           earlier.id < OutboxMessage.id, still_open, ~waiting_for_later)


@cache
def _claim_statement() -> Update:
    due = (select(OutboxMessage.id).where(_due(), _first_open_of_its_chat())
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(bindparam("limit")))
    return claim_statement(OutboxMessage.__table__, due)


@cache
def _claim_planned_statement() -> Update:
    due = select(OutboxMessage.id).where(OutboxMessage.id.in_(bindparam("ids", expanding=True)), _due(),
                                         _first_open_of_its_chat())
    return claim_statement(OutboxMessage.__table__, due)


async def claim(db: Database, *, limit: int, lease: timedelta, token: str, now: datetime | None = None) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows for ``lease`` (oldest due first), each the oldest open row of
    its chat."""
    now = now or utcnow()
    return await claim_rows(db, _claim_statement(), {"now": now, "limit": limit}, status="sending", lease=lease,
                            token=token, now=now)


def claim_planned_in(connection: Connection, ids: Sequence[int], *, lease: timedelta, token: str,
                     now: datetime) -> list[OutboxMessage]:
    """Inside the transaction that planned rows ``ids``: claim those that may go out now (the
    oldest open row of their chat), so that the planner sends them itself (``bot.outbox``'s
    ``send_claimed``) instead of waiting for a dispatcher's round."""
    if not ids:
        return []
    return claim_rows_in(connection, _claim_planned_statement(), {"now": now, "ids": list(ids)},
                         status="sending", lease=lease, token=token, now=now)


async def _settle(db: Database, row_id: int, token: str, **values) -> bool:
    table = OutboxMessage.__table__
    async with db.begin() as connection:
        done = await connection.execute(
            update(table).where(table.c.id == row_id, table.c.claim_token == token, table.c.status == "sending")
            .values(**values)
        )
    return bool(done.rowcount)


async def extend_lease(db: Database, row_id: int, token: str, until: datetime) -> bool:
    """Keep the claim while the message is in flight; False when the row is no longer this claim's
    (its lease ran out and another dispatcher took it over)."""
    return await _settle(db, row_id, token, lease_until=until)


async def mark_sent(db: Database, row_id: int, token: str, now: datetime | None = None) -> bool:
    return await _settle(db, row_id, token, status="sent", sent_at=now or utcnow(), lease_until=None, last_error=None)


@cache
def _sent_statement() -> Update:
    table = OutboxMessage.__table__
    return settle_statement(table, "sending", status="sent", sent_at=bindparam("sent_at", type_=table.c.sent_at.type),
                            lease_until=None, last_error=None)


async def mark_sent_many(db: Database, claims: Sequence[tuple[int, str]], now: datetime | None = None) -> list[bool]:
    """``mark_sent`` of several rows in one transaction (a burst of replies)."""
    now = now or utcnow()

    def mark(connection: Connection) -> list[bool]:
        return [bool(connection.execute(_sent_statement(), {"row_id": row_id, "row_token": token, "sent_at": now}).rowcount)
                for row_id, token in claims]

    return await db.run_write(mark)


async def mark_retry(db: Database, row_id: int, token: str, error: str, at: datetime, *,
                     parts_sent: int | None = None) -> bool:
    """Planned again for ``at``; ``parts_sent``: the leading parts of the message delivered so far
    (the retry skips them)."""
    values = {} if parts_sent is None else {"parts_sent": parts_sent}
    return await _settle(db, row_id, token, status="planned", next_attempt_at=at, lease_until=None,
                         claim_token=None, last_error=error[:1000], **values)


async def mark_failed(db: Database, row_id: int, token: str, error: str) -> bool:
    return await _settle(db, row_id, token, status="failed", lease_until=None, last_error=error[:1000])


async def defer(db: Database, row_id: int, token: str, until: datetime) -> bool:
    """Claimed in quiet hours: planned again for ``until``, unsent and not counted as an attempt."""
    return await _settle(db, row_id, token, status="planned", next_attempt_at=until, lease_until=None,
                         claim_token=None, attempts=OutboxMessage.attempts - 1)


async def release(db: Database, row_ids: Sequence[int], token: str) -> int:
    """Give back rows claimed but not attempted (shutdown, lease running out): not an attempt."""
    if not row_ids:
        return 0
    async with db.transaction() as session:
        done = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(row_ids)), OutboxMessage.claim_token == token,
                   OutboxMessage.status == "sending")
            .values(status="planned", lease_until=None, claim_token=None, attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False)
        )
    return done.rowcount or 0


async def backlog(db: Database) -> int:
    """Rows not yet delivered nor given up (planned or sending)."""
    async with db.session() as session:
        return await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("planned", "sending")))
        ) or 0


async def plan_fallback(db: Database, failed: OutboxMessage, now: datetime | None = None) -> OutboxMessage | None:
    """After a permanent failure of an official's message: the same message to their next linked
    Telegram or Zalo chat that this message has not been tried on yet (Telegram blocked → Zalo,
    Zalo -230 → Telegram). None when there is none (citizens: a chat is the person; a revoked
    official has no linked chat left)."""
    if failed.official_id is None:
        return None
    now = now or utcnow()
    async with db.transaction() as session:
        tried = {(failed.channel, failed.chat_id)}
        root, parent = failed, failed.fallback_of
        while parent is not None:  # walk back to the first attempt
            root = await session.get(OutboxMessage, parent)
            if root is None:
                break
            tried.add((root.channel, root.chat_id))
            parent = root.fallback_of
        chats = preferred(list(await session.scalars(
            select(OfficialChat).where(OfficialChat.official_id == failed.official_id,
                                       OfficialChat.channel.in_(CHANNEL_PREFERENCE))
        )))
        target = next((c for c in chats if (c.channel, c.chat_id) not in tried), None)
        if target is None:
            return None
        base_key = root.dedupe_key if root is not None else failed.dedupe_key
        key = f"{base_key}>{target.channel}:{target.chat_id}"[:MAX_KEY]
        message = Planned(key, failed.kind, target.channel, target.chat_id, failed.replies,
                          official_id=failed.official_id, dossier_id=failed.dossier_id, any_hour=failed.any_hour)
        row = _row(message, now)
        row["fallback_of"] = failed.id
        new_id = await session.scalar(
            _insert(db)(OutboxMessage).values(**row).on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
            .returning(OutboxMessage.id)
        )
        return await session.get(OutboxMessage, new_id) if new_id is not None else None


async def outbox_rows(db: Database, *, kind: str | None = None, status: str | None = None) -> list[OutboxMessage]:
    """For operators and tests: the rows, oldest first."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    async with db.session() as session:
        return list(await session.scalars(stmt))
