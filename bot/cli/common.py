"""Small things every command needs: run a coroutine, open the configured (migrated) database.

Imported by every command module, so it imports nothing heavy itself (asyncio, the settings,
SQLAlchemy): a command's --help stays as quick as ``motcua --help`` (bot/cli/__init__.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.config import Settings
    from db.engine import Database

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    import asyncio

    return asyncio.run(coro)


@asynccontextmanager
async def open_database(settings: Settings | None = None) -> AsyncIterator[Database]:
    """The configured database, migrated to the newest schema, disposed of on exit."""
    from bot.config import get_settings
    from db.engine import Database

    settings = settings or get_settings()
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        yield db
    finally:
        await db.dispose()
