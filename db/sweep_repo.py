"""The reminder sweep's queries. Each is a range of the partial expression index ``(agency_code,
coalesce(rescheduled_due_at, due_at)) WHERE status IN (2, 4)`` (the effective due time: an apology's
new appointment once set) for a list of agency codes, so the work grows with what is due, not with
the million finished dossiers beside it:

- ``running_agencies``: the agencies that have running dossiers (a skip scan: one probe each);
- ``bucket``: how many running dossiers of those agencies are (effectively) due in [lo, hi), and
  the first few by that time (what a digest lists);
- ``record_reminders_in``: the reminder rows of a digest, written by ONE ``INSERT ... SELECT`` over
  the same range (the dossier ids never travel to Python: a digest may stand for thousands);
- ``draft_apologies_between``: apology drafts for the range, likewise, one per dossier at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models.dossiers import Dossier
from db.models.reminders import Apology, Reminder
from db.scoped_dossiers import EFFECTIVE_DUE, RUNNING, agency_codes, soonest_ids


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    code: str
    agency_code: str
    agency_name: str
    due_at: datetime
    rescheduled_due_at: datetime | None


@dataclass(frozen=True)
class Bucket:
    count: int
    first: list[DueRow]


async def running_agencies(db: Database) -> list[str]:
    return await agency_codes(db, running=True)


def _due(lo: datetime | None, hi: datetime) -> tuple:
    """Effectively due in [lo, hi): a rescheduled dossier is reminded against its new appointment."""
    return (EFFECTIVE_DUE < hi,) if lo is None else (EFFECTIVE_DUE >= lo, EFFECTIVE_DUE < hi)


def _range(codes: Sequence[str], lo: datetime | None, hi: datetime):
    """Running dossiers of these agencies effectively due in [lo, hi)."""
    return and_(RUNNING, Dossier.agency_code.in_(list(codes)), *_due(lo, hi))


async def bucket(db: Database, codes: Sequence[str], lo: datetime | None, hi: datetime, *, limit: int) -> Bucket:
    """Running dossiers of these agencies due in [lo, hi): the count and the first ``limit``."""
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(Dossier).where(_range(codes, lo, hi))) or 0
        ids = await soonest_ids(session, codes, *_due(lo, hi), limit=limit) if count else []
        rows = await session.execute(
            select(Dossier.id, Dossier.code, Dossier.agency_code, Dossier.agency_name, Dossier.due_at,
                   Dossier.rescheduled_due_at).where(Dossier.id.in_(ids))
        ) if ids else []
        found = {row.id: DueRow(*row) for row in rows}
        return Bucket(count, [found[i] for i in ids if i in found])


async def record_reminders_in(session: AsyncSession, db: Database, *, official_id: int, kind: str, day: date,
                              codes: Sequence[str], lo: datetime | None, hi: datetime, now: datetime) -> int:
    """One reminder row per dossier of the range, inside the caller's (digest's) transaction."""
    chosen = select(Dossier.id, literal(official_id), literal(kind), literal(day), literal(now, Reminder.planned_at.type)
                    ).where(_range(codes, lo, hi))
    stmt = _insert(db)(Reminder).from_select(["dossier_id", "official_id", "kind", "day", "planned_at"], chosen)
    stmt = stmt.on_conflict_do_nothing(index_elements=["dossier_id", "official_id", "kind", "day"])
    return (await session.execute(stmt)).rowcount or 0


async def draft_apologies_between(db: Database, *, agency_code: str, lo: datetime | None, hi: datetime,
                                  official_id: int | None, reason: str, new_due_at: datetime, now: datetime) -> int:
    """A draft for each running dossier of the agency due in [lo, hi) without a new date yet and
    without a letter; returns how many were drafted. Dossiers that have one already are skipped in
    the SELECT (not left to the conflict): a muted agency's drafting runs every sweep."""
    drafted = select(Apology.id).where(Apology.dossier_id == Dossier.id).exists()
    chosen = select(
        Dossier.id, Dossier.agency_code, literal(official_id, Apology.official_id.type), literal(reason),
        literal(new_due_at, Apology.new_due_at.type), literal("draft"), literal(now, Apology.drafted_at.type),
        literal(""), literal(0),
    ).where(_range([agency_code], lo, hi), Dossier.rescheduled_due_at.is_(None), ~drafted)
    stmt = _insert(db)(Apology).from_select(
        ["dossier_id", "agency_code", "official_id", "reason", "new_due_at", "status", "drafted_at",
         "approved_by_name", "recipients"], chosen,
    ).on_conflict_do_nothing(index_elements=["dossier_id"])
    async with db.transaction() as session:
        return (await session.execute(stmt)).rowcount or 0
