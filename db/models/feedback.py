"""Feedback (phản ánh, kiến nghị — PAKN) from citizens: the items, the per-day sequence their
tracking codes are drawn from, and the handling time each agency may set for itself.

- ``feedback``: one item. The content and the contact (the chat it came from) are personal data:
  only the agency's officials see them, and they are never logged. ``agency_code`` is the agency
  concerned (from a dossier code), ``routed_province`` says the item went to the province-level
  officials (no agency, or no official of it when it was filed). Indexes: the open items by due
  time (the sweep's reminders and digests), by agency, and per chat (the filing limit).
- ``feedback_sequences``: one row per Vietnam day; filing increments it in the transaction that
  inserts the item (``INSERT ... ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last``), so
  two replicas never draw the same number: the second waits for the first's row lock. The unique
  ``code`` is the last guard.
- ``feedback_deadlines``: an agency's own number of working days (else ``MOTCUA_FEEDBACK_DAYS``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow
from db.models.dossiers import AGENCY_CODE, UTCDateTime

STATUSES = ("open", "answered", "closed")
OPEN_WHERE = "status = 'open'"


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # PA-YYMMDD-NNNN
    channel: Mapped[str] = mapped_column(String(16))  # the chat that filed it: the answer goes there
    chat_id: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(12))  # dossier | procedure | desk | other
    content: Mapped[str] = mapped_column(Text)  # as written (NFC); personal data
    dossier_code: Mapped[str | None] = mapped_column(String(48))
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    agency_code: Mapped[str | None] = mapped_column(AGENCY_CODE)
    agency_name: Mapped[str] = mapped_column(Text, default="")
    routed_province: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="open")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_days: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("officials.id", ondelete="SET NULL"))
    answered_by_name: Mapped[str] = mapped_column(Text, default="")  # kept if the official is removed
    rating: Mapped[str | None] = mapped_column(String(12))  # db.models.subscriptions.LEVELS
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_soon_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # "due soon" reminder planned (once)
    reminded_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # "overdue" reminder planned (once)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_feedback_open_due", "due_at", sqlite_where=text(OPEN_WHERE), postgresql_where=text(OPEN_WHERE)),
        Index("ix_feedback_agency_received", "agency_code", "received_at"),
        Index("ix_feedback_chat_received", "channel", "chat_id", "received_at"),
    )


class FeedbackSequence(Base):
    __tablename__ = "feedback_sequences"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # Vietnam date of receipt
    last: Mapped[int] = mapped_column(Integer, default=0)


class FeedbackDeadline(Base):
    __tablename__ = "feedback_deadlines"

    agency_code: Mapped[str] = mapped_column(AGENCY_CODE, primary_key=True)  # covers its sub-units too
    days: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
