"""The one contract every chat platform implements (``bot/channels/<platform>.py``).

A channel is:

- ``name`` and ``capabilities`` (``knowledge.channels``: dialect, can push, hosts officials,
  message limit, buttons);
- **ingress**: ``routes()`` for the aiohttp application. A webhook channel (``WebhookChannel``)
  only says how to ``authorize`` a request (a secret header), ``verify`` its body (a signature)
  and ``parse`` it into ``Accepted`` messages (the core's ``Incoming``, the platform's event key
  for dedupe, extras); the shared ``webhook`` route bounds the body, checks the JSON's depth,
  stores the messages in the inbox and only then answers 200;
- **egress**: ``send(chat_id, replies, skip_parts=0)`` renders and sends, raising
  ``bot.delivery`` errors (the outbox retries a transient one); ``acknowledge`` (e.g. Telegram's
  button spinner) and ``typing`` are optional courtesies;
- ``start`` / ``stop`` (driven by the application's lifecycle) and ``health()``.

``bot/app.py`` loops over the configured channels and never names one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.delivery import PermanentDeliveryError
from handlers import Incoming, Reply
from knowledge.channels import Capabilities, capabilities

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)

MAX_DEPTH = 32  # of a JSON body: no platform nests deeper than ~6


class Rejected(Exception):
    """A client error: answered with ``status`` (4xx) and logged as one warning line."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.status = status
        self.reason = reason  # the metric's label: secret, signature, stale, malformed, too_large, ...
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Accepted:
    """One message of an ingress request, to be stored in the inbox."""

    incoming: Incoming
    key: str  # the platform's id of the event: a redelivery has the same one
    meta: dict | None = None  # the channel's extras for later (acknowledge)


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]


def load_json(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON body, refusing what is not JSON and what nests deeper than ``max_depth``
    (before anything walks it recursively)."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: ~1,000 levels of brackets
        raise Rejected(400, "malformed", "not JSON") from exc
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise Rejected(400, "malformed", f"nested deeper than {max_depth}")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return data


async def read_body(request: web.Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes (413 otherwise; a body without a length is read up
    to the application's ``client_max_size``)."""
    if (request.content_length or 0) > limit:
        raise Rejected(413, "too_large")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise Rejected(413, "too_large") from exc
    if len(raw) > limit:
        raise Rejected(413, "too_large")
    return raw


def rejection(channel: str, service: Service | None, exc: Rejected, body: dict | None = None) -> web.Response:
    """The 4xx answer of a client error: counted, one warning line, no traceback."""
    if service is not None:
        service.metrics.rejected.labels(channel, exc.reason).inc()
    log.warning("%s: request refused (%d %s)", channel, exc.status, exc)
    return web.json_response(body or {"error": exc.reason}, status=exc.status)


class Channel:
    name: str = ""
    typing_after: float | None = None  # seconds before a slow answer shows "typing…" (None: never)

    def __init__(self, service: Service) -> None:
        self.service = service

    @property
    def capabilities(self) -> Capabilities:
        return capabilities(self.name)

    def routes(self) -> list[Route]:
        return []

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def health(self) -> dict[str, Any]:
        return {"status": "ok"}

    async def maintain(self) -> None:
        """Called every few minutes by the service (Zalo: refresh the token ahead of its expiry)."""

    async def send(self, chat_id: str, replies: list[Reply], *, skip_parts: int = 0) -> None:
        raise PermanentDeliveryError(self.name, "this channel cannot send messages unasked")

    async def acknowledge(self, incoming: Incoming, meta: dict) -> None:
        """Before the message is answered (Telegram: stop the tapped button's spinner)."""

    async def typing(self, chat_id: str) -> None:
        """The answer is slow: show that the bot is writing."""


class WebhookChannel(Channel):
    """A platform that posts events to us: ``POST path`` stored in the inbox, then 200."""

    path: str = ""
    max_body: int = 1024 * 1024

    def routes(self) -> list[Route]:
        return [Route("POST", self.path, self.webhook)]

    def authorize(self, request: web.Request) -> None:
        """Before the body is read (a secret header); raise Rejected."""

    def verify(self, request: web.Request, raw: bytes, data: Any) -> None:
        """After it is parsed (a signature over the raw bytes); raise Rejected."""

    def parse(self, data: Any) -> list[Accepted]:
        """The messages in the event ([] for events that need no answer); raise Rejected for a
        body whose shape is wrong."""
        raise NotImplementedError

    async def webhook(self, request: web.Request) -> web.Response:
        try:
            self.authorize(request)
            raw = await read_body(request, self.max_body)
            data = load_json(raw)
            self.verify(request, raw, data)
            accepted = self.parse(data)
        except Rejected as exc:
            return rejection(self.name, self.service, exc)
        if accepted:
            try:
                await self.service.pipeline.accept(accepted)
            except Exception:
                # Not stored, so not acknowledged: the platform delivers it again later.
                log.exception("%s: could not store the event; answering 503 so that it is redelivered", self.name)
                self.service.metrics.errors.labels(self.name, "accept").inc()
                return web.json_response({"error": "unavailable"}, status=503)
        return web.json_response({"ok": True})
