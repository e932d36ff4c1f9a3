"""Conversation state per chat, in the database (any replica can answer the next message)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.conversation import ChatState


# Core statements, not ORM sessions: these run twice for every message.
async def load_state(db: Database, channel: str, chat_id: str) -> dict:
    async with db.connect() as connection:
        state = await connection.scalar(
            select(ChatState.state).where(ChatState.channel == channel, ChatState.chat_id == chat_id)
        )
    return dict(state or {})


async def save_state(db: Database, channel: str, chat_id: str, state: dict) -> None:
    insert = pg_insert if db.is_postgres else sqlite_insert
    stmt = insert(ChatState).values(channel=channel, chat_id=chat_id, state=state, updated_at=utcnow())
    stmt = stmt.on_conflict_do_update(
        index_elements=[ChatState.channel, ChatState.chat_id],
        set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
    )
    async with db.begin() as connection:
        await connection.execute(stmt)
