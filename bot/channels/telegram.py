"""The Telegram channel: python-telegram-bot's ``Bot`` (its rate limiter, ``Update.de_json``) under
our aiohttp server and the durable pipeline.

Webhook mode (production): the Application is built with ``updater(None)``; Telegram posts updates
to ``POST /telegram/webhook``: the secret header is checked, the update's shape checked and
decoded with ``Update.de_json``, the message stored in the inbox (its ``update_id`` is the dedupe
key) and only then 200 is answered. PTB's in-memory ``update_queue`` carries nothing: the inbox
worker answers (``bot.pipeline``) and the outbox sends, in HTML parse mode, split at 4,096
characters with the buttons on the last part. Polling mode (development): PTB's updater polls and
each update goes to the inbox the same way (from its handler).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import re
import warnings
from datetime import timedelta
from functools import lru_cache
from typing import Any

from aiohttp import web
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.channels.base import Accepted, Rejected, WebhookChannel
from bot.channels.telegram_http import AiohttpRequest
from bot.config import Settings
from bot.delivery import PermanentDeliveryError, TransientDeliveryError
from bot.service import Service
from bot.split import split_text
from handlers import Incoming, Reply
from handlers.intents import router as commands
from handlers.types import Button
from knowledge.calendar import VN_TZ

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_CALLBACK_BYTES = 64
_TAG = re.compile(r"<[^>]+>")


def command_menus() -> dict[str | None, list[BotCommand]]:
    """The citizens' command menu as the features register it (``handlers.intents``): Vietnamese by
    default, English for an English client."""
    listed = commands.listed()
    return {None: [BotCommand(c.name, c.vi) for c in listed], "en": [BotCommand(c.name, c.en) for c in listed]}


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings: accept both."""
    with warnings.catch_warnings():  # PTB warns that the int form is going away
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def webhook_secret(settings: Settings) -> str:
    """The configured secret; without one, a secret derived from the token (stable across
    replicas, never the token itself), so that the webhook is never open."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    return hashlib.sha256(b"motcua-telegram-webhook:" + token.encode()).hexdigest()


def _is_int(value: Any) -> bool:
    # Not bool, not a float; and 64 bits, as Telegram's ids are (at most 52 significant): a longer
    # one is not from Telegram, and its string would not fit the inbox's columns.
    return type(value) is int and -(2**63) <= value < 2**63


def check_shape(data: Any) -> None:
    """What ``Update.de_json`` and ``to_incoming`` rely on, checked first: a wrong shape is a 400
    naming what is wrong, not an exception somewhere inside PTB."""
    if not isinstance(data, dict) or not _is_int(data.get("update_id")):
        raise Rejected(400, "malformed", "not an update (update_id)")
    message = data.get("message")
    if message is not None:
        _check_message(message, "message")
    query = data.get("callback_query")
    if query is not None:
        if not isinstance(query, dict) or not isinstance(query.get("id"), str):
            raise Rejected(400, "malformed", "callback_query without an id")
        _check_user(query.get("from"), "callback_query.from", required=True)
        if query.get("data") is not None and not isinstance(query.get("data"), str):
            raise Rejected(400, "malformed", "callback_query.data is not a string")
        if query.get("message") is not None:
            _check_message(query["message"], "callback_query.message")


def _check_message(message: Any, where: str) -> None:
    if not isinstance(message, dict):
        raise Rejected(400, "malformed", f"{where} is not an object")
    chat = message.get("chat")
    if not isinstance(chat, dict) or not _is_int(chat.get("id")):
        raise Rejected(400, "malformed", f"{where} without a chat")
    if not _is_int(message.get("date")) or not _is_int(message.get("message_id")):
        raise Rejected(400, "malformed", f"{where} without a date or an id")
    for field in ("text", "caption"):
        if message.get(field) is not None and not isinstance(message.get(field), str):
            raise Rejected(400, "malformed", f"{where}.{field} is not a string")
    _check_user(message.get("from"), f"{where}.from")


def _check_user(user: Any, where: str, *, required: bool = False) -> None:
    if user is None and not required:
        return
    if not isinstance(user, dict) or not _is_int(user.get("id")):
        raise Rejected(400, "malformed", f"{where} is not a user")
    if user.get("language_code") is not None and not isinstance(user.get("language_code"), str):
        raise Rejected(400, "malformed", f"{where}.language_code is not a string")


def parse_update(data: Any, bot: Any) -> list[Accepted]:
    """A webhook body as the messages to store ([] for updates that need no answer)."""
    check_shape(data)
    try:
        update = Update.de_json(data, bot)
        incoming = to_incoming(update)
    except Exception as exc:  # noqa: BLE001  (whatever PTB could not decode is the sender's error)
        raise Rejected(400, "malformed", f"not a Telegram update ({type(exc).__name__})") from exc
    if incoming is None:
        return []
    meta = {"callback_query_id": update.callback_query.id} if update.callback_query is not None else None
    return [Accepted(incoming, str(update.update_id), meta)]


def to_incoming(update: Update) -> Incoming | None:
    """A message or a button tap as the core's Incoming; None for anything else."""
    if (query := update.callback_query) is not None:
        chat = query.message.chat if query.message is not None else None
        user = query.from_user
        chat_id = str(chat.id if chat is not None else user.id)
        return Incoming(CHANNEL, chat_id, payload=query.data or "", user_id=str(user.id), locale=_locale(user),
                        private=_private(chat))
    message = update.message
    if message is None:
        return None
    user = message.from_user
    return Incoming(
        CHANNEL,
        str(message.chat.id),
        # A photo or a sticker has no text: the core answers an empty message with help.
        text=message.text or message.caption or "",
        user_id=str(user.id) if user else None,
        locale=_locale(user),
        at=message.date.astimezone(VN_TZ) if message.date else None,  # the core reasons in Vietnam time
        private=_private(message.chat),
    )


