"""A small aiohttp client for the Zalo Official Account API v3 (there is no maintained Python SDK).

- ``send_message(user_id, message)``: a consultation ("tư vấn") message, ``POST /v3.0/oa/message/cs``
  with the ``access_token`` header. Zalo answers HTTP 200 with an ``error`` field; the codes are
  mapped to ``bot.delivery`` errors: -216/-220 → refresh the token once and retry once; -32 →
  back off and retry; -230 (user silent for more than 7 days), -213/-227/-232 (not following,
  banned, interaction expired), -201 (our bug) → PermanentDeliveryError; -211/-218 (quota) and
  anything unknown → TransientDeliveryError.
- ``upload_image(png)``: ``POST /v2.0/oa/upload/image`` (multipart ``file``) → an ``attachment_id``,
  which an image message (``attachment.payload.template_type = "media"``) then names.
- The token pair lives in the database (``db.channels_repo``): seeded from the environment on
  first start, rotated by one replica at a time, stored before it is used.

Every id is a string (Zalo's exceed 2^53).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.config import Settings
from bot.delivery import PermanentDeliveryError, TransientDeliveryError
from db.channels_repo import load_zalo_token, rotate_zalo_token, seed_zalo_token
from db.engine import Database

log = logging.getLogger(__name__)

CHANNEL = "zalo"
TOKEN_INVALID = {-216, -220}
RATE_LIMITED = -32
PERMANENT = {
    -230: "the user has not interacted with the OA for more than 7 days",
    -213: "the user does not follow the OA",
    -227: "the user is banned or inactive",
    -232: "the interaction window has expired",
    -201: "invalid parameter (a bug in the message)",
}
QUOTA = {-211, -218}
MAX_IMAGE_BYTES = 1024 * 1024  # an uploaded image: jpg/png up to 1 MB (docs/channels.md: check)


class ZaloClient:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        session: aiohttp.ClientSession,
        *,
        rate_limit_backoff: tuple[float, ...] = (1.0, 2.0, 4.0),
    ) -> None:
        if not settings.zalo_app_id:
            raise ValueError("MOTCUA_ZALO_APP_ID is not set")
        self.app_id = settings.zalo_app_id
        self.settings = settings
        self.db = db
        self.session = session
        self.api_base = settings.zalo_api_base.rstrip("/")
        self.oauth_base = settings.zalo_oauth_base.rstrip("/")
        self.backoff = rate_limit_backoff
        self._access_token: str | None = None
        self._refreshing = asyncio.Lock()  # one refresh at a time in this process (db.channels_repo: across replicas)

    async def start(self) -> None:
        """Seed the token pair from the environment when the database has none yet."""
        access = self.settings.zalo_access_token
        refresh = self.settings.zalo_refresh_token
        if access is not None and refresh is not None:
            await seed_zalo_token(self.db, self.app_id, access.get_secret_value(), refresh.get_secret_value())
        pair = await load_zalo_token(self.db, self.app_id)
        if pair is None and access is not None:
            self._access_token = access.get_secret_value()  # no refresh token: sending works until it expires
        elif pair is not None:
            self._access_token = pair.access_token
        if self._access_token is None:
            log.warning("Zalo: no access token (set MOTCUA_ZALO_ACCESS_TOKEN and MOTCUA_ZALO_REFRESH_TOKEN); replies cannot be sent")

    async def access_token(self) -> str:
        if self._access_token is None:
            pair = await load_zalo_token(self.db, self.app_id)
            if pair is None:
                raise TransientDeliveryError(CHANNEL, "no Zalo access token configured")
            self._access_token = pair.access_token
        return self._access_token

    async def send_message(self, user_id: str, message: dict[str, Any]) -> str:
        """Send one message; returns Zalo's message_id."""
        body = {"recipient": {"user_id": str(user_id)}, "message": message}
        data = await self._call(lambda token: self._post_json(f"{self.api_base}/v3.0/oa/message/cs", body, token))
        return str(data.get("message_id", ""))

    async def upload_image(self, image: bytes, filename: str = "image.png") -> str:
        """Upload a PNG (``POST /v2.0/oa/upload/image``, multipart ``file``); returns the
        ``attachment_id`` an image message names. Same errors as ``send_message``."""
        if len(image) > MAX_IMAGE_BYTES:
            raise PermanentDeliveryError(CHANNEL, f"image of {len(image)} bytes: Zalo takes at most {MAX_IMAGE_BYTES}")

        async def post(token: str) -> dict:
            form = aiohttp.FormData()
            form.add_field("file", image, filename=filename, content_type="image/png")
            return await self._post(f"{self.api_base}/v2.0/oa/upload/image", token, data=form)

        data = await self._call(post)
        attachment = str(data.get("attachment_id") or "")
        if not attachment:
            raise TransientDeliveryError(CHANNEL, "image upload answered without an attachment_id")
        return attachment

    async def _call(self, post: Callable[[str], Awaitable[dict]]) -> dict:
        """``post(token)`` until Zalo says 0 (its ``data``): refresh the token once when refused, back
        off on the rate limit, and raise the ``bot.delivery`` error of anything else."""
        token = await self.access_token()
        refreshed = False
        backoff = list(self.backoff)
        while True:
            answer = await post(token)
            error = _error_code(answer)
            if error == 0:
                data = answer.get("data")
                return data if isinstance(data, dict) else {}
            message_text = str(answer.get("message", ""))
            if error in TOKEN_INVALID and not refreshed:
                token = await self.refresh(stale=token)
                refreshed = True
                continue
            if error == RATE_LIMITED and backoff:
                await asyncio.sleep(backoff.pop(0))
                continue
            if error in PERMANENT:
                raise PermanentDeliveryError(CHANNEL, f"{PERMANENT[error]}: {message_text}", code=error)
            if error in QUOTA:
                raise TransientDeliveryError(CHANNEL, f"quota exhausted: {message_text}", code=error)
            raise TransientDeliveryError(CHANNEL, f"Zalo error: {message_text}", code=error)

    async def refresh(self, stale: str | None) -> str:
        """A fresh access token: refreshed now, or by another replica since ``stale`` failed."""
        async with self._refreshing:
            if stale is not None and self._access_token is not None and self._access_token != stale:
                return self._access_token  # refreshed by another task of this process meanwhile
            try:
                token = await rotate_zalo_token(self.db, self.app_id, stale, self._oauth_refresh)
            except LookupError as exc:
                raise TransientDeliveryError(CHANNEL, "no Zalo refresh token stored: grant access again") from exc
            self._access_token = token
            return token

    async def _oauth_refresh(self, refresh_token: str) -> tuple[str, str, int | None]:
        secret = self.settings.zalo_app_secret
        if secret is None:
            raise TransientDeliveryError(CHANNEL, "MOTCUA_ZALO_APP_SECRET is not set: cannot refresh the token")
        form = {"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"}
        try:
            async with self.session.post(
                f"{self.oauth_base}/v4/oa/access_token",
                data=form,
                headers={"secret_key": secret.get_secret_value()},
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TransientDeliveryError(CHANNEL, f"token refresh failed: {exc!r}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise TransientDeliveryError(CHANNEL, f"token refresh: HTTP {status}, not JSON") from exc
        if not isinstance(answer, dict) or not answer.get("access_token") or not answer.get("refresh_token"):
            # Never log the answer itself: it may hold a token.
            code = answer.get("error") if isinstance(answer, dict) else None
            raise TransientDeliveryError(CHANNEL, "token refresh refused (grant access again if this persists)", code=code)
        expires_in = answer.get("expires_in")
        try:
            seconds = int(expires_in) if expires_in is not None else None  # a string, e.g. "90000"
        except (TypeError, ValueError):
            seconds = None
        log.info("Zalo access token refreshed")
        return str(answer["access_token"]), str(answer["refresh_token"]), seconds

    async def _post_json(self, url: str, body: dict, token: str) -> dict:
        return await self._post(url, token, json=body)

    async def _post(self, url: str, token: str, **body: Any) -> dict:
        try:
            async with self.session.post(
                url, headers={"access_token": token}, timeout=aiohttp.ClientTimeout(total=15), **body
            ) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TransientDeliveryError(CHANNEL, f"network: {exc!r}") from exc
        if status != 200:
            raise TransientDeliveryError(CHANNEL, f"HTTP {status}", code=status)
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise TransientDeliveryError(CHANNEL, "answer is not JSON") from exc
        if not isinstance(answer, dict):
            raise TransientDeliveryError(CHANNEL, "answer is not a JSON object")
        return answer


def _error_code(answer: dict) -> int:
    try:
        return int(answer.get("error", -1))
    except (TypeError, ValueError):
        return -1
