"""Drive the bot like a user does (errbot-style): say something, get the replies, press a button —
through the test channel (``bot.channels.test``), so every message goes through the pipeline:
stored in the inbox, answered, and ``replies`` are what the channel was sent, in its dialect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from bot.channels.test import TestChannel
from handlers import Reply
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

    @cached_property
    def platform(self) -> TestChannel:
        # The test channel takes the whole push path: inbox, worker, outbox, dispatcher. A chat
        # standing in for another platform is answered in its request (answer_now), as the web chat
        # and the console are anyway: the Telegram and Zalo tests plan notices and read the outbox,
        # where the chat's own replies would show up, and would wait behind those notices.
        return TestChannel.over(self.deps, self.channel, push=self.channel == "test")

    async def say(self, text: str) -> list[Reply]:
        self.replies = await self.platform.say(self.chat_id, text, **self._sender())
        return self.replies

    async def press(self, title_or_payload: str) -> list[Reply]:
        """Press a button of the last replies, by (part of) its title, or send a raw payload."""
        button = self.button(title_or_payload)
        payload = button.payload if button else title_or_payload
        self.replies = await self.platform.press(self.chat_id, payload, **self._sender())
        return self.replies

    def _sender(self) -> dict:
        return {"user_id": self.chat_id, "locale": self.locale, "at": self.at}

    def button(self, title: str) -> Button | None:
        return next((b for r in self.replies for b in r.buttons if title in b.title), None)

    @property
    def text(self) -> str:
        """All replies as plain text, one after another (HTML without its tags, on the channels
        whose dialect is HTML: the test channel, Telegram, the web chat)."""
        return "\n\n".join(r.render("plain") for r in self.replies)

    @property
    def html(self) -> str:
        return "\n\n".join(r.render("html") for r in self.replies)

    @property
    def kinds(self) -> list[str]:
        return [r.kind for r in self.replies]
