"""The outbox dispatcher: delivers what the core planned (``db.outbox_repo``) through the channel
adapters, inside ``motcua run``.

Each round claims a batch of due rows for a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
replicas share the work without overlap; one atomic UPDATE on SQLite), then sends them. Order per
chat: only a chat's oldest open row is claimable (``db.outbox_repo.claim``), so its messages go out
one after another and one chat is served by one dispatcher at a time, which also makes the pace
below hold across replicas; a row planned again after a failure holds the chat's later rows back.
At most one message per ``per_chat_interval`` to a chat (Telegram allows about one a second per
chat; the overall 30/s is PTB's rate limiter's job), different chats concurrently
(``concurrency``). Outcomes:

- accepted by the platform → ``sent``;
- a long message is sent in parts: the parts delivered before a failure are recorded on the row
  (``parts_sent``) and a retry sends only the rest (a fallback to another channel sends it whole);
- ``TransientDeliveryError`` (network, 5xx, 429 still in force, Zalo -32/quota) → planned again
  after an exponential backoff (``backoff_base`` · 2^(attempt-1), at most ``backoff_max``), or
  after the platform's ``retry_after`` when it gave a longer one; ``failed`` after
  ``max_attempts``;
- ``PermanentDeliveryError`` (bot blocked, chat not found, Zalo -230 window closed, not following)
  → ``failed`` with the reason, then the same message is planned to the official's next linked
  chat (Telegram → Zalo or back), if there is one;
- quiet hours (``handlers.quiet_hours``, given as ``quiet``): a row claimed when its recipient must
  not be written to (citizens at night, officials outside office hours) is planned again for the
  next allowed moment, unsent and not counted as an attempt; a retry is planned no earlier than
  that moment either — except a row planned for any hour (``--ignore-quiet-hours``);
- an official's message whose chat is no longer theirs (revoked, or the chat linked to another
  official since it was planned) → ``failed`` ("unlinked") before anything is sent, and offered to
  the official's other linked chat like a permanent failure.

Leases: while a message is in flight its dispatcher extends the row's lease (every third of the
lease), so a long send — Telegram's 429 ``retry_after`` honoured inside one send — is not taken
over by another dispatcher; should the extension find the row no longer ours (another dispatcher
claimed it after the lease ran out, e.g. the database was unreachable for longer than the lease),
the send is abandoned, and a send that cannot extend its lease is abandoned before the lease ends.
A row whose settling finds it no longer ours is logged, not counted as sent.

Crash safety: a row stays "sending" while its message is in flight; if the process dies there,
another dispatcher (or this one restarted) claims it again when the lease runs out and sends it
again. So: **at-least-once for the messages in flight when a dispatcher dies (at most
``concurrency`` of them), exactly once for every other message** — their dedupe keys were planned
once, and a live dispatcher keeps its lease. A dispatcher sends nothing new once its batch's lease
is about to run out: it gives the rest of the batch back.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from db.batch import Batcher
from bot.delivery import PermanentDeliveryError, TransientDeliveryError
from db.engine import Database
from db.models.base import utcnow
from db.models.outbox import OutboxMessage
from db.officials_repo import linked_official
from db.outbox_repo import (
    backlog,
    claim,
    defer,
    extend_lease,
    mark_failed,
    mark_retry,
    mark_sent_many,
    plan_fallback,
    release,
)
from handlers.reply_json import replies_from_json
from knowledge.channels import PUSH_CHANNELS

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """The row is no longer this dispatcher's (or its lease could not be kept): stop sending it."""


