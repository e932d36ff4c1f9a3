"""``motcua run``: the HTTP service (web chat, Telegram and Zalo webhooks, health, metrics)."""

from __future__ import annotations

import click


@click.command("run")
@click.option("--host", default=None, help="Listen address (default MOTCUA_HTTP_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default MOTCUA_HTTP_PORT, 8080).")
def run_service(host: str | None, port: int | None) -> None:
    """Chạy dịch vụ: web chat, Telegram, Zalo / run the service (web chat, Telegram, Zalo)."""
    import logging

    from aiohttp import web

    from bot.app import create_app
    from bot.config import get_settings

    settings = get_settings()
    host = host or settings.http_host
    port = port or settings.http_port
    if logging.getLogger().level > logging.INFO:
        logging.getLogger("bot").setLevel(logging.INFO)  # say which channels run and where

    def announce(_message: str) -> None:
        click.echo(f"motcua: web chat at http://{host}:{port}/ (Ctrl+C to stop)")

    web.run_app(create_app(settings), host=host, port=port, print=announce, shutdown_timeout=30, access_log=None)
