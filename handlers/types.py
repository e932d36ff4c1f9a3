"""What flows between the channel adapters and the conversation core.

An adapter turns a platform event into an ``Incoming``; ``handlers.handle`` answers with ``Reply``
objects; the adapter renders each reply in its dialect (``reply.render("html")`` for Telegram and
the web chat, ``"plain"`` for Zalo and the console) and sends it with its buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Dialect = Literal["html", "plain"]


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: str  # "telegram" | "zalo" | "web" | "console"
    chat_id: str  # where to answer; ids are strings on every platform (Zalo's exceed 2^53)
    text: str = ""  # what the user typed (a command such as "/tra_cuu X" included)
    payload: str | None = None  # the payload of a tapped button, when it was one
    user_id: str | None = None
    locale: str = "vi"  # "vi" | "en"
    event: Literal["message", "follow"] = "message"  # follow: a new follower, say welcome
    at: datetime | None = None  # when the platform received it; the core uses its clock if None
    private: bool = True  # a one-to-one chat (False: a Telegram group, where officials' commands are refused)
    client: str | None = None  # the sender's network (web chat: the IP's /24 or /64), for abuse limits


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str | None = None  # comes back as Incoming.payload; short ids, at most 64 bytes
    url: str | None = None  # a link button instead


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send: a template (rendered per dialect) or plain text, its buttons, and an
    optional image."""

    template: str | None = None  # name under handlers/templates, without ".j2"
    context: dict[str, Any] = field(default_factory=dict)
    text: str | None = None  # used when there is no template: plain text, escaped in html
    buttons: tuple[Button, ...] = ()
    kind: str = "answer"  # answer | candidates | not_found | help | error | notice ...
    # Already rendered, by dialect: a reply planned in the outbox keeps its text, not its context
    # (contexts of answers hold domain objects).
    rendered: dict[str, str] | None = None
    # A PNG image sent with the text as its caption (Telegram sendPhoto, Zalo's image message; the
    # console saves it and shows the path). The bytes themselves, not a file name: the outbox row
    # is then all a replica needs to send it (replicas share the database, not a disk).
    image: bytes | None = None
    # "vi" | "en": which templates render it (handlers/templates/en/ for English). None: not said —
    # the core gives a conversation's replies the chat's language (``handlers.i18n``); else Vietnamese.
    lang: str | None = None

    def rendered_as(self, dialect: Dialect) -> Reply:
        """The same reply with its text rendered now, in ``dialect``: JSON all the way."""
        return Reply(text=self.text, buttons=self.buttons, kind=self.kind, rendered={dialect: self.render(dialect)},
                     image=self.image, lang=self.lang)

    def render(self, dialect: Dialect = "plain") -> str:
        from handlers.render import render_reply

        return render_reply(self, dialect)
