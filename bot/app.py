"""The one aiohttp application of ``motcua run``: the configured channels' routes
(``bot.channels.configured``), ``/healthz``, ``/metrics``, the inbox worker (``bot.pipeline``)
and, when that module exists, the dossier push-ingest API (``bot.ingest.setup_ingest``).

Shutdown is graceful: aiohttp stops accepting connections and waits for requests in flight, then
the cleanup contexts run in reverse order — the inbox worker finishes the messages in hand (the
rest stay in the inbox for the next start), the outbox dispatcher the sends in flight, the channels
stop, and only then is the database closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import inspect
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bot import channels as platforms
from bot.config import Settings, get_settings
from bot.dashboard import setup_dashboard
from bot.scheduler import setup_reminders
from bot.service import Service
from bot.wiring import core_deps
from db.inbox_repo import backlog as inbox_backlog
from db.inbox_repo import forget_done_before
from db.models.base import utcnow
from handlers.deps import Deps

log = logging.getLogger(__name__)

SERVICE = web.AppKey("motcua_service", Service)
MAX_BODY = 1024 * 1024  # every route; the webhooks and the web chat check their own, smaller, limits
ANSWERED_KEPT = timedelta(days=3)  # inbox rows kept as dedupe claims: longer than any platform retries an event


async def create_app(
    settings: Settings | None = None,
    *,
    deps: Deps | None = None,
    maintenance_seconds: float = 60.0,
    channel_options: dict[str, dict[str, Any]] | None = None,
) -> web.Application:
    """Build the application. ``deps`` defaults to ``core_deps(settings)`` (closed on cleanup);
    ``maintenance_seconds`` is how often the catalogue index is checked for a re-import;
    ``channel_options[name]``: keyword arguments of one channel (tests, the bench)."""
    settings = settings or get_settings()
    stack = AsyncExitStack()
    if deps is None:
        deps = await stack.enter_async_context(core_deps(settings))
    service = Service(settings, deps)
    app = web.Application(client_max_size=MAX_BODY)
    app[SERVICE] = service

    for channel in platforms.configured(settings, service, stack, channel_options):
        service.channels[channel.name] = channel
        for route in channel.routes():
            app.router.add_route(route.method, route.path, route.handler)
        if hasattr(channel, "add_static"):
            channel.add_static(app)
    setup_dashboard(app, service)  # /dashboard, when MOTCUA_PUBLIC_URL and MOTCUA_DASHBOARD_SECRET are set
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)

    app.cleanup_ctx.append(_channels_ctx)
    app.cleanup_ctx.append(_maintenance_ctx(maintenance_seconds))
    await _setup_ingest(app, deps, settings)
    setup_reminders(app, service, settings)  # sweep, citizens' notices, outbox delivery (stop before the channels)
    app.cleanup_ctx.append(_inbox_ctx)  # last in, first out: the answers in hand end first
    app.on_cleanup.append(lambda _app: stack.aclose())  # after every cleanup context: the database
    return app


async def _setup_ingest(app: web.Application, deps: Deps, settings: Settings) -> None:
    """The dossier push-ingest API lives in its own module, written separately: optional here."""
    if importlib.util.find_spec("bot.ingest") is None:
        return
    module = importlib.import_module("bot.ingest")
    setup = getattr(module, "setup_ingest", None)
    if setup is None:
        log.warning("bot.ingest has no setup_ingest(app, deps, settings); ingest API not mounted")
        return
    result = setup(app, deps, settings)
    if inspect.isawaitable(result):
        await result


async def _channels_ctx(app: web.Application) -> AsyncIterator[None]:
    service = app[SERVICE]
    started = []
    try:
        for channel in service.channels.values():
            await channel.start()
            started.append(channel)
        log.info("channels: %s", ", ".join(service.channels))
        yield
    finally:
        for channel in reversed(started):
            try:
                await channel.stop()
            except Exception:
                log.exception("channel %s did not stop cleanly", channel.name)


def _maintenance_ctx(interval: float):
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(_maintenance(app[SERVICE], interval), name="maintenance")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx


async def _maintenance(service: Service, interval: float) -> None:
    """Periodically: pick up a catalogue re-import (the index is swapped atomically), forget old
    answered inbox rows, and whatever each channel keeps up (the Zalo token's refresh)."""
    deps = service.deps
    last_cleanup = 0.0
    while True:
        await asyncio.sleep(interval)
        try:
            await deps.catalogue.refresh(deps.db)
        except Exception:
            log.exception("catalogue refresh failed")
            service.metrics.errors.labels("service", "catalogue_refresh").inc()
        try:
            if time.monotonic() - last_cleanup > 3600:
                await forget_done_before(deps.db, utcnow() - ANSWERED_KEPT)
                last_cleanup = time.monotonic()
            for channel in service.channels.values():
                await channel.maintain()
        except Exception:
            log.exception("maintenance failed")
            service.metrics.errors.labels("service", "maintenance").inc()


async def _inbox_ctx(app: web.Application) -> AsyncIterator[None]:
    stop = asyncio.Event()
    pipeline = app[SERVICE].pipeline
    task = asyncio.get_running_loop().create_task(pipeline.run(stop), name="inbox")
    yield
    stop.set()
    pipeline.wake.set()
    await task


async def healthz(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    deps = service.deps
    body: dict[str, Any] = {
        "channels": {name: channel.health() for name, channel in service.channels.items()},
        "catalogue": {"procedures": len(deps.catalogue.index), "version": deps.catalogue.version},
    }
    try:
        async with asyncio.timeout(5):
            async with deps.db.session() as session:
                await session.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001  (any failure means "down"; the URL is never shown)
        body["database"] = f"unavailable: {type(exc).__name__}"
    if body["database"] == "ok":
        try:
            body["inbox_backlog"] = await inbox_backlog(deps.db)
        except Exception as exc:  # noqa: BLE001
            body["inbox_backlog"] = f"unavailable: {type(exc).__name__}"
    healthy = body["database"] == "ok" and body["catalogue"]["procedures"] > 0
    body["status"] = "ok" if healthy else "unavailable"
    return web.json_response(body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    return web.Response(body=service.metrics.render(), headers={"Content-Type": service.metrics.content_type})
