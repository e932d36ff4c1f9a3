"""Dossier queries for officials, each one limited to the official's scope: the dossiers received by
their agency and by the agencies it covers (``knowledge.agency.covers``). Every function takes the
official; the official commands use nothing else, so no command can reach another agency's dossier.

How the scope becomes an indexed query: the distinct agency codes are read with a skip scan of an
index that leads with ``agency_code`` (a recursive query, one index probe per agency: a province has
hundreds, not millions), the official's codes are picked in Python by the nesting rule, and the
dossiers are then counted with ``agency_code IN (...)`` on the same index and listed per agency,
merged (``soonest_ids``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from db.dossier_repo import DossierRecord, find_dossier
from db.engine import Database
from db.models.dossiers import Dossier
from db.models.officials import Official
from knowledge.agency import covers
from knowledge.dossiers.code import DossierCode, parse_code

# The same text as the partial indexes' predicate (db.models.dossiers.RUNNING_WHERE), so that both
# databases see at once that the index applies.
RUNNING = text("dossiers.status IN (2, 4)")
# When a running dossier is due now: the apology letter's new appointment once one was set (the
# date the agency promised and must keep), else the original due time. The same expression as the
# index ix_dossiers_running_agency_effective_due (migrations 0009, 0012), which serves these ranges.
EFFECTIVE_DUE = func.coalesce(Dossier.rescheduled_due_at, Dossier.due_at)


def _skip_scan(running: bool) -> str:
    where = "status IN (2, 4) AND " if running else ""
    return (
        "WITH RECURSIVE codes(code) AS ("
        f" SELECT (SELECT MIN(agency_code) FROM dossiers WHERE {where}agency_code IS NOT NULL)"
        " UNION ALL"
        f" SELECT (SELECT MIN(agency_code) FROM dossiers WHERE {where}agency_code > codes.code)"
        " FROM codes WHERE codes.code IS NOT NULL"
        ") SELECT code FROM codes WHERE code IS NOT NULL"
    )


async def agency_codes(db: Database, *, running: bool = False) -> list[str]:
    """Every agency code that received a dossier (``running``: that has a running dossier now)."""
    async with db.session() as session:
        return list((await session.execute(text(_skip_scan(running)))).scalars())


def codes_in_scope(official: Official, codes: Iterable[str]) -> list[str]:
    return sorted({c for c in codes if covers(official.agency_code, c)} | {official.agency_code})


async def scope_codes(db: Database, official: Official, *, running: bool = False) -> list[str]:
    return codes_in_scope(official, await agency_codes(db, running=running))


@dataclass
class Page:
    total: int
    items: list[Dossier]


AGENCIES_PER_QUERY = 200  # SQLite allows 500 terms in a compound SELECT


async def soonest_ids(session: AsyncSession, codes: Iterable[str], *where, limit: int, offset: int = 0) -> list[int]:
    """The ids of the running dossiers of these agencies matching ``where``, by effective due time
    (then id), one page. Read per agency and merged: each agency's first ``offset + limit`` come in
    index order from (agency_code, effective due), where one query over ``agency_code IN (...)``
    would read and sort every match of every agency (at 1,000,000 demo dossiers, 50,000 of them).
    A province's hundreds of agencies go in groups, each group's first rows merged here."""
    codes = list(codes)
    first = offset + limit
    found: list[tuple] = []
    for start in range(0, len(codes), AGENCIES_PER_QUERY):
        per_agency = [select(Dossier.id, EFFECTIVE_DUE.label("due")).where(RUNNING, Dossier.agency_code == code, *where)
                      .order_by(EFFECTIVE_DUE, Dossier.id).limit(first).subquery()
                      for code in codes[start : start + AGENCIES_PER_QUERY]]
        merged = union_all(*(select(part.c.id, part.c.due) for part in per_agency)).subquery()
        group = select(merged.c.id, merged.c.due).order_by(merged.c.due, merged.c.id).limit(first)
        found.extend((due, id_) for id_, due in (await session.execute(group)).all())
    found.sort()
    return [id_ for _, id_ in found[offset:first]]


async def _running_page(db: Database, official: Official, *where, limit: int, offset: int) -> Page:
    codes = await scope_codes(db, official, running=True)
    condition = and_(RUNNING, Dossier.agency_code.in_(codes), *where)
    async with db.session() as session:
        total = await session.scalar(select(func.count()).select_from(Dossier).where(condition)) or 0
        ids = await soonest_ids(session, codes, *where, limit=limit, offset=offset) if total else []
        found = {d.id: d for d in await session.scalars(select(Dossier).where(Dossier.id.in_(ids)))} if ids else {}
    return Page(total, [found[i] for i in ids if i in found])


async def overdue_for(db: Database, official: Official, now: datetime, *, limit: int = 20, offset: int = 0) -> Page:
    """Running dossiers in scope past their (effective) due time, the longest overdue first. A
    dossier whose new appointment is still ahead is not listed (/thong_ke still counts it late:
    db.report_repo)."""
    return await _running_page(db, official, EFFECTIVE_DUE < now, limit=limit, offset=offset)


async def due_for(db: Database, official: Official, start: datetime, end: datetime, *, limit: int = 20,
                  offset: int = 0) -> Page:
    """Running dossiers in scope (effectively) due in [start, end), soonest first."""
    return await _running_page(db, official, EFFECTIVE_DUE >= start, EFFECTIVE_DUE < end, limit=limit, offset=offset)


async def dossier_for(db: Database, official: Official, code: DossierCode) -> DossierRecord | None:
    """The dossier with its history, or None when it does not exist OR is outside the scope (the
    caller cannot tell the two apart, and says the same thing for both)."""
    record = await find_dossier(db, code)
    if record is None or not covers(official.agency_code, record.dossier.agency_code):
        return None
    return record


async def dossier_by_id_for(db: Database, official: Official, dossier_id: int) -> DossierRecord | None:
    """Like ``dossier_for``, by the dossier's id (the buttons carry ids)."""
    async with db.session() as session:
        code = await session.scalar(select(Dossier.code).where(Dossier.id == dossier_id))
    parsed = parse_code(code) if code is not None else None
    return await dossier_for(db, official, parsed) if parsed is not None else None
