"""The officials' web view's keys: the one-time links the bot sends (``/bao_cao``) and the session
cookies the view sets once a link is used (docs/officials.md, "Dashboard").

Both are signed with HMAC-SHA256 under ``MOTCUA_DASHBOARD_SECRET`` — the same on every replica, so
any replica can check what another issued. A link is ``<nonce>.<signature>``: a forged or garbled one
is refused before the database is asked; a genuine one works once (``db.dashboard_repo``, which
stores only its SHA-256). A session is ``<official id>.<expiry>.<signature>``: it proves who and
until when, nothing more — every request still reads the official (active, a chat still linked) and
their agency from the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from db import dashboard_repo
from db.engine import Database

LINK_TTL = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
MIN_SECRET = 32
LOGIN_PATH = "/dashboard/login"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class DashboardAuth:
    base_url: str  # the service's public URL, without the trailing slash
    secret: bytes
    link_ttl: timedelta = LINK_TTL
    session_ttl: timedelta = SESSION_TTL

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET:
            raise ValueError(f"MOTCUA_DASHBOARD_SECRET: at least {MIN_SECRET} characters (openssl rand -hex 32)")

    @classmethod
    def create(cls, public_url: str, secret: str, session_hours: float = 8.0) -> DashboardAuth:
        return cls(public_url.rstrip("/"), secret.encode(), session_ttl=timedelta(hours=session_hours))

    def _sign(self, purpose: str, value: str) -> str:
        # The purpose keeps a link's signature from ever passing as a session's, and back.
        return _b64(hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest())

    # --- links ------------------------------------------------------------------------------------
    def new_token(self) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._sign('link', nonce)}"

    def genuine(self, token: str) -> bool:
        """Made by this deployment (not whether it is still usable: the database says that)."""
        nonce, dot, signature = (token or "").partition(".")
        return bool(dot and nonce and len(token) < 128 and hmac.compare_digest(signature, self._sign("link", nonce)))

    async def offer(self, db: Database, official_id: int, now: datetime) -> str:
        """A new one-time link for the official (``/bao_cao``)."""
        token = self.new_token()
        await dashboard_repo.create_link(db, official_id, token, now, now + self.link_ttl)
        return f"{self.base_url}{LOGIN_PATH}?t={token}"

    # --- sessions ---------------------------------------------------------------------------------
    def session(self, official_id: int, now: datetime) -> tuple[str, datetime]:
        expires = now + self.session_ttl
        value = f"{official_id}.{int(expires.timestamp())}"
        return f"{value}.{self._sign('session', value)}", expires

    def session_official(self, cookie: str | None, now: datetime) -> int | None:
        """The official id a genuine, unexpired session cookie names; None otherwise."""
        parts = (cookie or "").split(".")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        value = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(parts[2], self._sign("session", value)) or int(parts[1]) <= now.timestamp():
            return None
        return int(parts[0])
