"""Feedback (PAKN) items from the database's side: file one (its tracking code drawn from the day's
sequence row in the same transaction), answer, rate, the scope rule of who sees an item, the
routing rule of who is told, the open items for the sweep, each agency's own handling time.

**Who is told** (``route``): the responsible officials of the agency concerned (``responsible``:
the covering officials of its most specific agency, officers before heads); with no agency, or
nobody linked for it, the province-level officials — those whose agency code covers a whole
province (``000.00.00.H26``: depth 1 by ``knowledge.agency.depth``).

**Who sees it** (``sees``): an official whose agency covers the item's agency, and the
province-level officials when the item was routed to them. Everyone else — another agency's
official, another chat — is told that no such code exists, whether it exists or not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models.base import utcnow
from db.models.feedback import Feedback, FeedbackDeadline, FeedbackSequence
from db.models.officials import Official
from db.officials_repo import OfficialWithChats, responsible
from db.outbox_repo import Planned, enqueue_in
from knowledge.agency import covers, depth, normalise
from knowledge.calendar import VN_TZ, to_local
from knowledge.feedback import MAX_DAYS, format_code


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


def province_level(agency_code: str) -> bool:
    return depth(agency_code) <= 1


def sees(official: Official, item: Feedback) -> bool:
    """An item of an agency: the officials whose agency covers it (its province's included). An
    item of no agency: the province-level officials. Never another province's or a ministry's item."""
    if item.agency_code:
        return covers(official.agency_code, item.agency_code)
    return item.routed_province and province_level(official.agency_code)


def route(officials: Sequence[OfficialWithChats], agency_code: str | None) -> tuple[list[OfficialWithChats], bool]:
    """(who is told about an item of this agency, whether that is the province level)."""
    linked = [o for o in officials if o.chats]
    if agency_code:
        found = responsible(linked, agency_code)
        if found:
            return found, False
        # Nobody of the agency itself: the province-level officials over it, and only those.
        return [o for o in linked if province_level(o.official.agency_code)
                and covers(o.official.agency_code, agency_code)], True
    return [o for o in linked if province_level(o.official.agency_code)], True


@dataclass(frozen=True)
class NewFeedback:
    channel: str
    chat_id: str
    topic: str
    content: str
    received_at: datetime
    due_days: int
    due_at: datetime
    routed_province: bool
    dossier_code: str | None = None
    procedure_code: str | None = None
    agency_code: str | None = None
    agency_name: str = ""


async def _next_number(session: AsyncSession, db: Database, day) -> int:
    """The day's next sequence number. ON CONFLICT DO UPDATE takes the day's row lock until the
    transaction ends, so a concurrent filing (another replica) waits and gets the next number."""
    table = FeedbackSequence.__table__
    stmt = _insert(db)(table).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
    return (await session.execute(stmt.returning(table.c.last))).scalar_one()


async def file_feedback(db: Database, new: NewFeedback, plan: Callable[[Feedback], list[Planned]],
                        now: datetime | None = None) -> Feedback:
    """Store the item under a new code and, in the same transaction, the officials' notices
    ``plan(item)`` makes (so an item is never stored without its notices, nor notified twice)."""
    now = now or utcnow()
    async with db.transaction() as session:
        return await file_in(session, db, new, plan, now)


async def file_in(session: AsyncSession, db: Database, new: NewFeedback, plan: Callable[[Feedback], list[Planned]],
                  now: datetime) -> Feedback:
    """``file_feedback`` inside the caller's transaction (a handoff nobody took becomes an item in
    the transaction that closes it: ``db.handoff_repo.fall_back``)."""
    day = to_local(new.received_at, VN_TZ).date()
    number = await _next_number(session, db, day)
    item = Feedback(
        code=format_code(day, number), channel=new.channel, chat_id=new.chat_id, topic=new.topic,
        content=new.content, dossier_code=new.dossier_code, procedure_code=new.procedure_code,
        agency_code=new.agency_code, agency_name=new.agency_name, routed_province=new.routed_province,
        status="open", received_at=new.received_at, due_days=new.due_days, due_at=new.due_at,
        answered_by_name="", created_at=now,
    )
    session.add(item)
    await session.flush()
    await enqueue_in(session, db, plan(item), now)
    return item


async def feedback_by_code(db: Database, code: str) -> Feedback | None:
    async with db.session() as session:
        return await session.scalar(select(Feedback).where(Feedback.code == code))


async def filed_since(db: Database, channel: str, chat_id: str, since: datetime) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Feedback).where(
            Feedback.channel == channel, Feedback.chat_id == chat_id, Feedback.received_at >= since)) or 0


async def answer_feedback(db: Database, item: Feedback, official: Official, answer: str, now: datetime,
                          plan: Callable[[Feedback], list[Planned]]) -> Feedback | None:
    """Record the answer if the item is still open (two officials answering together: one wins)
    and plan ``plan(answered item)`` — the citizen's notice — in the same transaction. None when
    it was answered already."""
    async with db.transaction() as session:
        done = await session.execute(
            update(Feedback).where(Feedback.id == item.id, Feedback.status == "open")
            .values(status="answered", answer=answer, answered_at=now, answered_by=official.id,
                    answered_by_name=official.name)
            .execution_options(synchronize_session=False)
        )
        if not done.rowcount:
            return None
        fresh = await session.get(Feedback, item.id, populate_existing=True)
        await enqueue_in(session, db, plan(fresh), now)
    return fresh


async def rate_feedback(db: Database, item_id: int, level: str, now: datetime) -> bool:
    """The citizen's rating of the answer; it closes the item (the last rating wins)."""
    async with db.transaction() as session:
        done = await session.execute(
            update(Feedback).where(Feedback.id == item_id, Feedback.status.in_(("answered", "closed")))
            .values(rating=level, rated_at=now, status="closed")
            .execution_options(synchronize_session=False)
        )
    return bool(done.rowcount)


