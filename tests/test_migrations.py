"""The migrations are the schema: a database brought up by Alembic holds exactly the tables,
columns and indexes the models declare (what an operator's ``alembic upgrade head`` gives is what
the code expects), and every migration can be undone and redone."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.engine import Database
from db.migrate import alembic_config
from db.models import Base

# Declared in a migration only, on purpose (see its docstring): an expression index the models
# cannot spell.
MIGRATION_ONLY_INDEXES = {"ix_dossiers_running_agency_effective_due"}
# SQLite cannot reflect it and says so.
pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")


def test_the_migrations_have_one_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several heads — add a merge revision: {heads}"


def _differences(sync_connection) -> list:
    context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
    found = []
    for diff in compare_metadata(context, Base.metadata):
        ops = diff if isinstance(diff, list) else [diff]  # column changes come as a list of tuples
        for op in ops:
            if op[0] == "remove_index" and op[1].name in MIGRATION_ONLY_INDEXES:
                continue
            found.append(op)
    return found


def _downgrade_and_upgrade(sync_connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = sync_connection
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "heads")


async def _check(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
        async with database.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
        async with database.engine.begin() as conn:
            await conn.run_sync(_downgrade_and_upgrade)
        async with database.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await database.dispose()


async def test_sqlite_schema_matches_the_models_and_migrations_round_trip(sqlite_url):
    await _check(sqlite_url)


@pytest.mark.postgres
async def test_postgres_schema_matches_the_models_and_migrations_round_trip(postgres_url):
    await _check(postgres_url)
