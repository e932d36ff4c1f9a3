"""Small things every command needs: run a coroutine, open the configured (migrated) database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from bot.config import Settings, get_settings
from db.engine import Database

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@asynccontextmanager
async def open_database(settings: Settings | None = None) -> AsyncIterator[Database]:
    """The configured database, migrated to the newest schema, disposed of on exit."""
    settings = settings or get_settings()
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        yield db
    finally:
        await db.dispose()
