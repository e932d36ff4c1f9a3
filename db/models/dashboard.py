"""The one-time links to the officials' web view (``/dashboard``, docs/officials.md "Dashboard").

Only the SHA-256 of a link's token is stored; a link works once (``used_at`` set by one conditional
UPDATE, so two replicas racing on the same link cannot both let it in), until ``expires_at``.
``expires_at`` is indexed so that old rows can be forgotten in one range delete.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow
from db.models.dossiers import UTCDateTime


class DashboardLink(Base):
    __tablename__ = "dashboard_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
