"""Conversation state per chat, in the database (any replica can answer the next message).

Two messages of one chat may be answered at once. Each saves only what it changed, key by key,
onto the state as it is then, so neither undoes the other's keys:

- PostgreSQL (several replicas): read under a row lock and written back in one transaction.
- SQLite (one host, and this process is the only writer of its chats' state): the merge is done
  against a write-through cache in memory and written with one statement. Reading and saving
  through the database for every message cost ~1 ms and ~4 ms there — most of a reply's time.
"""

from __future__ import annotations

import copy
import weakref
from collections import OrderedDict
from weakref import WeakKeyDictionary

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.batch import Batcher
from db.engine import Database
from db.models.base import utcnow
from db.models.conversation import ChatState

_MISSING = object()
CACHED_CHATS = 20_000


class _Cache(OrderedDict):
    """The most recently used chats' states (least recently used dropped first)."""

    def remember(self, key: tuple[str, str], state: dict) -> None:
        self[key] = state
        self.move_to_end(key)
        while len(self) > CACHED_CHATS:
            self.popitem(last=False)


_caches: WeakKeyDictionary[Database, _Cache] = WeakKeyDictionary()


def _cache(db: Database) -> _Cache | None:
    if not db.is_sqlite:
        return None
    return _caches.setdefault(db, _Cache())


async def _read(db: Database, channel: str, chat_id: str, *, lock: bool = False, connection=None) -> dict:
    stmt = select(ChatState.state).where(ChatState.channel == channel, ChatState.chat_id == chat_id)
    if lock:
        stmt = stmt.with_for_update()
    if connection is not None:
        return dict(await connection.scalar(stmt) or {})
    async with db.connect() as conn:  # Core statements, not ORM sessions: this runs per message
        return dict(await conn.scalar(stmt) or {})


async def load_state(db: Database, channel: str, chat_id: str) -> dict:
    cache = _cache(db)
    if cache is not None and (cached := cache.get((channel, chat_id))) is not None:
        cache.move_to_end((channel, chat_id))
        return copy.deepcopy(cached)  # the caller changes it in place
    state = await _read(db, channel, chat_id)
    if cache is not None:
        cache.remember((channel, chat_id), copy.deepcopy(state))
    return state


def changes(before: dict, after: dict) -> tuple[dict, set[str]]:
    """(keys set or changed with their new values, keys removed) from ``before`` to ``after``."""
    changed = {k: v for k, v in after.items() if before.get(k, _MISSING) != v}
    return changed, set(before) - set(after)


def _apply(stored: dict, changed: dict, removed: set[str]) -> dict:
    merged = {**stored, **copy.deepcopy(changed)}
    for key in removed:
        merged.pop(key, None)
    return merged


def _sqlite_upsert():
    stmt = sqlite_insert(ChatState)
    return stmt.on_conflict_do_update(index_elements=[ChatState.channel, ChatState.chat_id],
                                      set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at})


# Built once: every message that changes a chat's state runs it (SQLAlchemy caches its compiled form).
_SQLITE_UPSERT = _sqlite_upsert()
_batches: WeakKeyDictionary[Database, Batcher] = WeakKeyDictionary()


def _upserts(db: Database) -> Batcher:
    """The states saved while a write is in flight go together in the next transaction."""
    if (batcher := _batches.get(db)) is None:
        database = weakref.ref(db)  # the batcher must not keep its database alive

        async def flush(rows: list[dict]) -> list[None]:
            await database().run_write(lambda connection: connection.execute(_SQLITE_UPSERT, rows))
            return [None] * len(rows)

        batcher = _batches[db] = Batcher(flush)
    return batcher


async def save_state(db: Database, channel: str, chat_id: str, state: dict, before: dict | None = None) -> None:
    """Save ``state``, which was ``before`` when this message was read: only the difference is
    applied to the stored state (``before=None``: the whole state replaces it)."""
    changed, removed = changes(before or {}, state)
    key = (channel, chat_id)
    cache = _cache(db)
    if cache is not None:
        if before is None:
            merged = copy.deepcopy(state)
        else:
            current = cache.get(key)
            merged = _apply(current if current is not None else await _read(db, channel, chat_id), changed, removed)
        cache.remember(key, merged)  # before the write: the next message of the chat merges onto it
        await _upserts(db).submit({"channel": channel, "chat_id": chat_id, "state": merged, "updated_at": utcnow()})
        return
    where = (ChatState.channel == channel, ChatState.chat_id == chat_id)
    async with db.begin() as connection:
        await connection.execute(
            pg_insert(ChatState)
            .values(channel=channel, chat_id=chat_id, state={}, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=[ChatState.channel, ChatState.chat_id])
        )
        stored = await _read(db, channel, chat_id, lock=True, connection=connection) if before is not None else {}
        merged = _apply(stored, changed, removed)
        await connection.execute(update(ChatState).where(*where).values(state=merged, updated_at=utcnow()))


async def forget_state(db: Database, channel: str, chat_id: str) -> None:
    """Drop a chat's state (a preview conversation that must leave nothing behind)."""
    async with db.begin() as connection:
        await connection.execute(delete(ChatState).where(ChatState.channel == channel, ChatState.chat_id == chat_id))
    if (cache := _cache(db)) is not None:
        cache.pop((channel, chat_id), None)
