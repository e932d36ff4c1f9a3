"""Conversation state per chat, in the database (any replica can answer the next message).

Two messages of one chat may be answered at once by two replicas. Each saves only what it
changed, key by key, onto the row as it is then (read under a row lock on PostgreSQL; SQLite has
one writer at a time), so neither undoes the other's keys.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.conversation import ChatState

_MISSING = object()


# Core statements, not ORM sessions: these run for every message.
async def load_state(db: Database, channel: str, chat_id: str) -> dict:
    async with db.connect() as connection:
        state = await connection.scalar(
            select(ChatState.state).where(ChatState.channel == channel, ChatState.chat_id == chat_id)
        )
    return dict(state or {})


def changes(before: dict, after: dict) -> tuple[dict, set[str]]:
    """(keys set or changed with their new values, keys removed) from ``before`` to ``after``."""
    changed = {k: v for k, v in after.items() if before.get(k, _MISSING) != v}
    return changed, set(before) - set(after)


async def save_state(db: Database, channel: str, chat_id: str, state: dict, before: dict | None = None) -> None:
    """Save ``state``, which was ``before`` when this message was read: only the difference is
    applied to the stored row (``before=None``: the whole state replaces it)."""
    changed, removed = changes(before or {}, state)
    insert = pg_insert if db.is_postgres else sqlite_insert
    key = (ChatState.channel == channel, ChatState.chat_id == chat_id)
    async with db.begin() as connection:
        await connection.execute(
            insert(ChatState)
            .values(channel=channel, chat_id=chat_id, state={}, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=[ChatState.channel, ChatState.chat_id])
        )
        current = select(ChatState.state).where(*key)
        if db.is_postgres:
            current = current.with_for_update()
        stored = dict(await connection.scalar(current) or {}) if before is not None else {}
        stored.update(changed)
        for k in removed:
            stored.pop(k, None)
        await connection.execute(update(ChatState).where(*key).values(state=stored, updated_at=utcnow()))
