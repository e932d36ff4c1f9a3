"""Officials (cán bộ) who receive reminders, the one-time invites that link a chat to one, and the
linked chats (Telegram or Zalo), one official per chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow
from db.models.dossiers import AGENCY_CODE, UTCDateTime

ROLES = ("officer", "head")


class Official(Base):
    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_code: Mapped[str] = mapped_column(AGENCY_CODE)  # the scope: this agency and the ones it covers
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(8), default="officer")  # officer | head (escalations)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)  # /tat_nhac: no daily digests
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # false once revoked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_officials_agency_code", "agency_code"),)


class OfficialInvite(Base):
    """A one-time link code: only its SHA-256 is stored; it works once, until ``expires_at``."""

    __tablename__ = "official_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfficialChat(Base):
    """A chat linked to an official by ``/lienket CODE``."""

    __tablename__ = "official_chats"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # last official command
