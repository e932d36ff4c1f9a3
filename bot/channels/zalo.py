"""The Zalo OA channel: the signed webhook in, plain-text replies out through ``bot.channels.zalo_api``.

``POST /zalo/webhook`` reads the raw bytes first (at most 1 MB), checks
``X-ZEvent-Signature: mac=sha256(app_id + raw body + timestamp + OA secret key)`` in constant time,
refuses stale timestamps (epoch milliseconds, as a string), stores the message in the inbox
(``message.msg_id`` is the dedupe key) and only then answers 200 — well within Zalo's 2 seconds;
the inbox worker answers it and the outbox sends the reply (``bot.pipeline``).

Buttons are ``oa.query.hide`` buttons whose payload comes back as a ``user_send_text``; the payload
is sent as ``PAYLOAD_PREFIX + Button.payload`` so it is recognised and handed to the core as
``Incoming.payload``. ``ZaloChannel.send(user_id, replies)`` is the sending API for notifications.
A reply's image is uploaded (``/v2.0/oa/upload/image``) and sent as an image message naming it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import unicodedata
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.channels.base import Accepted, Rejected, WebhookChannel
from bot.channels.zalo_api import CHANNEL, ZaloClient
from bot.config import Settings
from bot.delivery import DeliveryError, PermanentDeliveryError
from bot.service import Service
from bot.split import split_text
from db.channels_repo import load_zalo_token
from db.models.base import utcnow
from handlers import Incoming, Reply
from handlers.types import Button

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_TITLE = 100
MAX_QUERY_PAYLOAD = 1000
PAYLOAD_PREFIX = "#mc:"  # a citizen never types this; the core's payloads are "p:...", "s:...", "q:..."
MORE_BUTTONS_TEXT = {"vi": "Thêm lựa chọn / More options:", "en": "More options:"}  # the buttons past the fifth
# What the inbox stores (db/models/inbox.py): chat ids of 64 characters, event keys of 128. Zalo's
# ids are about 20 ASCII characters: a longer one, or one with a lone surrogate (JSON's "\ud800",
# which no database column takes), is not from Zalo.
MAX_ID, MAX_KEY = 64, 128


def signature(app_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    return hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + secret.encode()).hexdigest()


def zalo_button(button: Button) -> dict[str, Any] | None:
    title = button.title if len(button.title) <= MAX_TITLE else button.title[: MAX_TITLE - 1] + "…"
    if button.url:
        return {"title": title, "type": "oa.open.url", "payload": {"url": button.url}}
    if button.payload and len(PAYLOAD_PREFIX + button.payload) <= MAX_QUERY_PAYLOAD:
        return {"title": title, "type": "oa.query.hide", "payload": PAYLOAD_PREFIX + button.payload}
    return None


def image_message(attachment_id: str, caption: str = "") -> dict[str, Any]:
    """An image message: the uploaded image (``ZaloClient.upload_image``), captioned by ``text``."""
    attachment = {"type": "template", "payload": {"template_type": "media", "elements": [
        {"media_type": "image", "attachment_id": attachment_id}]}}
    return {"text": caption, "attachment": attachment} if caption else {"attachment": attachment}


def messages_for(reply: Reply) -> list[dict[str, Any]]:
    """One reply as Zalo messages: text parts of at most 2,000 characters (NFC), the buttons on the
    last part, five at most per message (more go in follow-up messages). A reply's image comes
    first, as ``{"image": bytes}`` (uploaded when sent), captioned with the text when that is one
    part without buttons."""
    text = unicodedata.normalize("NFC", reply.render("plain")).strip()
    if reply.image is not None:
        if len(text) <= MAX_TEXT and not any(zalo_button(b) for b in reply.buttons):
            return [{"image": reply.image, "text": text}]
        return [{"image": reply.image, "text": ""},
                *(messages_for(Reply(text=text, buttons=reply.buttons, lang=reply.lang)) if text else [])]
    text = text or "…"
    parts = split_text(text, MAX_TEXT)
    buttons = [b for b in (zalo_button(b) for b in reply.buttons) if b is not None]
    messages: list[dict[str, Any]] = [{"text": part} for part in parts]
    groups = [buttons[i : i + MAX_BUTTONS] for i in range(0, len(buttons), MAX_BUTTONS)]
    for n, group in enumerate(groups):
        if n > 0:
            messages.append({"text": MORE_BUTTONS_TEXT["en" if reply.lang == "en" else "vi"]})
        messages[-1]["attachment"] = {"type": "template", "payload": {"buttons": group}}
    return messages


def _id(value: Any) -> str | None:
    """Ids as strings, exactly (a JSON number would still be an exact int in Python)."""
    if value is None or isinstance(value, (float, bool)):
        return None
    return str(value)


def _object(event: dict[str, Any], field: str) -> dict[str, Any]:
    value = event.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Rejected(400, "malformed", f"{field} is not an object")
    return value


def _storable(incoming: Incoming, key: str) -> tuple[Incoming, str]:
    if len(incoming.chat_id) > MAX_ID or len(key) > MAX_KEY or not (incoming.chat_id + key).isascii():
        raise Rejected(400, "malformed", "an id that is not Zalo's")
    return incoming, key


def to_incoming(event: dict[str, Any]) -> tuple[Incoming, str] | None:
    """The core's Incoming and the key that deduplicates it, or None for events we ignore
    (our own oa_send_* echoes, seen/received receipts, attachments, unfollow, ...). A field of
    the wrong shape (``sender`` a string) is Rejected."""
    if not isinstance(event, dict):  # the webhook's verify refuses it first; parse alone must too
        raise Rejected(400, "malformed", "not an object")
    name = event.get("event_name")
    if name == "user_send_text":
        sender = _id(_object(event, "sender").get("id"))
        message = _object(event, "message")
        msg_id = _id(message.get("msg_id"))
        if not sender or not msg_id:
            raise Rejected(400, "malformed", "user_send_text without sender.id or message.msg_id")
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        if text.startswith(PAYLOAD_PREFIX):
            incoming = Incoming(CHANNEL, sender, payload=text[len(PAYLOAD_PREFIX) :], user_id=sender)
        else:
            incoming = Incoming(CHANNEL, sender, text=text, user_id=sender)
        return _storable(incoming, f"msg:{msg_id}")
    if name == "follow":
        follower = _id(_object(event, "follower").get("id")) or _id(_object(event, "sender").get("id"))
        if not follower:
            raise Rejected(400, "malformed", "follow without follower.id")
        incoming = Incoming(CHANNEL, follower, user_id=follower, event="follow")
        return _storable(incoming, f"follow:{follower}:{event.get('timestamp')}")
    return None


class ZaloChannel(WebhookChannel):
    name = CHANNEL
    path = "/zalo/webhook"

    def __init__(self, settings: Settings, service: Service, client: ZaloClient) -> None:
        if not settings.zalo_app_id or settings.zalo_oa_secret_key is None:
            raise ValueError("MOTCUA_ZALO_APP_ID and MOTCUA_ZALO_OA_SECRET_KEY are needed for the webhook")
        super().__init__(service)
        self.app_id = settings.zalo_app_id
        self.secret = settings.zalo_oa_secret_key.get_secret_value()
        self.max_age_ms = settings.zalo_webhook_max_age_seconds * 1000
        self.client = client

    async def start(self) -> None:
        await self.client.start()

    async def maintain(self) -> None:
        pair = await load_zalo_token(self.client.db, self.client.app_id)
        if pair and pair.expires_at and pair.expires_at - utcnow() < timedelta(hours=2):
            await self.client.refresh(stale=pair.access_token)

    async def send(self, user_id: str, replies: list[Reply], *, skip_parts: int = 0) -> None:
        """Send the replies as plain text (an image: uploaded, then an image message). Raises PermanentDeliveryError (e.g. -230: the user has
        been silent for more than 7 days; not following; banned) or TransientDeliveryError, with
        ``parts_sent`` = the leading messages delivered; ``skip_parts`` of them were delivered
        before (a retry sends only the rest)."""
        sent = 0
        for reply in replies:
            for message in messages_for(reply):
                if sent < skip_parts:
                    sent += 1
                    continue
                try:
                    if "image" in message:  # uploaded at each attempt: an attachment id is not kept
                        message = await self._image_or_text(message)
                    if message is not None:
                        await self.client.send_message(user_id, message)
                except DeliveryError as exc:
                    exc.parts_sent = sent
                    raise
                sent += 1
                self.service.metrics.messages_out.labels(CHANNEL).inc()

    async def _image_or_text(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """The image message; when Zalo refuses the image for good (over 1 MB, a format it does not
        take), its caption alone — the figures still reach the official — or nothing."""
        try:
            return image_message(await self.client.upload_image(message["image"]), message["text"])
        except PermanentDeliveryError as exc:
            log.warning("zalo: image refused (%s); sending its text only", exc)
            return messages_for(Reply(text=message["text"]))[0] if message["text"] else None

    def verify(self, request: web.Request, raw: bytes, data: Any) -> None:
        if not isinstance(data, dict):
            raise Rejected(400, "malformed", "not an object")
        timestamp = _id(data.get("timestamp")) or ""
        given = request.headers.get(SIGNATURE_HEADER, "")
        expected = "mac=" + signature(self.app_id, raw, timestamp, self.secret)
        # surrogateescape: the bytes as sent (aiohttp decodes a header that is not UTF-8 so).
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode()):
            raise Rejected(401, "signature")
        try:
            age = abs(time.time() * 1000 - int(timestamp))
        except (ValueError, OverflowError) as exc:  # OverflowError: more digits than a float holds
            raise Rejected(400, "malformed", "timestamp") from exc
        if age > self.max_age_ms:
            raise Rejected(403, "stale")

    def parse(self, data: Any) -> list[Accepted]:
        decoded = to_incoming(data)
        return [Accepted(*decoded)] if decoded is not None else []
