from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow


class ProcessedUpdate(Base):
    """A platform event (Telegram update_id, Zalo msg_id) claimed for processing.

    The primary key makes the claim atomic: the first replica to insert the row processes the
    event, every later delivery of it (platform retries, a second replica, a restart) is skipped.
    """

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ZaloToken(Base):
    """The Zalo OA access/refresh token pair. The refresh token works once and rotates, so the
    pair lives here (shared by every replica), seeded from the environment on first start."""

    __tablename__ = "zalo_tokens"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    refreshing_until: Mapped[datetime | None] = mapped_column(nullable=True)  # a refresh under way (SQLite), until
