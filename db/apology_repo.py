"""Apology letters (form 04), one per dossier: drafted by the sweep, edited while a draft, approved
once (a conditional UPDATE draft → sent, so two officials pressing "send" produce one letter)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.dossier_repo import reschedule_in
from db.engine import Database
from db.models.base import utcnow
from db.models.officials import Official
from db.models.reminders import Apology
from db.outbox_repo import Planned, enqueue_in

CHUNK = 500


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


async def draft_apologies(db: Database, drafts: Sequence[dict], now: datetime | None = None) -> int:
    """Insert drafts (``dossier_id, agency_code, official_id, reason, new_due_at``); a dossier that
    already has a letter keeps it. Returns how many were new."""
    now = now or utcnow()
    rows = [{**d, "status": "draft", "drafted_at": now, "approved_by_name": "", "recipients": 0} for d in drafts]
    new = 0
    stmt = _insert(db)(Apology).on_conflict_do_nothing(index_elements=["dossier_id"])
    async with db.transaction() as session:
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            existing = set(await session.scalars(
                select(Apology.dossier_id).where(Apology.dossier_id.in_([r["dossier_id"] for r in chunk]))))
            todo = [r for r in chunk if r["dossier_id"] not in existing]
            if todo:
                await session.execute(stmt, todo)
                new += len(todo)
    return new


async def apologies_for(db: Database, dossier_ids: Sequence[int]) -> dict[int, Apology]:
    ids = list(dossier_ids)
    found: dict[int, Apology] = {}
    async with db.session() as session:
        for i in range(0, len(ids), CHUNK):
            found.update({a.dossier_id: a for a in await session.scalars(
                select(Apology).where(Apology.dossier_id.in_(ids[i : i + CHUNK])))})
    return found


async def apology_for(db: Database, dossier_id: int) -> Apology | None:
    async with db.session() as session:
        return await session.scalar(select(Apology).where(Apology.dossier_id == dossier_id))


async def update_draft(db: Database, apology_id: int, *, reason: str | None = None,
                       new_due_at: datetime | None = None) -> bool:
    values = {}
    if reason is not None:
        values["reason"] = reason
    if new_due_at is not None:
        values["new_due_at"] = new_due_at
    async with db.transaction() as session:
        done = await session.execute(
            update(Apology).where(Apology.id == apology_id, Apology.status == "draft").values(**values)
        )
    return bool(done.rowcount)


async def approve(db: Database, apology: Apology, dossier_code: str, official: Official, text: str,
                  letters: Sequence[Planned], now: datetime | None = None) -> bool:
    """Approve the draft exactly as read (``apology``'s reason and new date — what the official saw):
    in one transaction, record who, when and the text, store the new date on the dossier (once only:
    ``reschedule_in``) and queue the letter to the subscribed chats. False when the draft is no
    longer that one (approved by someone first, or its reason or date changed since it was read);
    ``AlreadyRescheduled`` / ``ValueError`` from the dossier leave nothing written."""
    now = now or utcnow()
    async with db.transaction() as session:
        done = await session.execute(
            update(Apology).where(Apology.id == apology.id, Apology.status == "draft",
                                  Apology.reason == apology.reason, Apology.new_due_at == apology.new_due_at)
            .values(status="sent", approved_by=official.id, approved_by_name=official.name, approved_at=now,
                    text=text, recipients=len(letters))
        )
        if not done.rowcount:
            return False
        await reschedule_in(session, dossier_code, apology.new_due_at, apology.reason, at=now, same_date_ok=True)
        await enqueue_in(session, db, letters, now)
    return True


async def apology_by_id(db: Database, apology_id: int) -> Apology | None:
    async with db.session() as session:
        return await session.get(Apology, apology_id)
