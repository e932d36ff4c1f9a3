"""Citizens following their dossiers: subscriptions per chat, satisfaction ratings, and the cursor
of the status-event log (the last ``dossier_status_history.id`` turned into notices)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow
from db.models.dossiers import AGENCY_CODE, UTCDateTime

LEVELS = ("satisfied", "neutral", "unsatisfied")  # Hài lòng / Bình thường / Không hài lòng
# Counted as satisfied in the reports: "Rất hài lòng" or "Hài lòng" (issue #12). The bot asks the three
# levels above; "very_satisfied" (Rất hài lòng, the top of the customary scale) counts if a source stores it.
SATISFIED_LEVELS = ("very_satisfied", "satisfied")


class DossierSubscription(Base):
    __tablename__ = "dossier_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("dossier_id", "channel", "chat_id"),
        Index("ix_dossier_subscriptions_chat", "channel", "chat_id"),
    )


class DossierRating(Base):
    """One citizen's satisfaction with a finished dossier (the last answer of a chat wins)."""

    __tablename__ = "dossier_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    agency_code: Mapped[str] = mapped_column(AGENCY_CODE)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("dossier_id", "channel", "chat_id"),
        Index("ix_dossier_ratings_agency_rated", "agency_code", "rated_at"),
    )


class EventCursor(Base):
    """How far a consumer of an event log got (``status_notices``: the last history id handled)."""

    __tablename__ = "event_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
