"""The one aiohttp application of ``motcua run``: the web chat, the Telegram and Zalo webhooks (each
channel enabled by its settings), ``/healthz``, ``/metrics`` and, when that module exists, the
dossier push-ingest API (``bot.ingest.setup_ingest``).

Shutdown is graceful: aiohttp stops accepting connections and waits for requests in flight, then
the cleanup contexts run in reverse order — background webhook work is awaited, the channels
stop (PTB processes every update it has queued), and only then is the database closed.
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

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bot.config import Settings, get_settings
from bot.scheduler import setup_reminders
from bot.service import Service
from bot.webchat import WebChat
from bot.wiring import core_deps
from db.channels_repo import forget_processed_before, load_zalo_token
from db.models.base import utcnow
from handlers.deps import Deps

log = logging.getLogger(__name__)

SERVICE = web.AppKey("motcua_service", Service)
MAX_BODY = 1024 * 1024  # every route; the webhooks and the web chat check their own, smaller, limits
PROCESSED_KEPT = timedelta(days=3)  # longer than any platform retries an event


async def create_app(
    settings: Settings | None = None,
    *,
    deps: Deps | None = None,
    maintenance_seconds: float = 60.0,
    webchat_per_minute: int = 30,
    telegram_options: dict[str, Any] | None = None,
    zalo_options: dict[str, Any] | None = None,
) -> web.Application:
    """Build the application. ``deps`` defaults to ``core_deps(settings)`` (closed on cleanup);
    ``maintenance_seconds`` is how often the catalogue index is checked for a re-import."""
    settings = settings or get_settings()
    stack = AsyncExitStack()
    if deps is None:
        deps = await stack.enter_async_context(core_deps(settings))
    service = Service(settings, deps)
    app = web.Application(client_max_size=MAX_BODY)
    app[SERVICE] = service

    WebChat(service, per_minute=webchat_per_minute).add_routes(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)

    if settings.telegram_token is not None:
        from bot.telegram import TelegramChannel

        telegram = TelegramChannel(settings, service, **(telegram_options or {}))
        service.channels["telegram"] = telegram
        if telegram.mode == "webhook":
            app.router.add_post("/telegram/webhook", telegram.webhook)

    if settings.zalo_app_id and settings.zalo_oa_secret_key is not None:
        from bot.zalo import ZaloClient
        from bot.zalo_channel import ZaloChannel

        http = aiohttp.ClientSession(trust_env=True)  # an egress proxy from HTTPS_PROXY / NO_PROXY
        stack.push_async_callback(http.close)
        client = ZaloClient(settings, deps.db, http, **(zalo_options or {}))
        zalo = ZaloChannel(settings, service, client)
        service.channels["zalo"] = zalo
        app.router.add_post("/zalo/webhook", zalo.webhook)

    app.cleanup_ctx.append(_channels_ctx)
    app.cleanup_ctx.append(_maintenance_ctx(maintenance_seconds))
    await _setup_ingest(app, deps, settings)
    setup_reminders(app, service, settings)  # sweep, citizens' notices, outbox delivery (stop before the channels)
    app.cleanup_ctx.append(_background_ctx)  # last in, first out: in-flight work ends first
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
        for name, channel in service.channels.items():
            if name == "telegram":
                await channel.start()
            elif name == "zalo":
                await channel.client.start()
            started.append((name, channel))
        log.info("channels: web%s", "".join(f", {name}" for name in service.channels))
        yield
    finally:
        for name, channel in reversed(started):
            if name == "telegram":
                try:
                    await channel.stop()
                except Exception:
                    log.exception("telegram did not stop cleanly")


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
    webhook claims, refresh the Zalo token before it expires."""
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
                await forget_processed_before(deps.db, utcnow() - PROCESSED_KEPT)
                last_cleanup = time.monotonic()
            if (zalo := service.channels.get("zalo")) is not None:
                pair = await load_zalo_token(deps.db, zalo.client.app_id)
                if pair and pair.expires_at and pair.expires_at - utcnow() < timedelta(hours=2):
                    await zalo.client.refresh(stale=pair.access_token)
        except Exception:
            log.exception("maintenance failed")
            service.metrics.errors.labels("service", "maintenance").inc()


async def _background_ctx(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[SERVICE].tasks.close()


async def healthz(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    deps = service.deps
    body: dict[str, Any] = {
        "channels": ["web", *service.channels],
        "catalogue": {"procedures": len(deps.catalogue.index), "version": deps.catalogue.version},
        "in_flight": len(service.tasks),
    }
    try:
        async with asyncio.timeout(5):
            async with deps.db.session() as session:
                await session.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001  (any failure means "down"; the URL is never shown)
        body["database"] = f"unavailable: {type(exc).__name__}"
    healthy = body["database"] == "ok" and body["catalogue"]["procedures"] > 0
    body["status"] = "ok" if healthy else "unavailable"
    return web.json_response(body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    return web.Response(body=service.metrics.render(), headers={"Content-Type": service.metrics.content_type})
