"""The language of a conversation's replies: each reply the intents made without saying gets the
chat's (``Context.lang``), and in English its buttons' titles in English — payloads unchanged, so
a button tapped in either language does the same.

Which language: the chat's ``/lang`` choice, or the web chat's EN button (both a person's explicit
choice); else the language the message is written in (``knowledge.english.language_of``: Zalo
gives no locale); else the one the chat last wrote in (``state["said"]``: a button tap or a "1"
carries no language of its own); else the platform's (Telegram's ``language_code`` — only a hint:
many Vietnamese run Telegram in English, so a message with Vietnamese accents is answered in
Vietnamese); else Vietnamese. A message in English sets the answer's language, not the chat's:
only ``/lang`` pins it.
"""

from __future__ import annotations

import dataclasses
import re

from handlers.citizen_notices import RATING_LEVELS
from handlers.types import Button, Reply
from knowledge.english import language_of

# Buttons whose titles are Vietnamese only; most others read "vi / en" and keep their English half.
TITLES = {
    "Làm căn cước": "ID card",
    "Đăng ký khai sinh": "Birth registration",
    "Tra cứu hồ sơ": "Check my dossier",
    "📄 Giấy tờ": "📄 Documents",
    "💰 Lệ phí": "💰 Fees",
    "⏱ Thời hạn": "⏱ Processing time",
    "📍 Nơi nộp": "📍 Where to submit",
    "📋 Đầy đủ": "📋 Everything",
    "🔗 Xem tại Cổng DVC": "🔗 See it on the national portal",
    "🔗 Xem nguồn": "🔗 See the source",
    **{f"{icon} {vi}": f"{icon} {en.capitalize()}"
       for (_, vi, en), icon in zip(RATING_LEVELS.values(), ("😊", "😐", "☹️"), strict=True)},
}
_ICON = re.compile(r"^[^\w«\"(]*")  # the emoji and spaces a title starts with


def english_title(title: str) -> str:
    if title in TITLES:
        return TITLES[title]
    vi, sep, en = title.partition(" / ")
    if sep and en:
        return _ICON.match(vi).group(0) + en
    return title  # a procedure's name, a dossier code: the record's words


def english_buttons(buttons: tuple[Button, ...]) -> tuple[Button, ...]:
    return tuple(dataclasses.replace(b, title=english_title(b.title)) for b in buttons)


def chat_language(ctx) -> str:
    incoming = ctx.incoming
    chosen = ctx.state.get("lang") or ("en" if incoming.channel == "web" and incoming.locale == "en" else None)
    return (chosen or language_of(ctx.text) or ctx.state.get("said")
            or ("en" if incoming.locale.startswith("en") else "vi"))


def localise(replies: list[Reply], ctx) -> list[Reply]:
    """The turn's replies in the chat's language; remembers the language the chat wrote in."""
    said = language_of(ctx.incoming.text)
    if said == "en":
        ctx.state["said"] = "en"
    elif said == "vi":
        ctx.state.pop("said", None)  # no key at all for the chats that write Vietnamese
    lang = ctx.lang
    out = []
    for reply in replies:
        if reply.lang is None:
            reply = dataclasses.replace(reply, lang=lang)
        if reply.lang == "en" and reply.buttons:
            reply = dataclasses.replace(reply, buttons=english_buttons(reply.buttons))
        out.append(reply)
    return out
