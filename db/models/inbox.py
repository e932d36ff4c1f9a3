"""The inbox: every message a citizen sent, stored before the platform is told "received".

A webhook inserts the row (``channel``, ``event_key`` unique: the platform's retry of the same
update inserts nothing — this is the dedupe claim) and only then answers 200. Workers claim rows
with a lease, the oldest open row of each chat only (a chat's messages are answered in order),
answer them, and settle them in the same transaction that plans the replies in the outbox. A row
left "working" by a killed process is claimed again once ``lease_until`` has passed.

``status``: pending → working (claimed) → done | failed. Done rows are kept for a few days, as
the dedupe claim (Telegram redelivers for 24 h), then deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, JSONType, utcnow
from db.models.dossiers import UTCDateTime

OPEN_WHERE = "status IN ('pending', 'working')"


class InboxMessage(Base):
    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(128))  # the platform's id of the event (update_id, msg_id)
    chat_id: Mapped[str] = mapped_column(String(64))
    incoming: Mapped[dict] = mapped_column(JSONType)  # handlers.types.Incoming as JSON (bot/pipeline.py)
    meta: Mapped[dict | None] = mapped_column(JSONType)  # the channel's extras (Telegram: the callback query id)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # A channel that cannot push (the web chat) keeps the answer here: the browser's retry reads it.
    replies: Mapped[list | None] = mapped_column(JSONType)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("channel", "event_key"),
        Index("ix_inbox_status_id", "status", "id"),
        Index("ix_inbox_received_at", "received_at"),
        Index("ix_inbox_open_chat", "channel", "chat_id", "id", sqlite_where=text(OPEN_WHERE),
              postgresql_where=text(OPEN_WHERE)),
    )
