"""The catalogue the conversation answers from: the search index over the procedures in the
database, rebuilt when the table changes and swapped in one assignment (readers never see a
half-built index)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from functools import cache
from pathlib import Path

from db.catalogue_repo import catalogue_version, count_procedures, load_procedures, upsert_procedures
from db.engine import Database
from knowledge.catalogue.bundled import load_bundled
from knowledge.catalogue.model import Procedure
from knowledge.common import load_common
from knowledge.search import SearchIndex

log = logging.getLogger(__name__)


def build_index(procedures: list[Procedure], curated: bool = True) -> SearchIndex:
    """The search index; ``curated=False`` (MOTCUA_SEARCH_CURATED=0) leaves out the hand-curated
    everyday names, to measure (or serve) what the search does without them."""
    return SearchIndex(procedures, aliases=load_common() if curated else None)


# What an index is built from besides the catalogue: when any of these files changes, a cached
# index is stale.
_INDEX_INPUTS = [
    Path(__file__).resolve().parent.parent / "knowledge" / name
    for name in ("search.py", "query.py", "text.py", "common.py", "catalogue/model.py", "data/synonyms.txt",
                 "data/question_words.toml", "data/actions.toml", "actions.py", "data/english.txt", "english.py", "data/common_procedures.txt", "data/catalogue.json")
]


@cache
def _inputs_fingerprint() -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in _INDEX_INPUTS:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class IndexCache:
    """A built index kept on disk (the data directory), so that a command or a restart over an
    unchanged catalogue starts in a second instead of rebuilding. Keyed by the catalogue version
    and a fingerprint of the search code and data files; only the latest one is kept. The file is
    ours, written next to the database we already trust."""

    def __init__(self, directory: Path, curated: bool = True) -> None:
        self.directory = Path(directory)
        self.curated = curated

    def _path(self, version: str) -> Path:
        key = hashlib.sha256(f"{version}|{_inputs_fingerprint()}|{self.curated}".encode()).hexdigest()[:24]
        return self.directory / f"search-index-{key}.pickle"

    def get(self, version: str) -> SearchIndex | None:
        try:
            with self._path(version).open("rb") as f:
                index = pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception:  # a truncated or foreign file: rebuild
            log.warning("search index cache unreadable, rebuilding", exc_info=True)
            return None
        return index if isinstance(index, SearchIndex) else None

    def put(self, version: str, index: SearchIndex) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self._path(version)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".search-index-")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # atomic: a reader never sees half a file
            for old in self.directory.glob("search-index-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:
            log.warning("could not write the search index cache", exc_info=True)


class Catalogue:
    def __init__(self, index: SearchIndex, version: str = "", cache: IndexCache | None = None,
                 curated: bool = True) -> None:
        self.index = index
        self.version = version
        self.cache = cache
        self.curated = curated
        self._lock = asyncio.Lock()

    @classmethod
    async def load(cls, db: Database, *, seed_bundled: bool = True, cache: IndexCache | None = None,
                   curated: bool = True) -> Catalogue:
        """The index over the database's procedures; an empty database first receives the bundled
        default catalogue, so that a fresh install answers real questions."""
        if seed_bundled and (await count_procedures(db))["total"] == 0:
            stats = await upsert_procedures(db, load_bundled())
            log.info("seeded the bundled catalogue: %d procedures", stats.inserted)
        catalogue = cls(SearchIndex([]), "", cache, curated)
        await catalogue.refresh(db)
        return catalogue

    async def refresh(self, db: Database) -> bool:
        """Rebuild the index if the catalogue changed since it was built; True when swapped."""
        async with self._lock:
            version = await catalogue_version(db)
            if version == self.version:
                return False
            index = await asyncio.to_thread(self.cache.get, version) if self.cache else None
            if index is None:
                procedures = await load_procedures(db)
                index = await asyncio.to_thread(build_index, procedures, self.curated)
                if self.cache:
                    await asyncio.to_thread(self.cache.put, version, index)
            self.index, self.version = index, version
            log.info("catalogue loaded: %d procedures", len(index))
            return True
