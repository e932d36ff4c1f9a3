"""The background work of reminders inside ``motcua run``: four loops started with the application
and stopped before the channels are.

- **sweep** every ``MOTCUA_REMINDER_SWEEP_SECONDS`` (``handlers.sweep.run_sweep``; the advisory lock
  makes one replica sweep at a time on PostgreSQL);
- **status notices** every ``MOTCUA_NOTIFY_POLL_SECONDS`` and at once after an in-process status
  change (``handlers.status_notices``: the event log with a stored cursor, so changes ingested by
  another replica or imported from a file are seen too);
- **outbox dispatcher** (``bot.outbox``), woken when something is planned in this process;
- **handoffs** every ``MOTCUA_HANDOFF_SWEEP_SECONDS`` (``handlers.handoff_sweep``: requests nobody
  took become PAKN items, idle conversations end).

On shutdown the loops are told to stop; the dispatcher finishes its round, sends what is due for
up to ``DRAIN_SECONDS`` more (the replies just planned), then gives the rest back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial

from aiohttp import web

from bot.config import Settings
from bot.outbox import OutboxDispatcher
from bot.service import Service
from db.dossier_repo import on_status_change
from handlers.handoff_sweep import sweep_handoffs
from handlers.quiet_hours import allowed_from
from handlers.status_notices import plan_status_notices
from handlers.sweep import run_sweep

log = logging.getLogger(__name__)

DISPATCHER = web.AppKey("motcua_outbox_dispatcher", OutboxDispatcher)
STOP_TIMEOUT = 20.0
DRAIN_SECONDS = 10.0


def dispatcher_for(service: Service, settings: Settings) -> OutboxDispatcher:
    deps = service.deps
    return OutboxDispatcher(
        deps.db, service.channels, metrics=service.metrics, batch=settings.outbox_batch,
        lease=settings.outbox_lease_seconds, concurrency=settings.outbox_concurrency,
        per_chat_interval=settings.outbox_per_chat_seconds, max_attempts=settings.outbox_max_attempts,
        backoff_base=settings.outbox_backoff_seconds,
        quiet=partial(allowed_from, deps.calendar, deps.reminders),
    )


async def _every(stop: asyncio.Event, seconds: float, work, *, wake: asyncio.Event | None = None,
                 first_after: float | None = None) -> None:
    delay = seconds if first_after is None else first_after
    while not stop.is_set():
        waiters = [asyncio.ensure_future(stop.wait())] + ([asyncio.ensure_future(wake.wait())] if wake else [])
        await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        if stop.is_set():
            return
        if wake is not None:
            wake.clear()
        try:
            await work()
        except Exception:
            log.exception("background work %s failed", getattr(work, "__name__", work))
        delay = seconds


def setup_reminders(app: web.Application, service: Service, settings: Settings) -> None:
    dispatcher = dispatcher_for(service, settings)
    app[DISPATCHER] = dispatcher
    service.dispatcher = dispatcher  # the inbox worker sends its replies through it
    deps = service.deps

    async def sweep() -> None:
        report = await run_sweep(deps.db, deps.calendar, deps.reminders, deps.clock(),
                                 ignore_quiet_hours=settings.reminders_ignore_quiet_hours)
        if report.planned:
            log.info("reminder sweep: %s", report.summary())
            dispatcher.wake.set()

    async def notices() -> None:
        if await plan_status_notices(deps.db, deps.calendar, safety=timedelta(seconds=settings.notify_safety_seconds),
                                     settings=deps.reminders):
            dispatcher.wake.set()

    async def handoffs() -> None:
        if (await sweep_handoffs(deps.db, deps.calendar, deps.reminders, deps.clock())).changed:
            dispatcher.wake.set()

    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        changed = asyncio.Event()

        async def on_change(_change) -> None:
            changed.set()

        unsubscribe = on_status_change(on_change)
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(dispatcher.run(stop, settings.outbox_poll_seconds), name="outbox")]
        tasks.append(loop.create_task(_every(stop, settings.notify_poll_seconds, notices, wake=changed,
                                             first_after=0.0), name="status-notices"))
        if settings.reminder_sweep_seconds > 0:
            tasks.append(loop.create_task(_every(stop, settings.reminder_sweep_seconds, sweep,
                                                 first_after=min(settings.reminder_sweep_seconds, 5.0)),
                                          name="reminder-sweep"))
        if settings.handoff_sweep_seconds > 0:
            tasks.append(loop.create_task(_every(stop, settings.handoff_sweep_seconds, handoffs), name="handoffs"))
        try:
            yield
        finally:
            unsubscribe()
            stop.set()
            # The dispatcher's round ends, then what is due now (the replies the inbox worker just
            # planned) is sent for a few seconds more; the rest waits in the outbox for the next start.
            loop.call_later(DRAIN_SECONDS, lambda: setattr(dispatcher, "stopping", True))
            done, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT)
            for task in pending:
                log.warning("cancelling %s at shutdown", task.get_name())
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            with contextlib.suppress(Exception):
                while not dispatcher.stopping and await dispatcher.run_once():
                    pass
            dispatcher.stopping = True

    app.cleanup_ctx.append(ctx)
