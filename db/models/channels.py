from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow


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
