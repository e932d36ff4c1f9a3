"""The inbox, from the database's side (``db.models.inbox``): accept (insert once per event key),
claim, settle.

Accepting is the dedupe claim: ``INSERT ... ON CONFLICT (channel, event_key) DO NOTHING
RETURNING``; the caller acknowledges the platform only after this transaction committed.

Claiming is one statement, like the outbox's: ``UPDATE inbox SET status='working', lease_until,
claim_token WHERE id IN (SELECT id ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED) RETURNING *``.
On PostgreSQL concurrent workers (replicas) skip each other's rows; on SQLite, which ignores FOR
UPDATE, the statement runs under the single write lock and is atomic too. Only the oldest open row
of each chat is claimable, so a chat's messages are answered one after another, by one worker at a
time. A row is due when it is pending, or working with its lease run out (its worker died).

Settling is conditional on the claim token and, for a finished row, plans its replies in the
outbox in the same transaction: a message is either still open (and will be answered) or answered
with its replies planned — never "done" with its replies lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Update, and_, bindparam, delete, exists, func, literal_column, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from db.engine import Database
from db.leases import claim_rows, claim_rows_in, claim_statement, settle_statement
from db.models.base import utcnow
from db.models.inbox import InboxMessage
from db.models.outbox import OutboxMessage
from db.outbox_repo import Planned, claim_planned_in, plan_in

MAX_KEY = 128


@dataclass(frozen=True)
class NewMessage:
    channel: str
    event_key: str
    chat_id: str
    incoming: dict
    meta: dict | None = None


@dataclass(frozen=True)
class Finished:
    """A claimed row answered: its replies planned in the outbox, or kept on the row."""

    row_id: int
    token: str
    planned: Sequence[Planned] = field(default_factory=tuple)
    replies: list | None = None  # kept on the row (a channel that cannot push)


def _insert_for(postgres: bool):
    return pg_insert if postgres else sqlite_insert


def _insert(db: Database):
    return _insert_for(db.is_postgres)


def _values(message: NewMessage, now: datetime) -> dict:
    return {"channel": message.channel, "event_key": message.event_key[:MAX_KEY], "chat_id": message.chat_id[:64],
            "incoming": message.incoming, "meta": message.meta, "status": "pending", "attempts": 0,
            "received_at": now}


@dataclass(frozen=True)
class Claim:
    """Claim what can be claimed of the rows a transaction writes, for this worker: at most
    ``limit`` rows (0: none), for ``lease``, under ``token``."""

    token: str
    lease: timedelta
    limit: int = 500


async def accept(db: Database, messages: Sequence[NewMessage], now: datetime | None = None) -> set[tuple[str, str]]:
    """Store the messages in one transaction; returns the (channel, event_key) pairs that were new
    (the others had been accepted before: a platform's retry, another replica)."""
    return (await accept_claiming(db, messages, None, now))[0]


async def accept_claiming(db: Database, messages: Sequence[NewMessage], claim_for: Claim | None,
                          now: datetime | None = None) -> tuple[set[tuple[str, str]], list[InboxMessage]]:
    """``accept``, and in the same transaction claim the new rows that are the oldest open row of
    their chat (up to ``claim_for.limit``): the accepting process answers them at once, without a
    claim round. On PostgreSQL the chats' advisory locks, taken first, keep two replicas accepting
    messages of one chat at the same moment from both claiming one (the order of a chat holds)."""
    now = now or utcnow()
    unique = list({(m.channel, m.event_key[:MAX_KEY]): m for m in messages}.values())
    claiming = claim_for is not None and claim_for.limit > 0
    postgres = db.is_postgres

    def store(connection: Connection) -> tuple[set[tuple[str, str]], list[InboxMessage]]:
        if claiming and postgres:
            chats = sorted({f"inbox:{m.channel}:{m.chat_id[:64]}" for m in unique})
            connection.execute(_CHAT_LOCKS, {"keys": chats})
        new: set[tuple[str, str]] = set()
        ids: list[int] = []
        stored = connection.execute(_accept_statement(postgres), [_values(m, now) for m in unique]).all() if unique else []
        for row_id, channel, key in stored:
            new.add((channel, key))
            ids.append(row_id)
        rows: list[InboxMessage] = []
        if claiming and ids:
            rows = claim_rows_in(connection, _claim_new_statement(), {"ids": ids, "limit": claim_for.limit},
                                 status="working", lease=claim_for.lease, token=claim_for.token, now=now)
        return new, rows

    return await db.run_write(store)


_CHAT_LOCKS = text("SELECT pg_advisory_xact_lock(hashtext(k)) FROM (SELECT unnest(CAST(:keys AS text[])) AS k "
                   "ORDER BY 1) AS chats")


@cache
def _accept_statement(postgres: bool):
    """Executed with many rows at once: SQLAlchemy sends them as multi-row INSERTs ("insertmanyvalues")."""
    table = InboxMessage.__table__
    return (_insert_for(postgres)(table).on_conflict_do_nothing(index_elements=["channel", "event_key"])
            .returning(table.c.id, table.c.channel, table.c.event_key))


async def accept_claimed(db: Database, message: NewMessage, *, token: str, lease: timedelta,
                         now: datetime | None = None) -> InboxMessage | None:
    """Store a message already claimed by the caller, who answers it at once (the web chat);
    None when the event key was accepted before (then ``find`` tells its state)."""
    now = now or utcnow()
    values = _values(message, now) | {"status": "working", "attempts": 1, "claim_token": token,
                                      "lease_until": now + lease}
    stmt = (_insert(db)(InboxMessage).values(**values)
            .on_conflict_do_nothing(index_elements=[InboxMessage.channel, InboxMessage.event_key])
            .returning(InboxMessage))
    async with db.transaction() as session:
        return (await session.execute(stmt)).scalar_one_or_none()


async def find(db: Database, channel: str, event_key: str) -> InboxMessage | None:
    async with db.session() as session:
        return await session.scalar(select(InboxMessage).where(InboxMessage.channel == channel,
                                                               InboxMessage.event_key == event_key[:MAX_KEY]))


def _first_open_of_its_chat():
    earlier = aliased(InboxMessage, name="earlier")
    still_open = earlier.status.in_([literal_column("'pending'"), literal_column("'working'")])
    return ~exists().where(earlier.channel == InboxMessage.channel, earlier.chat_id == InboxMessage.chat_id,
                           earlier.id < InboxMessage.id, still_open)


@cache
def _claim_statement() -> Update:
    due = or_(InboxMessage.status == "pending",
              and_(InboxMessage.status == "working",
                   InboxMessage.lease_until < bindparam("now", type_=InboxMessage.lease_until.type)))
    return claim_statement(InboxMessage.__table__, select(InboxMessage.id).where(due, _first_open_of_its_chat())
                           .order_by(InboxMessage.id).limit(bindparam("limit")))


@cache
def _claim_new_statement() -> Update:
    new = select(InboxMessage.id).where(InboxMessage.id.in_(bindparam("ids", expanding=True)),
                                        InboxMessage.status == "pending", _first_open_of_its_chat())
    return claim_statement(InboxMessage.__table__, new.order_by(InboxMessage.id).limit(bindparam("limit")))


@cache
def _finish_statement() -> Update:
    table = InboxMessage.__table__
    return settle_statement(table, "working", status="done", done_at=bindparam("done_at", type_=table.c.done_at.type),
                            lease_until=None, last_error=None,
                            replies=bindparam("row_replies", type_=table.c.replies.type))


async def claim(db: Database, *, limit: int, lease: timedelta, token: str, now: datetime | None = None) -> list[InboxMessage]:
    """Claim up to ``limit`` due rows for ``lease``, oldest first, each the oldest open row of its chat."""
    now = now or utcnow()
    return await claim_rows(db, _claim_statement(), {"now": now, "limit": limit}, status="working", lease=lease,
                            token=token, now=now)


async def finish(db: Database, items: Sequence[Finished], now: datetime | None = None) -> list[bool]:
    """Settle answered rows in one transaction, planning their replies in the outbox; per item,
    False when the row was no longer this claim's (another worker answers it: nothing planned)."""
    return (await finish_claiming(db, items, None, now))[0]


async def finish_claiming(db: Database, items: Sequence[Finished], claim_for: Claim | None,
                          now: datetime | None = None) -> tuple[list[bool], list[OutboxMessage]]:
    """``finish``, and in the same transaction claim the planned replies that may go out now (the
    oldest open outbox row of their chat) for ``claim_for``: the worker sends them itself."""
    now = now or utcnow()
    postgres = db.is_postgres

    def settle(connection: Connection) -> tuple[list[bool], list[OutboxMessage]]:
        done: list[bool] = []
        planned: list[int] = []
        for item in items:
            result = connection.execute(_finish_statement(), {"row_id": item.row_id, "row_token": item.token,
                                                              "done_at": now, "row_replies": item.replies})
            ours = bool(result.rowcount)
            if ours and item.planned:
                planned += plan_in(connection, postgres, item.planned, now)
            done.append(ours)
        claimed = (claim_planned_in(connection, planned, lease=claim_for.lease, token=claim_for.token, now=now)
                   if claim_for is not None and planned else [])
        return done, claimed

    return await db.run_write(settle)


async def give_back(db: Database, row_id: int, token: str, error: str, *, failed: bool = False) -> bool:
    """Answering failed: pending again (another round tries it), or ``failed`` for good."""
    async with db.transaction() as session:
        result = await session.execute(
            update(InboxMessage)
            .where(InboxMessage.id == row_id, InboxMessage.claim_token == token, InboxMessage.status == "working")
            .values(status="failed" if failed else "pending", lease_until=None, claim_token=None,
                    last_error=error[:1000])
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount)


async def backlog(db: Database) -> int:
    """Messages accepted and not yet answered."""
    async with db.session() as session:
        return await session.scalar(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.status.in_(("pending", "working")))
        ) or 0


async def forget_done_before(db: Database, before: datetime) -> int:
    """Drop answered rows older than any platform redelivers an event (Telegram keeps them 24 h)."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(InboxMessage).where(InboxMessage.status.in_(("done", "failed")), InboxMessage.received_at < before)
        )
    return result.rowcount or 0


async def inbox_rows(db: Database, *, channel: str | None = None) -> list[InboxMessage]:
    """For operators and tests: the rows, oldest first."""
    stmt = select(InboxMessage).order_by(InboxMessage.id)
    if channel is not None:
        stmt = stmt.where(InboxMessage.channel == channel)
    async with db.session() as session:
        return list(await session.scalars(stmt))
