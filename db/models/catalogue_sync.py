from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow


class CatalogueSyncRun(Base):
    """The current (or last) sync from one portal-API endpoint. ``finished_at`` is None while a run
    is under way or was interrupted: the next run then resumes it instead of starting over."""

    __tablename__ = "catalogue_sync_runs"

    base_url: Mapped[str] = mapped_column(String(512), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class CatalogueSyncItem(Base):
    """What the last fetch of one code from one endpoint gave: its ETag and remote update time (to
    ask "changed since?"), and when, so that a resumed run skips what it already has."""

    __tablename__ = "catalogue_sync_items"

    base_url: Mapped[str] = mapped_column(String(512), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # stored | unchanged | failed | error
    etag: Mapped[str | None] = mapped_column(String(256))
    remote_updated: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
