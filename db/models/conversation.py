from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, JSONType, utcnow


class ChatState(Base):
    """What the conversation remembers about one chat (last procedure, pending question, ...).

    Kept in the database, not in process memory, so that any replica can answer the next message.
    """

    __tablename__ = "chat_state"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
