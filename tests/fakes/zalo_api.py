"""A local fake of Zalo's OA API v3 (``/v3.0/oa/message/cs``, ``/v2.0/oa/upload/image``) and OAuth
server (``/v4/oa/access_token``), answering like Zalo does: HTTP 200 with an ``error`` field. An image
message must name an attachment uploaded before.

Tokens are checked for real: a send with an unknown access token gets -216; each refresh token
works once and rotates. Other errors (-230, -32, ...) are scripted per call.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer


@dataclass
class Sent:
    user_id: str
    message: dict[str, Any]
    access_token: str
    error: int
    raw: bytes


class FakeZalo:
    def __init__(self, *, app_id: str, app_secret: str, access_token: str, refresh_token: str) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.valid_access = {access_token}
        self.valid_refresh = {refresh_token}
        self.sends: list[Sent] = []
        self.uploads: dict[str, bytes] = {}  # attachment_id → the uploaded image
        self.refreshes: list[dict[str, str]] = []
        self.scripted: list[int] = []  # error codes for the next sends, in order
        self.on_send: Callable[[str], Awaitable[None]] | None = None  # sees the token of each send
        self.hold_oauth: asyncio.Event | None = None  # when set, a token refresh is answered only once this is set
        self._ids = itertools.count(1)
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v2.0/oa/upload/image", self._upload)
        app.router.add_post("/v4/oa/access_token", self._oauth)
        self.server = LocalServer(app)

    @property
    def url(self) -> str:
        return self.server.url

    async def start(self) -> FakeZalo:
        await self.server.start()
        return self

    async def stop(self) -> None:
        await self.server.stop()

    def expire_access_tokens(self) -> None:
        self.valid_access.clear()

    def delivered(self, user_id: str | None = None) -> list[Sent]:
        return [s for s in self.sends if s.error == 0 and (user_id is None or s.user_id == user_id)]

    def texts(self, user_id: str | None = None) -> list[str]:
        return [s.message.get("text", "") for s in self.delivered(user_id)]

    def images(self, user_id: str | None = None) -> list[tuple[bytes, str]]:
        """(the image's bytes, its caption) of every image message delivered (to one user)."""
        found = []
        for sent in self.delivered(user_id):
            payload = (sent.message.get("attachment") or {}).get("payload") or {}
            if payload.get("template_type") == "media":
                for element in payload.get("elements") or []:
                    found.append((self.uploads[element["attachment_id"]], sent.message.get("text", "")))
        return found

    async def _upload(self, request: web.Request) -> web.Response:
        """``/v2.0/oa/upload/image``: multipart ``file``, an image of at most 1 MB."""
        token = request.headers.get("access_token", "")
        form = await request.post()
        upload = form.get("file")
        if token not in self.valid_access:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if not isinstance(upload, web.FileField):
            return web.json_response({"error": -201, "message": "file is missing"})
        data = upload.file.read()
        if len(data) > 1024 * 1024 or upload.content_type not in ("image/png", "image/jpeg"):
            return web.json_response({"error": -201, "message": "image must be jpg/png up to 1MB"})
        attachment = f"att{len(self.uploads) + 1}"
        self.uploads[attachment] = data
        return web.json_response({"error": 0, "message": "Success", "data": {"attachment_id": attachment}})

    async def _send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw)
        token = request.headers.get("access_token", "")
        user_id = body["recipient"]["user_id"]
        if self.on_send is not None:
            await self.on_send(token)
        if token not in self.valid_access:
            error, message = -216, "Access token is invalid"
        elif self.scripted:
            error = self.scripted.pop(0)
            message = {-230: "User has not interacted with the OA in the last 7 days",
                       -32: "Request limit exceeded", -213: "User has not followed OA"}.get(error, "error")
        elif not self._attachments_known(body["message"]):
            error, message = -201, "attachment_id not found"
        else:
            error, message = 0, "Success"
        self.sends.append(Sent(user_id, body["message"], token, error, raw))
        if error:
            return web.json_response({"error": error, "message": message})
        return web.json_response({"error": 0, "message": "Success", "data": {"message_id": f"m{next(self._ids)}", "user_id": user_id}})

    def _attachments_known(self, message: dict[str, Any]) -> bool:
        payload = (message.get("attachment") or {}).get("payload") or {}
        if payload.get("template_type") != "media":
            return True
        return all(e.get("attachment_id") in self.uploads for e in payload.get("elements") or [])

    async def _oauth(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.refreshes.append(dict(form))
        if self.hold_oauth is not None:
            await self.hold_oauth.wait()
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return web.json_response({"error": -14002, "error_name": "Invalid app", "error_description": "invalid secret"})
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.valid_refresh:
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        self.valid_refresh.discard(form["refresh_token"])  # works once
        n = len(self.refreshes)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.valid_access = {access}
        self.valid_refresh.add(refresh)
        return web.json_response({"access_token": access, "refresh_token": refresh, "expires_in": "90000"})


def signed(app_id: str, secret: str, event: dict[str, Any], *, timestamp_ms: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a webhook event as Zalo signs it."""
    event = dict(event)
    event["timestamp"] = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    event.setdefault("app_id", app_id)
    raw = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(app_id.encode() + raw + event["timestamp"].encode() + secret.encode()).hexdigest()
    return raw, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


def text_event(sender: str, text: str, msg_id: str, *, oa: str = "388613280878808645") -> dict[str, Any]:
    return {"event_name": "user_send_text", "user_id_by_app": "552177279717587730",
            "sender": {"id": sender}, "recipient": {"id": oa}, "message": {"text": text, "msg_id": msg_id}}
