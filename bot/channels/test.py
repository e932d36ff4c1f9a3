"""The test channel: a platform for tests, driving the whole pipeline (errbot's test backend).

``say`` / ``press`` make the ``Incoming`` a platform would, store it in the inbox through the real
``Pipeline`` and let it answer; what the pipeline hands to ``send`` is captured and returned. It
has no routes and is never built from the settings (``bot.channels.configured``): tests make one,
``tests/chat.py`` for the conversation tests. It lives beside the real channels so that a change of
the ``Channel`` contract or of the pipeline breaks it where it is made.

Two ways through, as for the real platforms:

- ``push`` (the default for a channel that can push, "test" itself): ``Pipeline.accept`` stores
  the message, the inbox worker (``Pipeline.run``) answers it, plans the reply in the outbox and
  sends it to ``send`` through the outbox dispatcher, whose rounds retry a failed send — a
  Telegram or Zalo message's path after its webhook's 200. Worker and dispatcher run only while a
  message is being answered, so nothing runs between two messages of a test (its own sweeps and
  notices are not delivered behind its back);
- otherwise ``Pipeline.answer_now``, the web chat's and the console's path: stored claimed,
  answered at once, the answer kept on the inbox row, then sent.

A ``TestChannel`` may stand in for a platform (``name="telegram"``): it then has that platform's
capabilities, so the core and the pipeline treat its messages exactly as that platform's.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.channels.base import Accepted, Channel
from bot.config import Settings
from bot.scheduler import dispatcher_for
from bot.service import Service
from handlers import Incoming, Reply

if TYPE_CHECKING:
    from handlers.deps import Deps


@cache
def _settings() -> Settings:
    # No pacing between two messages to one chat: the test platform has no rate limit.
    return Settings(outbox_per_chat_seconds=0)


class TestChannel(Channel):
    """Made with ``over`` (a service of its own, with the outbox dispatcher the push path needs)."""

    __test__ = False  # a class named Test* is not a pytest test class

    def __init__(self, service: Service, name: str = "test", *, push: bool | None = None,
                 timeout: float = 10.0) -> None:
        super().__init__(service)
        self.name = name
        self.push = self.capabilities.can_push if push is None else push
        self.timeout = timeout  # for a reply to arrive; a bug is a failed test, not a hung one
        self.sent: defaultdict[str, asyncio.Queue[list[Reply]]] = defaultdict(asyncio.Queue)

    @classmethod
    def over(cls, deps: Deps, name: str = "test", *, settings: Settings | None = None, **options: Any) -> TestChannel:
        """A test channel on a service of its own over the core's ``deps``."""
        settings = settings or _settings()
        service = Service(settings, deps)
        channel = cls(service, name, **options)
        service.channels[channel.name] = channel
        if channel.push:
            service.dispatcher = dispatcher_for(service, settings)
            service.dispatcher.metrics = None  # no backlog gauge: a COUNT(*) per round that no test reads
        return channel

    # --- ingress ----------------------------------------------------------------------------------
    async def say(self, chat_id: str, text: str, **incoming: Any) -> list[Reply]:
        """Send ``text`` from ``chat_id`` (``incoming``: the other ``Incoming`` fields) and return
        the replies sent back."""
        return await self.receive(Incoming(self.name, chat_id, text=text, **incoming))

    async def press(self, chat_id: str, payload: str, **incoming: Any) -> list[Reply]:
        """Tap the button whose payload is ``payload``."""
        return await self.receive(Incoming(self.name, chat_id, payload=payload, **incoming))

    async def receive(self, incoming: Incoming) -> list[Reply]:
        """Through the pipeline; returns the oldest message sent to the chat and not yet read (its
        answer, unless something else was sent to that chat first)."""
        accepted = Accepted(incoming, uuid.uuid4().hex)  # unique: several test channels may share a database
        pipeline = self.service.pipeline
        if not self.push:
            await self.send(incoming.chat_id, await pipeline.answer_now(accepted))
            return self.pop(incoming.chat_id)
        # The worker and the dispatcher run while this message is answered, not between two.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        poll = self.service.settings.outbox_poll_seconds
        running = [loop.create_task(pipeline.run(stop), name="test inbox"),
                   loop.create_task(self.service.dispatcher.run(stop, poll), name="test outbox")]
        try:
            await pipeline.accept([accepted])
            async with asyncio.timeout(self.timeout):
                return await self.sent[incoming.chat_id].get()
        except TimeoutError:
            raise AssertionError(f"{self.name}: no reply to {incoming} within {self.timeout} s (see the log)") from None
        finally:
            stop.set()
            await asyncio.gather(*running)

    def pop(self, chat_id: str) -> list[Reply]:
        """The oldest message sent to ``chat_id`` and not yet read."""
        return self.sent[chat_id].get_nowait()

    # --- egress -----------------------------------------------------------------------------------
    async def send(self, chat_id: str, replies: list[Reply], *, skip_parts: int = 0) -> None:
        self.sent[chat_id].put_nowait(list(replies))  # one message, never split: no part to skip
