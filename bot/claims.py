"""Claim webhook events in batches: while one claim transaction is in flight, the events that
arrive meanwhile wait and are claimed together in the next one. A burst of updates costs a few
transactions instead of one each; a lone update is claimed at once (no timer, no added delay)."""

from __future__ import annotations

import asyncio

from db.channels_repo import claim_updates
from db.engine import Database


class ClaimBatcher:
    def __init__(self, db: Database, max_batch: int = 1000) -> None:
        self.db = db
        self.max_batch = max_batch
        self._pending: list[tuple[str, str, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task | None = None

    async def claim(self, channel: str, update_id: str) -> bool:
        """True for the first claim of this event across replicas, retries and restarts."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((channel, update_id[:128], future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush(), name="claim batch")
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                claimed = await claim_updates(self.db, [(channel, update_id) for channel, update_id, _ in batch])
            except Exception as exc:  # noqa: BLE001  (each waiter decides what a failed claim means)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            given: set[tuple[str, str]] = set()
            for channel, update_id, future in batch:
                key = (channel, update_id)
                first = key in claimed and key not in given  # the same event twice in one batch: once
                given.add(key)
                if not future.done():
                    future.set_result(first)