# --- open items: officials' lists, the sweep -------------------------------------------------------
async def _open_agencies(session: AsyncSession) -> list[str]:
    return list(await session.scalars(
        select(Feedback.agency_code).where(Feedback.status == "open", Feedback.agency_code.is_not(None)).distinct()))


def _scope(official: Official, codes: Sequence[str]):
    mine = [c for c in codes if covers(official.agency_code, c)]
    clauses = [Feedback.agency_code.in_(mine)] if mine else []
    if province_level(official.agency_code):  # items of no agency (those of an agency: covered above)
        clauses.append(and_(Feedback.routed_province.is_(True), Feedback.agency_code.is_(None)))
    return or_(*clauses) if clauses else None


async def open_for(db: Database, official: Official, *, limit: int) -> tuple[int, list[Feedback]]:
    """How many open items the official sees, and the first ``limit`` by due time."""
    async with db.session() as session:
        where = _scope(official, await _open_agencies(session))
        if where is None:
            return 0, []
        where = and_(Feedback.status == "open", where)
        count = await session.scalar(select(func.count()).select_from(Feedback).where(where)) or 0
        first = list(await session.scalars(select(Feedback).where(where).order_by(Feedback.due_at, Feedback.id)
                                           .limit(limit))) if count else []
    return count, first


async def to_remind(db: Database, now: datetime, soon_end: datetime) -> tuple[list[Feedback], list[Feedback]]:
    """Open items not yet reminded of: (due before ``soon_end`` and not yet late, overdue)."""
    async with db.session() as session:
        soon = list(await session.scalars(select(Feedback).where(
            Feedback.status == "open", Feedback.due_at >= now, Feedback.due_at < soon_end,
            Feedback.reminded_soon_at.is_(None)).order_by(Feedback.due_at, Feedback.id)))
        late = list(await session.scalars(select(Feedback).where(
            Feedback.status == "open", Feedback.due_at < now, Feedback.reminded_overdue_at.is_(None))
            .order_by(Feedback.due_at, Feedback.id)))
    return soon, late


async def remind(db: Database, item: Feedback, kind: str, messages: Sequence[Planned], now: datetime) -> bool:
    """Mark the item reminded of ``kind`` (due_soon | overdue) and plan the messages, in one
    transaction; False when another sweep did it first. An overdue reminder also stands for the
    "due soon" one it never had (a deadline too short for it)."""
    column = Feedback.reminded_soon_at if kind == "due_soon" else Feedback.reminded_overdue_at
    async with db.transaction() as session:
        done = await session.execute(update(Feedback).where(Feedback.id == item.id, column.is_(None))
                                     .values({column: now}).execution_options(synchronize_session=False))
        if not done.rowcount:
            return False
        if kind == "overdue":
            await session.execute(update(Feedback).where(Feedback.id == item.id, Feedback.reminded_soon_at.is_(None))
                                  .values(reminded_soon_at=now).execution_options(synchronize_session=False))
        await enqueue_in(session, db, messages, now)
    return True


async def list_feedback(db: Database, agency: str | None = None) -> list[Feedback]:
    """Every item (operators' list), oldest first; ``agency``: that agency's and the agencies it
    covers."""
    async with db.session() as session:
        stmt = select(Feedback).order_by(Feedback.received_at, Feedback.id)
        if agency is not None:
            codes = [c for c in await session.scalars(select(Feedback.agency_code)
                                                      .where(Feedback.agency_code.is_not(None)).distinct())
                     if covers(normalise(agency), c)]
            if not codes:
                return []
            stmt = stmt.where(Feedback.agency_code.in_(codes))
        return list(await session.scalars(stmt))


# --- each agency's own handling time -------------------------------------------------------------
async def deadlines(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {row.agency_code: row.days for row in await session.scalars(select(FeedbackDeadline))}


def days_for(own: dict[str, int], agency_code: str | None, default: int) -> int:
    """The agency's own number of days, else the nearest covering agency's (a district's for its
    communes), else ``default``."""
    if not agency_code:
        return default
    found = [(depth(code), days) for code, days in own.items() if covers(code, agency_code)]
    return max(found)[1] if found else default


async def set_deadline(db: Database, agency_code: str, days: int | None, now: datetime | None = None) -> None:
    """Set an agency's own handling time (``None``: back to the default)."""
    agency = normalise(agency_code)
    async with db.transaction() as session:
        if days is None:
            row = await session.get(FeedbackDeadline, agency)
            if row is not None:
                await session.delete(row)
            return
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"số ngày làm việc phải từ 1 đến {MAX_DAYS} / days must be 1–{MAX_DAYS}")
        stmt = _insert(db)(FeedbackDeadline).values(agency_code=agency, days=days, updated_at=now or utcnow())
        await session.execute(stmt.on_conflict_do_update(index_elements=[FeedbackDeadline.agency_code],
                                                         set_={"days": days, "updated_at": now or utcnow()}))
