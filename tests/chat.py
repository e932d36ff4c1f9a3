"""Drive the conversation core like a user does (errbot-style test backend): say something, get
the replies, press a button — no platform in between."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from handlers import Incoming, Reply, handle
from handlers.deps import Deps
from handlers.types import Button


@dataclass
class Chat:
    deps: Deps
    channel: str = "test"
    chat_id: str = "chat-1"
    locale: str = "vi"
    at: datetime | None = None
    replies: list[Reply] = field(default_factory=list)

    async def say(self, text: str) -> list[Reply]:
        self.replies = await handle(Incoming(self.channel, self.chat_id, text=text, user_id=self.chat_id, locale=self.locale, at=self.at), self.deps)
        return self.replies

    async def press(self, title_or_payload: str) -> list[Reply]:
        """Press a button of the last replies, by (part of) its title, or send a raw payload."""
        button = self.button(title_or_payload)
        payload = button.payload if button else title_or_payload
        self.replies = await handle(Incoming(self.channel, self.chat_id, payload=payload, user_id=self.chat_id, locale=self.locale, at=self.at), self.deps)
        return self.replies

    def button(self, title: str) -> Button | None:
        return next((b for r in self.replies for b in r.buttons if title in b.title), None)

    @property
    def text(self) -> str:
        """All replies in the plain dialect, one after another."""
        return "\n\n".join(r.render("plain") for r in self.replies)

    @property
    def html(self) -> str:
        return "\n\n".join(r.render("html") for r in self.replies)

    @property
    def kinds(self) -> list[str]:
        return [r.kind for r in self.replies]
