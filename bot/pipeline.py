"""The one durable message pipeline of ``motcua run``:

    channel ingress ──> inbox (db) ──> worker: handlers.handle ──> outbox (db) ──> channel.send

- ``accept``: a webhook's messages are stored in the inbox (``db.inbox_repo.accept_claiming``: the
  insert is the dedupe claim) before the platform is answered 200. Concurrent requests are grouped
  into one transaction (``db.batch``). A message whose chat has nothing else open is claimed by
  this worker in that same transaction and answered at once.
- the **worker** (``run``) claims the other inbox rows with a lease — the oldest open row of each
  chat only, so a chat's messages are answered in order; ``FOR UPDATE SKIP LOCKED`` lets the
  replicas on one PostgreSQL share them — answers each with the core, and settles it in the
  transaction that plans its replies in the outbox (rendered in the channel's dialect, key
  ``reply:<channel>:<event>``) and claims them for this worker when nothing of the chat is ahead
  of them in the outbox; the worker then sends them itself (``OutboxDispatcher.send_claimed``). A
  reply that fails, or waits behind the chat's earlier messages, is the dispatcher's
  (``bot.outbox``): retries with backoff honouring ``retry_after``, the parts already sent
  recorded, so a platform outage delays a reply and never drops it.
- ``answer_now``: a channel that cannot push (the web chat) answers inside its request, but the
  message is stored first, claimed by that request; the answer is kept on the row, so the
  client's retry of the same message id gets it — also when this process died and a worker
  answered the row after its lease ran out.

Guarantee: **at-least-once after the 200.** A crash leaves the rows being answered "working";
they are claimed again when their lease runs out. Their replies were not planned (that happens in
the same transaction as "done"), so they are not doubled by it — the only duplicates are the
sends in flight, the worker's and the dispatcher's together (at most the dispatcher's concurrency: they
share its send slots). What is held in memory is at most one claimed batch: a burst waits in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from db.batch import Batcher
from bot.channels.base import Accepted
from db.inbox_repo import (
    Claim,
    Finished,
    NewMessage,
    accept_claimed,
    accept_claiming,
    claim,
    find,
    finish_claiming,
    give_back,
)
from db.models.base import utcnow
from db.models.inbox import InboxMessage
from db.outbox_repo import Planned
from handlers import Incoming, Reply, handle
from handlers.reply_json import replies_from_json, replies_to_json
from knowledge.channels import capabilities

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)


class Busy(Exception):
    """The same message is being answered elsewhere right now (the client should retry)."""


def incoming_to_json(incoming: Incoming) -> dict[str, Any]:
    return {"channel": incoming.channel, "chat_id": incoming.chat_id, "text": incoming.text,
            "payload": incoming.payload, "user_id": incoming.user_id, "locale": incoming.locale,
            "event": incoming.event, "at": incoming.at.isoformat() if incoming.at else None,
            "private": incoming.private, "client": incoming.client}


def incoming_from_json(data: dict[str, Any]) -> Incoming:
    return Incoming(data["channel"], data["chat_id"], text=data.get("text") or "", payload=data.get("payload"),
                    user_id=data.get("user_id"), locale=data.get("locale") or "vi",
                    event=data.get("event") or "message",
                    at=datetime.fromisoformat(data["at"]) if data.get("at") else None,
                    private=data.get("private", True), client=data.get("client"))


def _new(accepted: Accepted) -> NewMessage:
    incoming = accepted.incoming
    return NewMessage(incoming.channel, accepted.key, incoming.chat_id, incoming_to_json(incoming), accepted.meta)


class Pipeline:
    def __init__(self, service: Service, *, lease: float = 60.0, concurrency: int = 32, poll: float = 1.0,
                 max_attempts: int = 5) -> None:
        self.service = service
        self.db = service.deps.db if service.deps is not None else None
        self.lease = lease
        self.concurrency = max(1, concurrency)
        self.poll = poll
        self.max_attempts = max_attempts
        self.wake = asyncio.Event()
        self.running = False  # the worker loop runs: accepted messages may be claimed as they are stored
        self._accepting = Batcher(self._accept_batch)
        self._finishing = Batcher(self._finish_batch)
        self._inflight: set[asyncio.Task] = set()
        self._sending: set[asyncio.Task] = set()  # replies being sent (their inbox rows are done)
        self._reserved = 0  # slots promised to rows being claimed as they are accepted
        # Rows accepted here and not claimed yet (behind their chat's row in flight, or no free
        # slot): a finished row wakes the worker only then. Other replicas' rows: the poll finds them.
        self._queued = 0
        self._sending_token = uuid.uuid4().hex  # this worker's claim on the replies it sends itself
        # Claim tokens: this worker's random prefix and a counter (os.urandom per message is slow on some VMs).
        self._tokens = (f"{self._sending_token[:16]}{n:016x}" for n in itertools.count())

    # --- ingress ----------------------------------------------------------------------------------
    def _free(self) -> int:
        return self.concurrency - len(self._inflight) - self._reserved

    async def _accept_batch(self, messages: list[NewMessage]) -> list[bool]:
        # A message whose chat has nothing open is claimed as it is stored and answered at once:
        # no claim round, no wake-up. The rest waits for the worker's rounds.
        limit = max(0, self._free()) if self.running else 0
        self._reserved += limit
        try:
            new, rows = await accept_claiming(self.db, messages, Claim(next(self._tokens), timedelta(seconds=self.lease), limit))
        finally:
            self._reserved -= limit
        self._start(rows)
        if len(rows) < len(new):  # some wait for the worker's round
            self._queued += len(new) - len(rows)
            self.wake.set()
        given: set[tuple[str, str]] = set()
        results = []
        for m in messages:
            key = (m.channel, m.event_key[:128])
            results.append(key in new and key not in given)  # the same event twice in one batch: once
            given.add(key)
        return results

    async def accept(self, messages: Sequence[Accepted]) -> int:
        """Store the messages (raises when the database is unavailable: do not acknowledge then);
        returns how many were new."""
        results = await asyncio.gather(*(self._accepting.submit(_new(m)) for m in messages))
        metrics = self.service.metrics
        for message, new in zip(messages, results, strict=True):
            (metrics.messages_in if new else metrics.duplicates).labels(message.incoming.channel).inc()
        return sum(results)

    async def answer_now(self, accepted: Accepted) -> list[Reply]:
        """Store the message claimed by the caller and answer it at once; a message id seen before
        gets its stored answer (raises Busy while it is still being answered)."""
        token = next(self._tokens)
        incoming = accepted.incoming
        start = time.perf_counter()
        row = await accept_claimed(self.db, _new(accepted), token=token, lease=timedelta(seconds=self.lease))
        if row is None:
            known = await find(self.db, incoming.channel, accepted.key)
            if known is not None and known.status == "done":
                self.service.metrics.duplicates.labels(incoming.channel).inc()
                return replies_from_json(known.replies or [])
            raise Busy(accepted.key)
        self.service.metrics.messages_in.labels(incoming.channel).inc()
        replies = await self._handle(incoming)
        dialect = capabilities(incoming.channel).dialect
        rendered = [r.rendered_as(dialect) for r in replies]
        await self._finishing.submit(Finished(row.id, token, replies=replies_to_json(rendered)))
        self.service.metrics.latency.labels(incoming.channel).observe(time.perf_counter() - start)
        return rendered

    # --- the worker -------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Answer inbox rows until ``stop`` is set; then finish the ones in hand."""
        self.running = True
        while not stop.is_set():
            free = self._free()
            rows: list[InboxMessage] = []
            self.wake.clear()  # before the claim: a wake-up during it is not lost (no free slot: _done wakes)
            if free > 0:
                try:
                    rows = await claim(self.db, limit=free, lease=timedelta(seconds=self.lease), token=next(self._tokens))
                except Exception as exc:  # the database is down: try again at the next poll
                    log.warning("inbox claim failed: %r", exc)
                    self.service.metrics.errors.labels("service", "inbox_claim").inc()
                self._queued = max(0, self._queued - len(rows)) if rows or self._inflight else 0
                if len(rows) == free:  # a full claim: more may be waiting (a backlog, another replica's)
                    self._queued = max(self._queued, 1)
                self._start(rows)
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            await asyncio.wait(waiters, timeout=self.poll, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        self.running = False
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=30)
        if self._sending:
            await asyncio.wait(list(self._sending), timeout=30)

    def _start(self, rows: list[InboxMessage]) -> None:
        for row in rows:
            task = asyncio.get_running_loop().create_task(self._answer(row), name=f"inbox {row.id}")
            self._inflight.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._inflight.discard(task)
        if self._queued:  # a slot is free, and the chat's next message may be claimable now
            self.wake.set()
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("answering an inbox row failed", exc_info=exc)

    async def _answer(self, row: InboxMessage) -> None:
        token = row.claim_token
        try:
            incoming = incoming_from_json(row.incoming)
        except (KeyError, TypeError, ValueError) as exc:
            await give_back(self.db, row.id, token, f"unreadable: {exc!r}", failed=True)
            return
        channel = self.service.channels.get(incoming.channel)
        caps = channel.capabilities if channel is not None else capabilities(incoming.channel)
        if channel is not None and row.meta:
            with contextlib.suppress(Exception):
                await channel.acknowledge(incoming, row.meta)
        try:
            replies = await self._handle(incoming, channel)
            rendered = [r.rendered_as(caps.dialect) for r in replies]
            if caps.can_push:
                planned = [Planned(f"reply:{row.channel}:{row.event_key}", "reply", incoming.channel, incoming.chat_id,
                                   replies_to_json(rendered), any_hour=True)] if rendered else []
                item = Finished(row.id, token, planned=planned)
            else:
                item = Finished(row.id, token, replies=replies_to_json(rendered))
            ours, sending = await self._finishing.submit(item)
        except Exception as exc:
            log.exception("inbox row %s could not be answered", row.id)
            self.service.metrics.errors.labels(incoming.channel, "handle").inc()
            with contextlib.suppress(Exception):
                await give_back(self.db, row.id, token, repr(exc), failed=row.attempts >= self.max_attempts)
            return
        if not ours:
            log.warning("inbox row %s was answered after its lease ran out; another worker answers it", row.id)
            return
        dispatcher = self.service.dispatcher
        if sending and dispatcher is not None:
            # Claimed in the settling transaction: sent by a task of its own, so that this inbox slot
            # answers the next message while the reply waits for a send slot, the chat's pace or the
            # platform's retry_after (a failure is planned again and retried by the dispatcher).
            task = asyncio.get_running_loop().create_task(self._send(dispatcher, sending, row), name=f"reply {row.id}")
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
            return
        if caps.can_push and dispatcher is not None:
            dispatcher.wake.set()  # the chat has an earlier message still to go: the dispatcher's turn
        self._observe(row)

    async def _send(self, dispatcher, rows: list, row: InboxMessage) -> None:
        try:
            await dispatcher.send_claimed(rows, self._sending_token)
        except Exception:  # the rows stay claimed: their lease runs out and the dispatcher sends them
            log.exception("the reply to inbox row %s could not be sent now", row.id)
        self._observe(row)

    def _observe(self, row: InboxMessage) -> None:
        if row.received_at is not None:
            seconds = max(0.0, (utcnow() - row.received_at).total_seconds())
            self.service.metrics.latency.labels(row.channel).observe(seconds)

    async def _finish_batch(self, items: list[Finished]) -> list[tuple[bool, list]]:
        dispatcher = self.service.dispatcher
        claim_for = (Claim(self._sending_token, timedelta(seconds=dispatcher.lease))
                     if dispatcher is not None and not dispatcher.stopping else None)
        done, claimed = await finish_claiming(self.db, items, claim_for)
        by_key: dict[str, list] = {}
        for outbox_row in claimed:
            by_key.setdefault(outbox_row.dedupe_key, []).append(outbox_row)
        return [(ours, [r for p in item.planned for r in by_key.get(p.key, ())]) for ours, item in zip(done, items, strict=True)]

    async def _handle(self, incoming: Incoming, channel: Any = None) -> list[Reply]:
        """The core's answer; a slow one shows "typing…" on channels that can."""
        loop = asyncio.get_running_loop()
        typing: list[asyncio.Task] = []
        after = getattr(channel, "typing_after", None)
        timer = (loop.call_later(after, lambda: typing.append(loop.create_task(self._quietly(channel.typing(incoming.chat_id)))))
                 if after is not None else None)
        start = time.perf_counter()
        try:
            return await handle(incoming, self.service.deps)
        finally:
            if timer is not None:
                timer.cancel()
            for task in typing:  # still showing "typing…" as the answer goes: stop it
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            log.debug("answered in %.3f s", time.perf_counter() - start)

    @staticmethod
    async def _quietly(action) -> None:
        try:
            await action
        except Exception:
            log.debug("typing indicator failed", exc_info=True)
