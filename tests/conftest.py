"""Shared fixtures: a real migrated SQLite database per test, a fresh PostgreSQL database when
``MOTCUA_TEST_POSTGRES_URL`` is set, the path of the shared national catalogue, a fake Telegram
Bot API, and a conversation (``chat``, through the test channel)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.engine import Database

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MOTCUA_SHARED_DIR", REPO.parent / "shared"))
POSTGRES_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL")


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "catalogue").is_dir():
        pytest.skip(f"the shared catalogue is not at {SHARED} (set MOTCUA_SHARED_DIR)")
    return SHARED


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'motcua.db'}"


@pytest.fixture
async def db(sqlite_url: str):
    database = Database(sqlite_url)
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def bundled_index():
    """The search index over the bundled default catalogue (40 procedures; built once)."""
    from handlers.catalogue import build_index
    from knowledge.catalogue.bundled import load_bundled

    return build_index(load_bundled())


@pytest.fixture
async def deps(db, bundled_index):
    """The core's dependencies on a fresh SQLite database holding the bundled catalogue."""
    from db.catalogue_repo import upsert_procedures
    from handlers.catalogue import Catalogue
    from handlers.deps import Deps
    from knowledge.catalogue.bundled import load_bundled

    await upsert_procedures(db, load_bundled())
    return Deps(db=db, catalogue=Catalogue(bundled_index))


@pytest.fixture
def chat(deps):
    from tests.chat import Chat

    return Chat(deps)


@pytest.fixture
async def bot_api():
    """A fake Telegram Bot API on 127.0.0.1 (tests/fakes/telegram_api.py)."""
    from tests.fakes.telegram_api import FakeBotApi

    api = await FakeBotApi().start()
    yield api
    await api.stop()


def needs_postgres(request: pytest.FixtureRequest) -> str:
    """The skip reason of a PostgreSQL test: that it needs a server, and for what — its own name in
    words ("two replicas on postgres deliver every message exactly once"), not one reason for all."""
    name = getattr(request.node, "originalname", None) or request.node.name
    return (f"needs PostgreSQL (set MOTCUA_TEST_POSTGRES_URL) to check: "
            f"{name.removeprefix('test_').replace('_', ' ')}")


@pytest.fixture
async def postgres_url(request: pytest.FixtureRequest):
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip(needs_postgres(request))
    admin_url = make_url(POSTGRES_URL)
    name = f"motcua_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
async def pg_db(postgres_url: str):
    database = Database(postgres_url)
    await database.migrate()
    yield database
    await database.dispose()
