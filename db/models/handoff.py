"""Live handoffs: a citizen asked to talk with an official (``handlers.intents.handoff``).

- ``handoffs``: one request. ``waiting`` (relayed to the available officials, none took it yet) →
  ``live`` (one official took it: messages are relayed both ways) → ``ended`` (/ket_thuc by either
  side, or idle); or ``waiting`` → ``fallback`` (nobody took it in time: filed as a PAKN item,
  ``feedback_code``). ``request`` is the citizen's request and what they wrote while waiting (the
  PAKN item's content if it falls back) — personal data, never logged. The messages of a live
  handoff are not stored here: they pass through the outbox only.
- Two partial unique indexes are the rules no race can break: at most one open (waiting or live)
  handoff per citizen chat, and an official serves one citizen at a time. Taking is one
  conditional UPDATE (``status = 'waiting'``): of two officials tapping, one wins.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow
from db.models.dossiers import AGENCY_CODE, UTCDateTime

STATUSES = ("waiting", "live", "ended", "fallback")
OPEN_WHERE = "status IN ('waiting', 'live')"
LIVE_WHERE = "status = 'live'"


class Handoff(Base):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))  # the citizen's chat
    chat_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(2), default="vi")  # the citizen's language, for the notices to them
    agency_code: Mapped[str | None] = mapped_column(AGENCY_CODE)  # the agency concerned (None: province level)
    dossier_code: Mapped[str | None] = mapped_column(String(48))
    request: Mapped[str] = mapped_column(Text, default="")  # personal data
    status: Mapped[str] = mapped_column(String(8), default="waiting")
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id", ondelete="SET NULL"))
    official_name: Mapped[str] = mapped_column(Text, default="")
    official_channel: Mapped[str | None] = mapped_column(String(16))  # the chat the official took it in
    official_chat_id: Mapped[str | None] = mapped_column(String(64))
    messages: Mapped[int] = mapped_column(Integer, default=0)  # relayed so far: the outbox keys' sequence
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the request, the take, the last message
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(8))  # citizen | official | idle
    feedback_code: Mapped[str | None] = mapped_column(String(20))  # the PAKN item it became
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ux_handoffs_open_chat", "channel", "chat_id", unique=True, sqlite_where=text(OPEN_WHERE),
              postgresql_where=text(OPEN_WHERE)),
        Index("ux_handoffs_live_official", "official_id", unique=True, sqlite_where=text(LIVE_WHERE),
              postgresql_where=text(LIVE_WHERE)),
        Index("ix_handoffs_open_activity", "status", "last_activity_at", sqlite_where=text(OPEN_WHERE),
              postgresql_where=text(OPEN_WHERE)),
    )
