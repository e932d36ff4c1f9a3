"""The catalogue the conversation answers from: the search index over the procedures in the
database, rebuilt when the table changes and swapped in one assignment (readers never see a
half-built index)."""

from __future__ import annotations

import asyncio
import logging
from functools import cache

from db.catalogue_repo import catalogue_version, count_procedures, load_procedures, upsert_procedures
from db.engine import Database
from knowledge.catalogue.bundled import load_bundled
from knowledge.catalogue.model import Procedure
from knowledge.common import load_common
from knowledge.search import SearchIndex

log = logging.getLogger(__name__)


@cache
def popular_codes() -> frozenset[str]:
    """The procedures citizens use most: the bundled default catalogue's and the curated list's."""
    return frozenset(p.code for p in load_bundled()) | frozenset(load_common())


def build_index(procedures: list[Procedure]) -> SearchIndex:
    return SearchIndex(procedures, popular=popular_codes(), aliases=load_common())


class Catalogue:
    def __init__(self, index: SearchIndex, version: str = "") -> None:
        self.index = index
        self.version = version
        self._lock = asyncio.Lock()

    @classmethod
    async def load(cls, db: Database, *, seed_bundled: bool = True) -> Catalogue:
        """The index over the database's procedures; an empty database first receives the bundled
        default catalogue, so that a fresh install answers real questions."""
        if seed_bundled and (await count_procedures(db))["total"] == 0:
            stats = await upsert_procedures(db, load_bundled())
            log.info("seeded the bundled catalogue: %d procedures", stats.inserted)
        version = await catalogue_version(db)
        procedures = await load_procedures(db)
        index = await asyncio.to_thread(build_index, procedures)
        return cls(index, version)

    async def refresh(self, db: Database) -> bool:
        """Rebuild the index if the catalogue changed since it was built; True when swapped."""
        async with self._lock:
            version = await catalogue_version(db)
            if version == self.version:
                return False
            procedures = await load_procedures(db)
            self.index = await asyncio.to_thread(build_index, procedures)
            self.version = version
            log.info("catalogue reloaded: %d procedures", len(self.index))
            return True
