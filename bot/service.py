"""What every channel adapter shares inside ``motcua run``: the core's dependencies, metrics,
background tasks, per-chat ordering and the one way a message is answered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.claims import ClaimBatcher
from bot.config import Settings
from bot.metrics import Metrics
from bot.tasks import BackgroundTasks, ChatLocks
from handlers import Incoming, Reply, handle
from handlers.deps import Deps

log = logging.getLogger(__name__)

Deliver = Callable[[list[Reply]], Awaitable[None]]


@dataclass
class Service:
    settings: Settings
    deps: Deps
    metrics: Metrics = field(default_factory=Metrics)
    tasks: BackgroundTasks = field(default_factory=BackgroundTasks)
    locks: ChatLocks = field(default_factory=ChatLocks)
    # The enabled senders by channel name ("telegram", "zalo"): each has
    # ``async send(chat_id: str, replies: list[Reply]) -> None`` raising bot.delivery errors.
    channels: dict[str, Any] = field(default_factory=dict)
    _claims: ClaimBatcher | None = field(default=None, repr=False)

    @property
    def claims(self) -> ClaimBatcher:
        if self._claims is None:
            self._claims = ClaimBatcher(self.deps.db)
        return self._claims

    async def answer(
        self,
        incoming: Incoming,
        deliver: Deliver,
        *,
        claim: str | None = None,
        on_slow: Callable[[], Awaitable[None]] | None = None,
        slow_after: float = 0.8,
        received: float | None = None,
    ) -> list[Reply] | None:
        """Answer one message: claimed first when it has a platform id (processed once across
        replicas and retries), in order within its chat, replies handed to ``deliver``. Returns
        the replies, or None for a duplicate. Never raises: failures are logged and counted."""
        channel = incoming.channel
        received = received if received is not None else time.perf_counter()
        async with self.locks.hold(f"{channel}:{incoming.chat_id}"):
            if claim is not None:
                try:
                    first = await self.claims.claim(channel, claim)
                except Exception:
                    # The database is down: answering (the core says "busy") beats silence.
                    log.exception("could not claim %s event; answering without dedupe", channel)
                    self.metrics.errors.labels(channel, "claim").inc()
                    first = True
                if not first:
                    self.metrics.duplicates.labels(channel).inc()
                    return None
            self.metrics.messages_in.labels(channel).inc()
            # A timer, not a task per message: most answers come long before the typing indicator.
            loop = asyncio.get_running_loop()
            typing: list[asyncio.Task] = []
            timer = loop.call_later(slow_after, lambda: typing.append(loop.create_task(self._quietly(on_slow)))
                                    ) if on_slow else None
            try:
                replies = await handle(incoming, self.deps)
            except Exception:  # handle() answers "busy" itself; this is a last resort
                log.exception("the core failed (channel=%s)", channel)
                self.metrics.errors.labels(channel, "handle").inc()
                return []
            finally:
                if timer is not None:
                    timer.cancel()
                for task in typing:  # still showing "typing…" as the answer goes: stop it
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            try:
                await deliver(replies)
            except Exception:
                log.exception("could not deliver the replies (channel=%s)", channel)
                self.metrics.errors.labels(channel, "send").inc()
            self.metrics.latency.labels(channel).observe(time.perf_counter() - received)
            return replies

    @staticmethod
    async def _quietly(action: Callable[[], Awaitable[None]]) -> None:
        try:
            await action()
        except Exception:
            log.debug("typing indicator failed", exc_info=True)
