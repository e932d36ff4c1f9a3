from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, JSONType, utcnow


class ProcedureRow(Base):
    """One procedure, by national code. ``record`` is ``knowledge.catalogue.model.Procedure`` as
    JSON; the other columns are what queries and merges need without decoding it."""

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(Text)  # fold(name): accent-insensitive LIKE
    source: Mapped[str] = mapped_column(String(16))
    source_rank: Mapped[int] = mapped_column(Integer)
    detailed: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str | None] = mapped_column(String(24))
    field: Mapped[str | None] = mapped_column(Text)
    record: Mapped[dict] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of record: skip no-op updates
    retrieved_at: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
