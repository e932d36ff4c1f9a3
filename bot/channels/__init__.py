"""The chat platforms, one module each behind one contract (``bot.channels.base.Channel``).

``configured(settings, service, stack, options)`` builds the channels the settings enable — the
web chat always, Telegram when a token is set, Zalo when the OA's app id and secret key are —
and is the only place that knows which platforms exist; ``bot/app.py`` loops over what it returns.
A new platform is a new module here and one line below. The console (``motcua chat``) and the test
channel (tests) are built by what uses them (``ConsoleChannel.over``, ``TestChannel.over``).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.channels.base import Channel
    from bot.config import Settings
    from bot.service import Service


def _web(settings: Settings, service: Service, stack: AsyncExitStack, options: dict[str, Any]) -> Channel | None:
    from bot.channels.web import WebChat

    return WebChat(service, **options)


def _telegram(settings: Settings, service: Service, stack: AsyncExitStack, options: dict[str, Any]) -> Channel | None:
    if settings.telegram_token is None:
        return None
    from bot.channels.telegram import TelegramChannel

    return TelegramChannel(settings, service, **options)


def _zalo(settings: Settings, service: Service, stack: AsyncExitStack, options: dict[str, Any]) -> Channel | None:
    if not settings.zalo_app_id or settings.zalo_oa_secret_key is None:
        return None
    import aiohttp

    from bot.channels.zalo import ZaloChannel
    from bot.channels.zalo_api import ZaloClient

    http = aiohttp.ClientSession(trust_env=True)  # an egress proxy from HTTPS_PROXY / NO_PROXY
    stack.push_async_callback(http.close)
    return ZaloChannel(settings, service, ZaloClient(settings, service.deps.db, http, **options))


FACTORIES = {"web": _web, "telegram": _telegram, "zalo": _zalo}


def configured(settings: Settings, service: Service, stack: AsyncExitStack,
               options: dict[str, dict[str, Any]] | None = None) -> list[Channel]:
    """The enabled channels; ``options[name]`` are keyword arguments for that channel (tests)."""
    options = options or {}
    unknown = set(options) - set(FACTORIES)
    if unknown:
        raise ValueError(f"options for unknown channels: {sorted(unknown)}")
    built = (factory(settings, service, stack, options.get(name, {})) for name, factory in FACTORIES.items())
    return [channel for channel in built if channel is not None]
