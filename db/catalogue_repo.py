"""The ``procedures`` table: store, read and version the catalogue.

Writes are idempotent and never make the catalogue poorer: a code stored from a richer source
(``SOURCE_RANK``) is not replaced by a poorer one, and an unchanged record (same content hash) is not
rewritten — so a re-import touches nothing and ``catalogue_version`` stays the same. The rule is in
the ``INSERT … ON CONFLICT DO UPDATE … WHERE`` itself, so two importers running at once on PostgreSQL
cannot undo each other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.catalogue import ProcedureRow
from knowledge.catalogue.merge import merge, rank_key
from knowledge.catalogue.model import SOURCE_RANK, Procedure
from knowledge.text import clean, fold

BATCH = 500  # rows per statement: 500 × 12 parameters stays far below SQLite's limit


@dataclass
class UpsertStats:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # same content already stored
    kept_richer: int = 0  # a richer source's record is stored: left alone

    @property
    def changed(self) -> int:
        return self.inserted + self.updated


def content_hash(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _row(p: Procedure) -> dict:
    record = p.model_dump(mode="json")
    return {
        "code": p.code,
        "name": p.name,
        "name_folded": fold(p.name),
        "source": p.source,
        "source_rank": SOURCE_RANK.get(p.source, 0),
        "detailed": p.detailed,
        "kind": p.kind,
        "field": p.field,
        "record": record,
        "content_hash": content_hash(record),
        "retrieved_at": p.retrieved_at,
        "updated_at": utcnow(),
    }


async def upsert_procedures(db: Database, procedures: Iterable[Procedure]) -> UpsertStats:
    """Store procedures by code, in one transaction. A code given twice keeps its richest record;
    a code already stored is merged with the stored record exactly as one import merges its
    sources (``knowledge.catalogue.merge``), so importing sources one at a time gives the same
    catalogue as importing them together."""
    incoming = {p.code: p for p in merge(procedures).procedures}
    stats = UpsertStats()
    insert = pg_insert if db.is_postgres else sqlite_insert
    table = ProcedureRow.__table__
    codes = list(incoming)
    async with db.transaction() as session:
        for start in range(0, len(codes), BATCH):
            batch = codes[start:start + BATCH]
            stored = {
                code: (Procedure.model_validate(record), digest)
                for code, record, digest in await session.execute(
                    select(table.c.code, table.c.record, table.c.content_hash).where(table.c.code.in_(batch)))
            }
            todo = []
            for code in batch:
                new = incoming[code]
                old = stored.get(code)
                if old is None:
                    stats.inserted += 1
                    todo.append(_row(new))
                    continue
                same = (new.source, new.retrieved_at) == (old[0].source, old[0].retrieved_at)
                # The same record read again: today's importer reads it better than the stored copy.
                row = _row(new if same else merge([new, old[0]]).procedures[0])
                if row["content_hash"] == old[1]:
                    if rank_key(old[0]) > rank_key(new):
                        stats.kept_richer += 1
                    else:
                        stats.unchanged += 1
                    continue
                stats.updated += 1
                todo.append(row)
            if not todo:
                continue
            stmt = insert(table).values(todo)
            excluded = stmt.excluded
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.code],
                set_={c: excluded[c] for c in todo[0] if c != "code"},
                # The row was merged with the stored one read above (``merge`` decides, a curated
                # record over an older source included): only an unchanged row is left alone.
                where=table.c.content_hash != excluded.content_hash,
            )
            await session.execute(stmt)
    return stats


async def load_procedures(db: Database) -> list[Procedure]:
    """The whole catalogue, by code (for the in-memory search index)."""
    async with db.session() as session:
        result = await session.execute(select(ProcedureRow.record).order_by(ProcedureRow.code))
        return [Procedure.model_validate(record) for record in result.scalars()]


async def get_procedure(db: Database, code: str) -> Procedure | None:
    code = clean(code)
    if not code:
        return None
    async with db.session() as session:
        record = await session.scalar(select(ProcedureRow.record).where(ProcedureRow.code == code))
        return Procedure.model_validate(record) if record is not None else None


async def procedure_codes(db: Database) -> list[str]:
    async with db.session() as session:
        return list(await session.scalars(select(ProcedureRow.code).order_by(ProcedureRow.code)))


async def catalogue_version(db: Database) -> str:
    """Changes whenever the table does (a row added, changed or removed): "count:last update"."""
    async with db.session() as session:
        count, last = (await session.execute(select(func.count(), func.max(ProcedureRow.updated_at)))).one()
    return f"{count}:{last.isoformat() if hasattr(last, 'isoformat') else last or ''}"


async def count_procedures(db: Database) -> dict:
    """{"total": n, "detailed": n, "by_source": {source: n}}."""
    async with db.session() as session:
        by_source = dict((await session.execute(
            select(ProcedureRow.source, func.count()).group_by(ProcedureRow.source))).all())
        detailed = await session.scalar(select(func.count()).where(ProcedureRow.detailed.is_(True)))
    return {"total": sum(by_source.values()), "detailed": detailed or 0, "by_source": dict(sorted(by_source.items()))}