class OutboxDispatcher:
    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Any],
        *,
        metrics: Any = None,
        batch: int = 50,
        lease: float = 120.0,
        concurrency: int = 8,
        per_chat_interval: float = 1.0,
        max_attempts: int = 10,
        backoff_base: float = 5.0,
        backoff_max: float = 3600.0,
        clock: Callable[[], datetime] = utcnow,
        quiet: Callable[[str, datetime, str | None], datetime] | None = None,
    ) -> None:
        self.db = db
        self.channels = channels  # looked up at each send: the service fills it as channels start
        self.metrics = metrics
        self.batch = batch
        self.lease = lease
        self.concurrency = max(1, concurrency)
        self.per_chat_interval = per_chat_interval
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.clock = clock
        # (kind, moment, the official's agency or None) → the first moment the message may go out
        # (handlers.quiet_hours.allowed_from); None: any time.
        self.quiet = quiet
        self.stopping = False
        self.wake = asyncio.Event()  # set by whoever plans something in this process
        self._last_send: dict[tuple[str, str], float] = {}
        # Sends in flight, the rounds' and the inbox worker's together: after a crash, at most
        # this many messages go out twice.
        self._slots = asyncio.Semaphore(self.concurrency)
        self._sent = Batcher(lambda claims: mark_sent_many(self.db, claims, self.clock()))

    # --- one round ------------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim and settle one batch; returns how many rows were claimed."""
        token = uuid.uuid4().hex
        rows = await claim(self.db, limit=self.batch, lease=timedelta(seconds=self.lease), token=token, now=self.clock())
        if rows:
            await self.send_claimed(rows, token)
        return len(rows)

    async def send_claimed(self, rows: list[OutboxMessage], token: str) -> None:
        """Send rows claimed for ``self.lease`` under ``token`` (by a round, or by the inbox worker
        in the transaction that planned its replies) and settle each."""
        # Start nothing a little before the lease runs out: another dispatcher may claim the rows then.
        lease_end = time.monotonic() + self.lease
        deadline = lease_end - self._margin
        by_chat: OrderedDict[tuple[str, str], list[OutboxMessage]] = OrderedDict()
        for row in rows:
            by_chat.setdefault((row.channel, row.chat_id), []).append(row)

        async def chat_rows(chat_rows: list[OutboxMessage]) -> None:
            for n, row in enumerate(chat_rows):
                await self._pace(row.channel, row.chat_id)  # waiting for the chat's pace holds no slot
                async with self._slots:
                    self._last_send[(row.channel, row.chat_id)] = time.monotonic()  # the pace counts from the send
                    if self.stopping or time.monotonic() > deadline:
                        await release(self.db, [r.id for r in chat_rows[n:]], token)
                        return
                    delivered = await self._deliver(row, token, lease_end)
                if not delivered:
                    # It will be tried again later: the chat's later messages must not overtake it.
                    await release(self.db, [r.id for r in chat_rows[n + 1:]], token)
                    return

        if len(by_chat) == 1:  # the inbox worker's reply: no task to spawn
            await chat_rows(rows)
        else:
            await asyncio.gather(*(chat_rows(group) for group in by_chat.values()))

    async def _pace(self, channel: str, chat_id: str) -> None:
        key = (channel, chat_id)
        last = self._last_send.get(key)
        if last is not None:
            wait = last + self.per_chat_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_send[key] = time.monotonic()
        if len(self._last_send) > 10_000:  # forget chats not written to lately
            horizon = time.monotonic() - self.per_chat_interval
            self._last_send = {k: v for k, v in self._last_send.items() if v > horizon}

    @property
    def _margin(self) -> float:
        return min(10.0, self.lease / 3)

    async def _leased(self, row: OutboxMessage, token: str, lease_end: float, sending: Any) -> None:
        """Await the send while keeping the row's lease: extended every third of the lease; the send
        is abandoned (LeaseLost) when the row turns out to be another dispatcher's, or when the
        lease is about to end without an extension (the database unreachable)."""
        task = asyncio.ensure_future(sending)
        try:
            while True:
                left = lease_end - time.monotonic() - self._margin
                if left <= 0:
                    raise LeaseLost("the lease is running out and could not be extended")
                done, _ = await asyncio.wait({task}, timeout=min(self.lease / 3, left))
                if done:
                    task.result()
                    return
                try:
                    kept = await extend_lease(self.db, row.id, token, self.clock() + timedelta(seconds=self.lease))
                except Exception:
                    log.warning("outbox row %s: the lease could not be extended", row.id, exc_info=True)
                    continue
                if not kept:
                    raise LeaseLost("another dispatcher took the row over")
                lease_end = time.monotonic() + self.lease
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=5.0)  # let it unwind; our own cancellation still propagates
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: an abandoned send's error is not "never retrieved"

    def _allowed(self, row: OutboxMessage, agency: str | None, at: datetime) -> datetime:
        return at if self.quiet is None or row.any_hour else self.quiet(row.kind, at, agency)

    def _count(self, outcome: str, channel: str) -> None:
        if self.metrics is not None and hasattr(self.metrics, "outbox_sent"):
            self.metrics.outbox_sent.labels(channel, outcome).inc()

    async def _deliver(self, row: OutboxMessage, token: str, lease_end: float) -> bool:
        """Send one row and settle it; False when it is not settled for good (a retry is planned,
        or it was abandoned): the chat's later rows must wait for it."""
        sender = self.channels.get(row.channel)
        agency = None
        if row.official_id is not None:
            official = await linked_official(self.db, row.official_id, row.channel, row.chat_id)
            if official is None:
                # Revoked since, or the chat now belongs to someone else: an official's message never goes there.
                await self._fail(row, token, "unlinked: the chat is no longer this official's")
                return True
            agency = official.agency_code
        now = self.clock()
        if (allowed := self._allowed(row, agency, now)) > now:  # quiet hours (a fallback, a late backlog)
            await defer(self.db, row.id, token, allowed)
            return False
        try:
            if sender is None:
                if row.channel in PUSH_CHANNELS:
                    raise TransientDeliveryError(row.channel, "this channel is not enabled on this server")
                raise PermanentDeliveryError(row.channel, "this channel cannot send messages unasked")
            replies = replies_from_json(row.replies)
            await self._leased(row, token, lease_end, sender.send(row.chat_id, replies, skip_parts=row.parts_sent))
        except LeaseLost as exc:
            log.warning("outbox row %s (%s to %s) abandoned in flight: %s; it may be delivered twice",
                        row.id, row.kind, row.channel, exc)
            return False
        except PermanentDeliveryError as exc:
            await self._fail(row, token, f"permanent: {exc}")
            return True
        except TransientDeliveryError as exc:
            if row.attempts >= self.max_attempts:
                await self._fail(row, token, f"gave up after {row.attempts} attempts: {exc}")
                return True
            delay = min(self.backoff_max, self.backoff_base * 2 ** max(0, row.attempts - 1))
            delay = max(delay, exc.retry_after or 0.0)
            at = self._allowed(row, agency, self.clock() + timedelta(seconds=delay))
            await mark_retry(self.db, row.id, token, f"transient: {exc}", at, parts_sent=max(row.parts_sent, exc.parts_sent))
            self._count("retry", row.channel)
            return False
        except Exception as exc:  # a bug (a template, a context): retried like a transient failure, logged
            log.exception("outbox row %s could not be sent", row.id)
            if row.attempts >= self.max_attempts:
                await self._fail(row, token, f"error: {exc!r}")
                return True
            at = self.clock() + timedelta(seconds=self.backoff_base * 2 ** max(0, row.attempts - 1))
            await mark_retry(self.db, row.id, token, f"error: {exc!r}", self._allowed(row, agency, at))
            return False
        if await self._sent.submit((row.id, token)):
            self._count("sent", row.channel)
        else:
            log.warning("outbox row %s (%s to %s) was delivered after its claim was lost: another dispatcher "
                        "may deliver it again", row.id, row.kind, row.channel)
        return True

    async def _fail(self, row: OutboxMessage, token: str, reason: str) -> None:
        await mark_failed(self.db, row.id, token, reason)
        self._count("failed", row.channel)
        log.warning("outbox row %s (%s to %s) failed: %s", row.id, row.kind, row.channel, reason)
        fallback = await plan_fallback(self.db, row, self.clock())
        if fallback is not None:
            log.info("outbox row %s offered to the official's %s chat (row %s)", row.id, fallback.channel, fallback.id)
            self.wake.set()

    # --- the loop -------------------------------------------------------------------------------
    async def update_backlog(self) -> None:
        if self.metrics is not None:
            self.metrics.outbox_backlog.set(await backlog(self.db))

    async def run(self, stop: asyncio.Event, poll: float = 1.0) -> None:
        """Deliver until ``stop`` is set; between empty rounds wait ``poll`` seconds (or a wake-up)."""
        last_gauge = 0.0
        while not stop.is_set():
            self.wake.clear()  # before the round: a wake-up during it is not lost
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("outbox round failed")
                handled = 0
            if time.monotonic() - last_gauge > 5 or not handled:
                try:
                    await self.update_backlog()
                    last_gauge = time.monotonic()
                except Exception:
                    log.debug("outbox backlog not measured", exc_info=True)
            if handled:
                continue
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            await asyncio.wait(waiters, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
