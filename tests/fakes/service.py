"""Run the real motcua application (``bot.app.create_app``) on 127.0.0.1 and a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bot.app import SERVICE, create_app
from bot.config import Settings
from bot.service import Service
from tests.fakes.server import LocalServer


class RunningService:
    def __init__(self, server: LocalServer, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = http

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def service(self) -> Service:
        return self.server.app[SERVICE]

    async def post(self, path: str, *, json_body: Any = None, data: bytes | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.http.post(self.url + path, json=json_body, data=data, headers=headers) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = await response.text()
            return response.status, body

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.url + path) as response:
            return response.status, await response.text()

    async def stop(self) -> None:
        await self.server.stop()


@asynccontextmanager
async def running_service(settings: Settings, **options: Any) -> AsyncIterator[RunningService]:
    app = await create_app(settings, **options)
    server = await LocalServer(app).start()
    async with aiohttp.ClientSession() as http:
        running = RunningService(server, http)
        try:
            yield running
        finally:
            await running.stop()
