"""The web chat: a small page (``GET /``), an embed script (``GET /embed.js``: a floating button that
opens the page in an iframe) and a JSON endpoint.

``POST /webchat/api/messages`` with ``{"session", "text" | "payload", "locale"}`` answers
``{"replies": [{"html", "kind", "buttons": [{"title", "payload" | "url"}], "image"?}]}`` (``image``: a
``data:image/png`` link, when the reply has one). The session id is
random, made by the browser (kept in localStorage) and is nothing but a chat id: it grants no access
to anything. Because the browser picks it, a script can rotate it: messages are limited per session
AND per client IP (``Settings.webchat_per_ip_per_minute``; the IP from ``request.remote``, or from
``Settings.webchat_client_ip_header`` behind a reverse proxy), in memory per replica.
Replies are the core's html dialect (escaped; only <b>, <i>, <a href>); the page
sanitises them again before showing them.

Durability: the web chat cannot push, so it stays request/response, but the message is stored in
the inbox first (claimed by the request, key ``session:id`` with the browser's message ``id``) and
the answer is kept on the row: the page sends the same id again when the connection fails (or
gets 409 while it is still being answered) and gets that answer, once. If the process dies while
answering, a worker answers the row after its lease and the page's retry finds the answer.

Abuse: the body's size and the client's rate are checked before the JSON is parsed; the JSON's
depth and shape after. A browser request from another site is refused (``Origin`` must be this
service or one of ``MOTCUA_WEBCHAT_ORIGINS``; the body must be ``application/json``, which a
cross-site form or ``text/plain`` "simple request" cannot send without a CORS preflight, answered
only for the configured sites).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
import time
import uuid
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from bot.channels.base import Accepted, Channel, Rejected, Route, load_json, read_body, rejection
from bot.pipeline import Busy
from bot.service import Service
from handlers import Incoming, Reply

log = logging.getLogger(__name__)

CHANNEL = "web"
STATIC = Path(__file__).resolve().parent.parent / "static"
SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,63}$")  # the key "session:id" fits the inbox's 128 characters
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
    answer = {"html": reply.render("html"), "kind": reply.kind, "buttons": buttons}
    if reply.image is not None:  # a data: link, self-contained like the rest of the answer
        answer["image"] = "data:image/png;base64," + base64.b64encode(reply.image).decode("ascii")
    return answer


def _error(status: int, vi: str, en: str, **extra) -> web.Response:
    return web.json_response({"error": f"{vi} / {en}", **extra}, status=status)


def client_network(address: str) -> str:
    """The network a client's address belongs to, as abuse limits count it: IPv4 /24, IPv6 /64
    (one household or office gets one address block, not one address)."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:  # not an address (a proxy header with anything in it): as ASCII, storable
        return address.encode("ascii", "backslashreplace").decode()[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _origin(value: str) -> str:
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # "http://[::1": not a URL, so no site's origin
        return value.strip().lower()
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else value.strip().lower()


class WebChat(Channel):
    name = CHANNEL

    def __init__(self, service: Service, *, per_minute: int = 30, per_ip_minute: int | None = None) -> None:
        super().__init__(service)
        self.limiter = RateLimiter(per_minute, 60.0)
        settings = service.settings
        self.ip_limiter = RateLimiter(per_ip_minute or settings.webchat_per_ip_per_minute, 60.0)
        self.ip_header = settings.webchat_client_ip_header
        self.origins = {_origin(o) for o in settings.webchat_origins.split(",") if o.strip()}

    def client_ip(self, request: web.Request) -> str:
        """The citizen's address: the proxy's header when one is configured (X-Forwarded-For: the
        last entry, the one our proxy added — earlier ones are whatever the client sent)."""
        if self.ip_header:
            value = request.headers.get(self.ip_header, "")
            last = value.rsplit(",", 1)[-1].strip()
            if last:
                return last[:64]
        return request.remote or "unknown"

    def routes(self) -> list[Route]:
        return [Route("GET", "/", self.page), Route("GET", "/embed.js", self.embed),
                Route("GET", "/favicon.ico", self.favicon),
                Route("POST", "/webchat/api/messages", self.messages),
                Route("OPTIONS", "/webchat/api/messages", self.preflight)]

    def add_static(self, app: web.Application) -> None:
        app.router.add_static("/static/", STATIC, append_version=False)

    async def page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    async def favicon(self, request: web.Request) -> web.FileResponse:
        # Browsers ask for /favicon.ico whatever the page links: answer it rather than log a 404.
        return web.FileResponse(STATIC / "favicon.ico", headers={
            "Content-Type": "image/x-icon", "Cache-Control": "public, max-age=86400"})

    async def embed(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(
            STATIC / "embed.js",
            headers={"Content-Type": "text/javascript; charset=utf-8", "Access-Control-Allow-Origin": "*",
                     "Cache-Control": "public, max-age=3600"},
        )

    # --- cross-site requests ------------------------------------------------------------------
    def _allowed_origin(self, request: web.Request) -> str | None:
        """The request's Origin when it may call the API (this service's own pages, or a
        configured embedding site); None for a request without one (not a browser's fetch)."""
        origin = request.headers.get("Origin")
        if origin is None:
            if request.headers.get("Sec-Fetch-Site", "same-origin") in ("cross-site", "same-site"):
                raise Rejected(403, "origin", "a cross-site request without Origin")
            return None
        value = _origin(origin)
        try:
            own = urlsplit(value).netloc == request.host.lower()
        except ValueError:  # "http://[::1": not a URL, so not this service's
            own = False
        if own or value in self.origins:
            return origin
        raise Rejected(403, "origin", f"origin {origin[:100]!r} is not an embedding site")

    def _cors(self, request: web.Request, origin: str | None) -> dict[str, str]:
        if origin is None or _origin(origin) not in self.origins:
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}

    async def preflight(self, request: web.Request) -> web.Response:
        origin = request.headers.get("Origin", "")
        if _origin(origin) not in self.origins:
            return web.Response(status=403)
        return web.Response(status=204, headers={
            "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "3600", "Vary": "Origin"})

    # --- the API --------------------------------------------------------------------------------
    async def messages(self, request: web.Request) -> web.Response:
        try:
            origin = self._allowed_origin(request)
            if request.content_type != "application/json":
                raise Rejected(415, "content_type", f"{request.content_type!r}, not application/json")
        except Rejected as exc:
            return self._refuse(exc)
        cors = self._cors(request, origin)
        address = self.client_ip(request)
        wait = self.ip_limiter.allow(address)  # before anything is parsed
        if wait:
            return self._too_fast(wait, cors)
        try:
            raw = await read_body(request, MAX_BODY)
            body = load_json(raw, max_depth=4)
            incoming, key = self._incoming(body, address)
        except Rejected as exc:
            return self._refuse(exc, cors)
        if wait := self.limiter.allow(incoming.chat_id):
            return self._too_fast(wait, cors)
        try:
            replies = await self.service.pipeline.answer_now(Accepted(incoming, key))
        except Busy:
            return _error(409, "Tin nhắn này đang được trả lời, vui lòng gửi lại sau giây lát",
                          "This message is still being answered, please send it again shortly", retry_after=1)
        except Exception:
            # Not stored: not answered either; the page sends it again.
            log.warning("web chat: the message could not be stored", exc_info=True)
            self.service.metrics.errors.labels(CHANNEL, "accept").inc()
            return _error(503, "Hệ thống đang bận, tin nhắn sẽ được gửi lại sau giây lát",
                          "The service is busy; the message will be sent again shortly", retry_after=2)
        self.service.metrics.messages_out.labels(CHANNEL).inc(len(replies))
        return web.json_response({"replies": [reply_json(r) for r in replies]},
                                 headers={"Cache-Control": "no-store", **cors})

    def _incoming(self, body, address: str) -> tuple[Incoming, str]:
        if not isinstance(body, dict):
            raise Rejected(400, "malformed", "Expected a JSON object")
        session = body.get("session")
        if not isinstance(session, str) or not SESSION.match(session):
            raise Rejected(400, "session", "Invalid session id")
        text, payload, message_id = body.get("text"), body.get("payload"), body.get("id")
        if payload is not None and (not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD):
            raise Rejected(400, "payload", "Invalid button payload")
        if text is not None and not isinstance(text, str):
            raise Rejected(400, "text", "Invalid text")
        if message_id is not None and (not isinstance(message_id, str) or not MESSAGE_ID.match(message_id)):
            raise Rejected(400, "id", "Invalid message id")
        locale = "en" if body.get("locale") == "en" else "vi"
        incoming = Incoming(CHANNEL, session, text="" if payload else (text or ""), payload=payload,
                            user_id=session, locale=locale, client=client_network(address))
        return incoming, f"{session}:{message_id or uuid.uuid4().hex}"

    def _refuse(self, exc: Rejected, headers: dict[str, str] | None = None) -> web.Response:
        vi, en = REFUSALS.get(exc.reason, REFUSALS["malformed"])
        response = rejection(CHANNEL, self.service, exc, {"error": f"{vi} / {en}"})
        response.headers.update(headers or {})
        return response

    def _too_fast(self, wait: float, headers: dict[str, str]) -> web.Response:
        self.service.metrics.rejected.labels(CHANNEL, "rate_limited").inc()
        response = _error(429, "Bạn gửi nhanh quá, vui lòng đợi một chút", "Too many messages, please wait",
                          retry_after=round(wait, 1))
        response.headers.update(headers)
        return response


REFUSALS = {
    "malformed": ("Yêu cầu không hợp lệ", "Malformed request"),
    "too_large": ("Tin nhắn quá dài", "Message too large"),
    "session": ("Phiên trò chuyện không hợp lệ", "Invalid session id"),
    "payload": ("Nút bấm không hợp lệ", "Invalid button payload"),
    "text": ("Tin nhắn không hợp lệ", "Invalid text"),
    "id": ("Mã tin nhắn không hợp lệ", "Invalid message id"),
    "origin": ("Trang này không được phép dùng trợ lý", "This site may not use the chat"),
    "content_type": ("Yêu cầu phải là JSON", "The request must be JSON"),
}