def _private(chat) -> bool:
    """A one-to-one chat with the bot (not a group or a channel, where others read along). No chat
    (a button without its message): the answer goes to the user's own chat."""
    kind = getattr(chat, "type", None)
    return kind is None or kind == "private"


def _locale(user) -> str:
    code = (getattr(user, "language_code", None) or "vi").lower()
    return "en" if code.startswith("en") else "vi"


@lru_cache(maxsize=4096)
def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Payload buttons as callback buttons, links as URL buttons; short titles two to a row.
    Cached: the same answers' buttons recur, and PTB's objects (immutable) are slow to build."""
    keys = []
    for button in buttons:
        if button.url:
            keys.append(InlineKeyboardButton(button.title, url=button.url))
        elif button.payload and len(button.payload.encode()) <= MAX_CALLBACK_BYTES:
            keys.append(InlineKeyboardButton(button.title, callback_data=button.payload))
        elif button.payload:
            log.warning("button payload over %d bytes left out: %r", MAX_CALLBACK_BYTES, button.payload[:80])
    if not keys:
        return None
    per_row = 2 if all(len(k.text) <= 20 for k in keys) else 1
    return InlineKeyboardMarkup([keys[i : i + per_row] for i in range(0, len(keys), per_row)])


@lru_cache(maxsize=4096)
def _wire(markup: InlineKeyboardMarkup | None) -> dict:
    """What a text message carries besides its text, as the JSON the Bot API reads, built once per
    keyboard: PTB would serialise the same objects for every message (a tenth of a message's cost)."""
    extra: dict = {"link_preview_options": {"is_disabled": True}}
    if markup is not None:
        extra["reply_markup"] = markup.to_dict()
    return extra


def _as_plain(part: str) -> str:
    return html.unescape(_TAG.sub("", part))


class TelegramChannel(WebhookChannel):
    name = CHANNEL
    path = "/telegram/webhook"

    def __init__(
        self,
        settings: Settings,
        service: Service,
        *,
        typing_after: float = 0.8,
        overall_max_rate: float = 30,
        max_wait: float = 600.0,
        request: BaseRequest | None = None,
    ) -> None:
        if settings.telegram_token is None:
            raise ValueError("MOTCUA_TELEGRAM_TOKEN is not set")
        super().__init__(service)
        self.settings = settings
        self.mode = settings.telegram_mode
        if self.mode not in ("webhook", "polling"):
            raise ValueError(f"MOTCUA_TELEGRAM_MODE must be webhook or polling, not {self.mode!r}")
        self.secret = webhook_secret(settings).encode()
        self.typing_after = typing_after
        self.max_wait = max_wait  # how long send() keeps honouring RetryAfter before giving up
        builder = (
            Application.builder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(settings.telegram_base_url)
            # Throttles the overall rate and pauses every request on a 429 for retry_after.
            .rate_limiter(AIORateLimiter(overall_max_rate=overall_max_rate, max_retries=3))
            .request(request or AiohttpRequest())  # PTB's own default is httpx: see bot/channels/telegram_http.py
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
        )
        if self.mode == "webhook":
            builder = builder.updater(None)
        self.app = builder.build()
        self.app.add_handler(TypeHandler(Update, self._on_polled))
        self.app.add_error_handler(self._on_error)

    @property
    def bot(self):
        return self.app.bot

    # --- lifecycle (driven by the aiohttp application) -------------------------------------
    async def start(self) -> None:
        try:
            await self._start()
        except BaseException as exc:
            await self.app.bot.shutdown()  # the HTTP sessions PTB opened before the failure
            if isinstance(exc, InvalidToken):  # PTB's message quotes the token: never in our logs
                raise RuntimeError("Telegram refused MOTCUA_TELEGRAM_TOKEN (getMe)") from None
            raise

    async def _start(self) -> None:
        await self.app.initialize()  # getMe: fails here, loudly, on a wrong token
        await self.app.start()
        for language, menu in command_menus().items():
            try:
                await self.bot.set_my_commands(menu, language_code=language)
            except TelegramError as exc:
                log.warning("could not set the command menu (%s): %s", language or "default", exc)
        if self.mode == "polling":
            await self.app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        elif self.settings.telegram_webhook_url:
            await self.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.secret.decode(),
                allowed_updates=ALLOWED_UPDATES,
            )
        log.info("telegram channel started (%s) as @%s", self.mode, self.bot.username)

    async def stop(self) -> None:
        if self.mode == "polling" and self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    def health(self) -> dict[str, Any]:
        return {"status": "ok" if self.app.running else "stopped", "mode": self.mode}

    # --- incoming -----------------------------------------------------------------------------
    def routes(self):
        return super().routes() if self.mode == "webhook" else []

    def authorize(self, request: web.Request) -> None:
        # surrogateescape: the bytes as sent (aiohttp decodes a header that is not UTF-8 so).
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self.secret):
            raise Rejected(401, "secret")

    def parse(self, data: Any) -> list[Accepted]:
        return parse_update(data, self.bot)

    async def _on_polled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Polling mode: the update PTB fetched goes to the inbox like a webhook's."""
        accepted = parse_update(update.to_dict(), self.bot)
        if accepted:
            await self.service.pipeline.accept(accepted)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.service.metrics.errors.labels(CHANNEL, "update").inc()
        log.error("telegram update failed", exc_info=context.error)

    async def acknowledge(self, incoming: Incoming, meta: dict) -> None:
        if query_id := meta.get("callback_query_id"):
            try:
                await self.bot.answer_callback_query(query_id)  # stops the spinner on the tapped button
            except TelegramError as exc:
                log.debug("answerCallbackQuery failed: %s", exc)

    async def typing(self, chat_id: str) -> None:
        await self.bot.send_chat_action(chat_id, ChatAction.TYPING)

    # --- outgoing -----------------------------------------------------------------------------
    async def send(self, chat_id: str, replies: list[Reply], *, skip_parts: int = 0) -> None:
        """Send the replies (HTML, split at 4,096 characters, buttons on the last part; a reply's
        image as a photo, ``sendPhoto``, captioned with its text when that fits).

        ``skip_parts``: the first parts (counted across the replies) were delivered before — a
        retry of a long message sends only the rest. Raises PermanentDeliveryError (bot blocked,
        chat not found, a message Telegram refuses) or TransientDeliveryError (network, Telegram
        down, still rate-limited after max_wait), with ``parts_sent`` = the leading parts
        delivered, those skipped included."""
        sent = 0
        for reply in replies:
            for part, photo, markup in self._parts(reply):
                if sent < skip_parts:
                    sent += 1
                    continue
                try:
                    await self._send_part(chat_id, part, markup, photo=photo)
                except (PermanentDeliveryError, TransientDeliveryError) as exc:
                    exc.parts_sent = sent
                    raise
                sent += 1

    @staticmethod
    def _parts(reply: Reply) -> list[tuple[str, bytes | None, InlineKeyboardMarkup | None]]:
        """(text, photo, buttons) per message: the text split at 4,096 characters with the buttons on
        the last part; an image first, as a photo whose caption is the text when it fits (1,024)."""
        text = reply.render("html").strip()
        markup = keyboard(reply.buttons)
        if reply.image is not None and len(text) <= MessageLimit.CAPTION_LENGTH:
            return [(text, reply.image, markup)]
        parts = split_text(text or "…", MessageLimit.MAX_TEXT_LENGTH, html=True) if text or reply.image is None else []
        messages: list[tuple[str, bytes | None, InlineKeyboardMarkup | None]] = (
            [("", reply.image, None if parts else markup)] if reply.image is not None else [])
        messages += [(part, None, markup if n == len(parts) - 1 else None) for n, part in enumerate(parts)]
        return messages

    async def _send_part(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None, *,
                         photo: bytes | None = None) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        parse_mode: str | None = ParseMode.HTML
        while True:
            try:
                if photo is not None:
                    await self.bot.send_photo(chat_id=chat_id, photo=photo, caption=text or None,
                                              parse_mode=parse_mode if text else None, reply_markup=markup)
                else:
                    await self.bot.send_message(chat_id=chat_id, text=text, parse_mode=parse_mode,
                                                api_kwargs=dict(_wire(markup)))
                self.service.metrics.messages_out.labels(CHANNEL).inc()
                return
            except RetryAfter as exc:
                # The rate limiter already waited and retried; keep honouring it, never drop.
                wait = retry_seconds(exc)
                if loop.time() + wait > deadline:
                    raise TransientDeliveryError(CHANNEL, "rate limited", code=429, retry_after=wait) from exc
                await asyncio.sleep(wait + 0.1)
            except Forbidden as exc:
                raise PermanentDeliveryError(CHANNEL, f"bot blocked or not allowed in the chat: {exc.message}", code=403) from exc
            except ChatMigrated as exc:
                raise PermanentDeliveryError(CHANNEL, f"group moved to chat {exc.new_chat_id}", code=400) from exc
            except BadRequest as exc:
                if parse_mode and "parse entities" in exc.message.lower():
                    log.warning("Telegram refused our HTML; sending the part as plain text")
                    parse_mode, text = None, _as_plain(text)
                    continue
                raise PermanentDeliveryError(CHANNEL, exc.message, code=400) from exc
            except InvalidToken as exc:
                raise TransientDeliveryError(CHANNEL, "the bot token is refused", code=401) from exc
            except (NetworkError, TelegramError) as exc:
                raise TransientDeliveryError(CHANNEL, str(exc)) from exc
