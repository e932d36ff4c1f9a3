"""Reminders planned by the sweep (and ``/nhac``): one row per (dossier, official, kind, working day),
unique, written in the same transaction as the outbox row that carries them, so a reminder is never
planned twice and never recorded without its message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.reminders import Reminder
from db.outbox_repo import Planned, enqueue_in

CHUNK = 1000


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


async def plan_reminders(
    db: Database, message: Planned, *, official_id: int, kind: str, day: date, dossier_ids: Sequence[int],
    now: datetime | None = None,
) -> bool:
    """Plan ``message`` (a digest or a nudge) and record a reminder for each dossier it names. False,
    and nothing written, when the message's key was planned before."""
    now = now or utcnow()
    async with db.transaction() as session:
        if not await enqueue_in(session, db, [message], now):
            return False
        rows = [{"dossier_id": d, "official_id": official_id, "kind": kind, "day": day, "planned_at": now}
                for d in dict.fromkeys(dossier_ids)]
        stmt = _insert(db)(Reminder).on_conflict_do_nothing(index_elements=["dossier_id", "official_id", "kind", "day"])
        for i in range(0, len(rows), CHUNK):
            await session.execute(stmt, rows[i : i + CHUNK])
    return True


async def reminder_at(db: Database, dossier_id: int, official_id: int, kind: str, day: date) -> datetime | None:
    async with db.session() as session:
        return await session.scalar(select(Reminder.planned_at).where(
            Reminder.dossier_id == dossier_id, Reminder.official_id == official_id, Reminder.kind == kind,
            Reminder.day == day))


async def reminders_of(db: Database, *, day: date | None = None, kind: str | None = None) -> list[Reminder]:
    stmt = select(Reminder).order_by(Reminder.id)
    if day is not None:
        stmt = stmt.where(Reminder.day == day)
    if kind is not None:
        stmt = stmt.where(Reminder.kind == kind)
    async with db.session() as session:
        return list(await session.scalars(stmt))
