"""Async engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web process read while an import or the sweep writes; busy_timeout makes a
    # second writer wait instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class _WriterLock:
    """One writing transaction at a time in this process, for SQLite: its writers otherwise wait
    for each other inside SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and
    turns a burst of chats into seconds of latency. Other processes (an import running beside the
    service) are still handled by SQLite's busy timeout.

    The turn is a ``threading.Lock``: ``Database.run_write`` takes it in its worker thread, only
    for as long as SQLite works; the async transactions (``begin``, ``transaction``) take it for
    their whole block, one task after another (``_queue``), reentrant within a task, so a
    repository that opens a transaction inside another one's cannot deadlock. A grouped write
    (``db.batch``) flushes in a task of its own: never await one while holding a transaction."""

    def __init__(self) -> None:
        self.turn = threading.Lock()
        self._queue = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        self._depth = 0

    def held_by_current_task(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if self._owner is task and task is not None:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        async with self._queue:
            if not self.turn.acquire(blocking=False):  # a run_write is writing: wait in a thread
                waiting = asyncio.get_running_loop().run_in_executor(None, self.turn.acquire)
                try:
                    await asyncio.shield(waiting)
                except asyncio.CancelledError:
                    waiting.add_done_callback(lambda _f: self.turn.release())  # acquired later: give it back
                    raise
            self._owner, self._depth = task, 1
            try:
                yield
            finally:
                self._owner, self._depth = None, 0
                self.turn.release()


class Database:
    """One engine and its session factory; handed to whatever needs the database."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        kwargs: dict = {"echo": echo}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = _WriterLock() if self.is_sqlite else None
        self._sync: Engine | None = None  # SQLite: run_write's engine, made on first use

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold this process's SQLite writer turn (nothing on PostgreSQL)."""
        if self._writer is None:
            yield
        else:
            async with self._writer.hold():
                yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on error."""
        async with self.writing(), self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection in a transaction, for small hot-path statements (no ORM session)."""
        async with self.writing(), self.engine.begin() as connection:
            yield connection

    async def run_write(self, work: Callable[[Connection], T]) -> T:
        """``work(connection)`` in one transaction, committed when it returns. For the hot paths
        (the inbox, the outbox, chat states). On a SQLite file the whole transaction runs in a
        worker thread on a synchronous connection — one hop across the event loop instead of two
        per statement, so the writer's turn is held only while SQLite works, not while the loop is
        busy answering other messages."""
        if (self._writer is not None and self.url.database not in (None, "", ":memory:")
                and not self._writer.held_by_current_task()):
            return await asyncio.to_thread(self._write_in_thread, work)
        async with self.writing(), self.engine.begin() as connection:
            return await connection.run_sync(work)

    def _write_in_thread(self, work: Callable[[Connection], T]) -> T:
        assert self._writer is not None
        with self._writer.turn:
            if self._sync is None:
                self._sync = create_engine(self.url.set(drivername="sqlite"),
                                           connect_args={"check_same_thread": False})  # pooled across threads
                event.listen(self._sync, "connect", _sqlite_pragmas)
            with self._sync.begin() as connection:
                return work(connection)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection for reads."""
        async with self.engine.connect() as connection:
            yield connection

    async def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic), on this engine's connection."""
        from db.migrate import upgrade

        await upgrade(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._sync is not None:
            self._sync.dispose()
