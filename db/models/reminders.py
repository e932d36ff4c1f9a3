"""What the reminder sweep planned (one row per dossier, official, kind and working day: the key
that makes a reminder impossible to plan twice) and the apology letters (form 04), one per dossier.

Two indexes on ``dossiers`` serve the officials' statistics by agency and month (received, finished);
the sweep itself uses the partial running-dossier indexes of ``db.models.dossiers``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow
from db.models.dossiers import AGENCY_CODE, Dossier, UTCDateTime

KINDS = ("due_soon", "due_today", "overdue", "escalation", "nudge")

Index("ix_dossiers_agency_received", Dossier.agency_code, Dossier.received_at)
Index("ix_dossiers_agency_finished", Dossier.agency_code, Dossier.finished_at)


class Reminder(Base):
    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)  # the working day it belongs to (Vietnam time)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("dossier_id", "official_id", "kind", "day"),
        Index("ix_reminders_official_day", "official_id", "day"),
    )


class Apology(Base):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: drafted by the sweep, edited and approved by an
    official, then sent to the subscribed citizen; the text as sent is kept."""

    __tablename__ = "apologies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), unique=True)
    agency_code: Mapped[str] = mapped_column(AGENCY_CODE)
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id", ondelete="SET NULL"))  # responsible
    reason: Mapped[str] = mapped_column(Text, default="")
    new_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default="draft")  # draft | sent
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("officials.id", ondelete="SET NULL"))
    approved_by_name: Mapped[str] = mapped_column(Text, default="")  # kept if the official is removed
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    text: Mapped[str | None] = mapped_column(Text)  # the letter as approved and sent
    recipients: Mapped[int] = mapped_column(Integer, default=0)  # subscribed chats it was queued for

    __table_args__ = (Index("ix_apologies_agency_status", "agency_code", "status"),)
