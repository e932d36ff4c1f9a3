"""Alembic, driven from code: ``await upgrade(engine)`` brings any database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    def run(sync_connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_connection
        command.upgrade(cfg, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def revisions(engine: AsyncEngine) -> tuple[str, ...]:
    """The revisions the database is at (empty: no schema yet, a brand-new database)."""
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return tuple(await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))
