"""The outbox: every message the bot sends on its own (reminders, notices, apologies), planned in
the database and delivered by the dispatcher of ``motcua run``.

``dedupe_key`` is unique: planning the same message twice inserts nothing. ``status`` moves
planned → sending (claimed, with a lease) → sent | failed; a row left in "sending" by a killed
process is claimed again once ``lease_until`` has passed (its dispatcher extends the lease while
the message is in flight). The claim query reads ``(status, next_attempt_at)``, and the rows still
open per chat (``ix_outbox_open_chat``: a chat's next row waits for the earlier ones).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, JSONType, utcnow
from db.models.dossiers import UTCDateTime

STATUSES = ("planned", "sending", "sent", "failed")
OPEN_WHERE = "status IN ('planned', 'sending')"


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id", ondelete="SET NULL"))  # fallback
    dossier_id: Mapped[int | None] = mapped_column(Integer)
    replies: Mapped[list] = mapped_column(JSONType)  # handlers.reply_json form
    status: Mapped[str] = mapped_column(String(8), default="planned")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # of a long message: a retry skips them
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Planned with --ignore-quiet-hours: no dispatcher holds it back for quiet hours.
    any_hour: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    fallback_of: Mapped[int | None] = mapped_column(Integer)  # the failed row this one replaces
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_open_chat", "channel", "chat_id", "id", sqlite_where=text(OPEN_WHERE),
              postgresql_where=text(OPEN_WHERE)),
    )
