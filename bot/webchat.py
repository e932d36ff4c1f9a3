"""The web chat: a small page (``GET /``), an embed script (``GET /embed.js``: a floating button that
opens the page in an iframe) and a JSON endpoint.

``POST /webchat/api/messages`` with ``{"session", "text" | "payload", "locale"}`` answers
``{"replies": [{"html", "kind", "buttons": [{"title", "payload" | "url"}]}]}``. The session id is
random, made by the browser (kept in localStorage) and is nothing but a chat id: it grants no access
to anything. Because the browser picks it, a script can rotate it: messages are limited per session
AND per client IP (``Settings.webchat_per_ip_per_minute``; the IP from ``request.remote``, or from
``Settings.webchat_client_ip_header`` behind a reverse proxy), in memory per replica.
Replies are the core's html dialect (escaped; only <b>, <i>, <a href>); the page
sanitises them again before showing them.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from pathlib import Path

from aiohttp import web

from bot.service import Service
from handlers import Incoming, Reply

CHANNEL = "web"
STATIC = Path(__file__).with_name("static")
SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_BODY = 16 * 1024
MAX_PAYLOAD = 256
PAGE_HEADERS = {
    # No inline script or style, nothing from elsewhere (works offline); any portal may embed it.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors *"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class RateLimiter:
    """At most ``limit`` messages per ``window`` seconds per key (a sliding window, in memory:
    per replica, which is enough to stop a runaway page or script)."""

    def __init__(self, limit: int = 30, window: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> float:
        """0 when allowed (and counted); otherwise the seconds until the next message is."""
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return self.window - (now - hits[0])
        hits.append(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or now - h[-1] >= self.window]:
            del self._hits[key]


def reply_json(reply: Reply) -> dict:
    buttons = []
    for button in reply.buttons:
        if button.url:
            buttons.append({"title": button.title, "url": button.url})
        elif button.payload:
            buttons.append({"title": button.title, "payload": button.payload})
    return {"html": reply.render("html"), "kind": reply.kind, "buttons": buttons}


def _error(status: int, vi: str, en: str, **extra) -> web.Response:
    return web.json_response({"error": f"{vi} / {en}", **extra}, status=status)


class WebChat:
    name = CHANNEL

    def __init__(self, service: Service, *, per_minute: int = 30, per_ip_minute: int | None = None) -> None:
        self.service = service
        self.limiter = RateLimiter(per_minute, 60.0)
        settings = service.settings
        self.ip_limiter = RateLimiter(per_ip_minute or settings.webchat_per_ip_per_minute, 60.0)
        self.ip_header = settings.webchat_client_ip_header

    def client_ip(self, request: web.Request) -> str:
        """The citizen's address: the proxy's header when one is configured (X-Forwarded-For: the
        last entry, the one our proxy added — earlier ones are whatever the client sent)."""
        if self.ip_header:
            value = request.headers.get(self.ip_header, "")
            last = value.rsplit(",", 1)[-1].strip()
            if last:
                return last[:64]
        return request.remote or "unknown"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_get("/embed.js", self.embed)
        app.router.add_static("/static/", STATIC, append_version=False)
        app.router.add_post("/webchat/api/messages", self.messages)

    async def page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    async def embed(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(
            STATIC / "embed.js",
            headers={"Content-Type": "text/javascript; charset=utf-8", "Access-Control-Allow-Origin": "*",
                     "Cache-Control": "public, max-age=3600"},
        )

    async def messages(self, request: web.Request) -> web.Response:
        received = time.perf_counter()
        if (request.content_length or 0) > MAX_BODY:
            return _error(413, "Tin nhắn quá dài", "Message too large")
        try:
            raw = await request.read()  # bounded by the application's client_max_size (1 MB)
        except web.HTTPRequestEntityTooLarge:
            raw = b"x" * (MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return _error(413, "Tin nhắn quá dài", "Message too large")
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "Yêu cầu không hợp lệ", "Malformed JSON")
        if not isinstance(body, dict):
            return _error(400, "Yêu cầu không hợp lệ", "Expected a JSON object")
        session = body.get("session")
        if not isinstance(session, str) or not SESSION.match(session):
            return _error(400, "Phiên trò chuyện không hợp lệ", "Invalid session id")
        text, payload = body.get("text"), body.get("payload")
        if payload is not None and (not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD):
            return _error(400, "Nút bấm không hợp lệ", "Invalid button payload")
        if text is not None and not isinstance(text, str):
            return _error(400, "Tin nhắn không hợp lệ", "Invalid text")
        locale = "en" if body.get("locale") == "en" else "vi"
        wait = self.ip_limiter.allow(self.client_ip(request)) or self.limiter.allow(session)
        if wait:
            self.service.metrics.rejected.labels(CHANNEL, "rate_limited").inc()
            return _error(429, "Bạn gửi nhanh quá, vui lòng đợi một chút", "Too many messages, please wait",
                          retry_after=round(wait, 1))
        incoming = Incoming(CHANNEL, session, text="" if payload else (text or ""), payload=payload,
                            user_id=session, locale=locale)
        answered: list[Reply] = []

        async def deliver(replies: list[Reply]) -> None:
            answered.extend(replies)
            self.service.metrics.messages_out.labels(CHANNEL).inc(len(replies))

        await self.service.answer(incoming, deliver, received=received)
        return web.json_response({"replies": [reply_json(r) for r in answered]}, headers={"Cache-Control": "no-store"})
