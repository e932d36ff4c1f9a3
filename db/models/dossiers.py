"""Dossiers (hồ sơ) and their status history; per-chat verification and rate-limit records.

Indexes, chosen for 1,000,000 dossiers and the queries that run on them:
- ``code`` unique: the citizen's lookup; ``code_tail`` ("251120-0001"): the lookup of a local short
  form (``H26.22-251120-0001``) against the full code;
- partial indexes on the running dossiers (status 2/4, the clock runs): ``(due_at)`` for "due between"
  and the reminder sweep, ``(agency_code, due_at)`` for "overdue by agency" with an agency-code prefix
  (queried as a range, which a plain B-tree serves on SQLite and PostgreSQL alike). Finished dossiers,
  the vast majority over time, stay out of them.
- history: ``(dossier_id, at)``; its ``id`` is also the event log the notifications read in order.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow

RUNNING_WHERE = "status IN (2, 4)"
# Byte order on PostgreSQL too, so that an agency-code prefix is a plain index range whatever the
# database's collation (codes are ASCII).
AGENCY_CODE = String(48).with_variant(String(48, collation="C"), "postgresql")


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored in UTC and read back aware (SQLite keeps no offset: without this,
    moments from different offsets would not compare)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)  # canonical form
    code_tail: Mapped[str] = mapped_column(String(11), index=True)  # YYMMDD-XXXX
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    agency_code: Mapped[str] = mapped_column(AGENCY_CODE)
    agency_name: Mapped[str] = mapped_column(Text, default="")
    # Personal data: for the second factor and, masked, for the verified applicant. Never logged.
    applicant_name: Mapped[str] = mapped_column(Text, default="")
    applicant_phone: Mapped[str | None] = mapped_column(String(16))
    applicant_id_number: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(8))  # ONLINE | DIRECT | POSTAL
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processing_days: Mapped[float | None] = mapped_column(Float)
    processing_unit: Mapped[str | None] = mapped_column(String(16))  # knowledge.duedate.Unit
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the one shown (given, else computed)
    due_at_given: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by the one-stop system
    due_at_computed: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by knowledge.duedate
    due_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[int] = mapped_column(SmallInteger)
    status_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rescheduled_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # apology letter: once
    rescheduled_reason: Mapped[str | None] = mapped_column(Text)
    rescheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))  # ingest | import | backend | demo
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_dossiers_running_due", "due_at", sqlite_where=text(RUNNING_WHERE), postgresql_where=text(RUNNING_WHERE)),
        Index(
            "ix_dossiers_running_agency_due", "agency_code", "due_at",
            sqlite_where=text(RUNNING_WHERE), postgresql_where=text(RUNNING_WHERE),
        ),
    )


class DossierStatusEvent(Base):
    """One status change: who, when, why. The same status at the same moment is stored once."""

    __tablename__ = "dossier_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    status: Mapped[int] = mapped_column(SmallInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("dossier_id", "status", "at"),
        Index("ix_dossier_status_history_dossier_at", "dossier_id", "at"),
    )


class DossierAccess(Base):
    """A chat that gave the right second factor for a dossier, until ``until``."""

    __tablename__ = "dossier_access"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


class DossierLookup(Base):
    """The dossier codes a chat asked about, with the last time: the distinct codes of the last hour
    are the rows with ``at`` inside it (the enumeration limit)."""

    __tablename__ = "dossier_lookups"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class DossierVerifyFailure(Base):
    """One wrong second-factor answer: the limits count them per chat per hour and per dossier code
    across all chats per day (``(code, at)``, migration 0006)."""

    __tablename__ = "dossier_verify_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    client: Mapped[str | None] = mapped_column(String(64))  # the sender's network (web chat: IP /24 or /64)

    __table_args__ = (
        Index("ix_dossier_verify_failures_chat_at", "channel", "chat_id", "at"),
        Index("ix_dossier_verify_failures_code_at", "code", "at"),
        Index("ix_dossier_verify_failures_client_at", "client", "at"),
    )
