"""Fixed replies every feature may need (welcome, help, busy, ...)."""

from __future__ import annotations

from handlers.types import Button, Reply
from knowledge.dossiers.code import EXAMPLE
from knowledge.scope import SMALL_TALK

HELP_BUTTONS = (
    Button("Làm căn cước", payload="q:làm căn cước"),
    Button("Đăng ký khai sinh", payload="q:đăng ký khai sinh"),
    Button("Tra cứu hồ sơ", payload="help:dossier"),
)


def welcome(lang: str) -> Reply:
    return Reply(template="welcome", context={"lang": lang}, buttons=HELP_BUTTONS, kind="help")


def help_reply(lang: str, *, officials: bool = True, follow: bool = True) -> Reply:
    """The general help; the officials' commands and /theo_doi only where the chat can use them
    (a web chat refuses the first and can never deliver the second)."""
    context = {"lang": lang, "officials": officials, "follow": follow}
    return Reply(template="help", context=context, buttons=HELP_BUTTONS, kind="help")


def dossier_help() -> Reply:
    """How to look a dossier up: what the "Tra cứu hồ sơ" button asks for."""
    context = {"example": EXAMPLE, "given": False, "procedure": ""}
    return Reply(template="dossier_format", context=context, kind="help")


def busy() -> Reply:
    return Reply(template="busy", kind="error")


def empty_message(lang: str) -> Reply:
    return Reply(template="empty", context={"lang": lang}, buttons=HELP_BUTTONS, kind="help")


def unknown_command(lang: str) -> Reply:
    return Reply(template="unknown_command", context={"lang": lang}, kind="help")


def truncated_notice(limit: int, lang: str | None = None) -> Reply:
    return Reply(template="truncated", context={"limit": limit}, kind="notice", lang=lang)


# What a conversation turn was, from the kind of its first reply that says so (``motcua ask``).
_INTENTS = {
    "answer": "procedure",
    "candidates": "choices",
    "not_found": "none",
    "help": "help",
    "dossier": "dossier",
    "limited": "dossier",
    "wrong": "dossier",
    "invalid_code": "dossier",
}


def intent_of(replies: list[Reply]) -> str:
    for reply in replies:
        if reply.kind in SMALL_TALK:  # a small-talk reply's kind is its intent
            return reply.kind
        if reply.kind in _INTENTS:
            return _INTENTS[reply.kind]
    return "other"
