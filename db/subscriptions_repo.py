"""Citizens' subscriptions to dossiers, their satisfaction ratings, and the status-event feed that
turns new history entries into notices.

The feed reads ``dossier_status_history`` (the event log every replica and every importer writes)
after a cursor stored in ``event_cursors``. One run is one transaction that first locks the cursor
row (an UPDATE: a row lock on PostgreSQL, the write lock on SQLite), so two replicas never plan the
same run; every notice also has a dedupe key, so planning an event twice sends nothing twice.

Why the cursor trails by ``safety``: on PostgreSQL ids come from a sequence, and a transaction that
took id 101 may commit after one that took 102. The feed handles every visible event after the
cursor, but moves the cursor only up to the newest event recorded more than ``safety`` ago; younger
events are read again next time (and deduplicated). An event is missed only if its transaction took
longer than ``safety`` between recording and commit (ingest batches commit in seconds).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.dossiers import Dossier, DossierStatusEvent
from db.models.outbox import OutboxMessage
from knowledge.channels import PUSH_CHANNELS
from db.models.subscriptions import LEVELS, DossierRating, DossierSubscription, EventCursor
from db.outbox_repo import Planned, enqueue_in
from db.scoped_dossiers import EFFECTIVE_DUE

MAX_SUBSCRIPTIONS = 20  # per chat: enough for a family, not a scraper


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


class TooManySubscriptions(ValueError):
    pass


async def subscribe(db: Database, dossier_id: int, channel: str, chat_id: str, now: datetime | None = None) -> bool:
    """Follow the dossier from this chat; False when it already did. Raises TooManySubscriptions."""
    now = now or utcnow()
    async with db.transaction() as session:
        exists = await session.scalar(select(DossierSubscription.id).where(
            DossierSubscription.dossier_id == dossier_id, DossierSubscription.channel == channel,
            DossierSubscription.chat_id == chat_id))
        if exists is not None:
            return False
        count = await session.scalar(select(func.count()).select_from(DossierSubscription).where(
            DossierSubscription.channel == channel, DossierSubscription.chat_id == chat_id)) or 0
        if count >= MAX_SUBSCRIPTIONS:
            raise TooManySubscriptions(str(MAX_SUBSCRIPTIONS))
        done = await session.execute(
            _insert(db)(DossierSubscription)
            .values(dossier_id=dossier_id, channel=channel, chat_id=chat_id, created_at=now)
            .on_conflict_do_nothing(index_elements=["dossier_id", "channel", "chat_id"])
        )
    return bool(done.rowcount)


async def unsubscribe(db: Database, channel: str, chat_id: str, dossier_id: int | None = None) -> int:
    """Stop following one dossier, or every dossier (``dossier_id`` None). Returns how many."""
    stmt = delete(DossierSubscription).where(DossierSubscription.channel == channel,
                                             DossierSubscription.chat_id == chat_id)
    if dossier_id is not None:
        stmt = stmt.where(DossierSubscription.dossier_id == dossier_id)
    async with db.transaction() as session:
        done = await session.execute(stmt)
    return done.rowcount or 0


@dataclass(frozen=True)
class Followed:
    dossier_id: int
    code: str
    status: int
    since: datetime


async def subscriptions_of(db: Database, channel: str, chat_id: str) -> list[Followed]:
    async with db.session() as session:
        rows = await session.execute(
            select(Dossier.id, Dossier.code, Dossier.status, DossierSubscription.created_at)
            .join(Dossier, Dossier.id == DossierSubscription.dossier_id)
            .where(DossierSubscription.channel == channel, DossierSubscription.chat_id == chat_id)
            .order_by(DossierSubscription.created_at, Dossier.id)
        )
        return [Followed(*row) for row in rows]


async def is_subscribed(db: Database, dossier_id: int, channel: str, chat_id: str) -> bool:
    async with db.session() as session:
        return await session.scalar(select(DossierSubscription.id).where(
            DossierSubscription.dossier_id == dossier_id, DossierSubscription.channel == channel,
            DossierSubscription.chat_id == chat_id)) is not None


def _reachable():
    """Subscriptions a notice can reach: Telegram and Zalo (a web chat's, made before following was
    refused there, could never receive one)."""
    return DossierSubscription.channel.in_(PUSH_CHANNELS)


async def subscribers(db: Database, dossier_id: int) -> list[tuple[str, str]]:
    """The chats a notice about the dossier goes to."""
    async with db.session() as session:
        rows = await session.execute(
            select(DossierSubscription.channel, DossierSubscription.chat_id)
            .where(DossierSubscription.dossier_id == dossier_id, _reachable()).order_by(DossierSubscription.id)
        )
        return [tuple(r) for r in rows]


@dataclass(frozen=True)
class DueSubscription:
    dossier: Dossier
    channel: str
    chat_id: str


async def subscribed_due_between(db: Database, start: datetime, end: datetime) -> list[DueSubscription]:
    """Subscribed running dossiers (effectively: a new appointment once set) due in [start, end).
    The planners start from the (few) subscriptions once there are some; with none there is
    nothing to read at all."""
    async with db.session() as session:
        if await session.scalar(select(DossierSubscription.id).limit(1)) is None:
            return []
        rows = await session.execute(
            select(Dossier, DossierSubscription.channel, DossierSubscription.chat_id)
            .join(DossierSubscription, DossierSubscription.dossier_id == Dossier.id)
            .where(Dossier.status.in_((2, 4)), EFFECTIVE_DUE >= start, EFFECTIVE_DUE < end, _reachable())
            .order_by(Dossier.id, DossierSubscription.id)
        )
        return [DueSubscription(d, channel, chat_id) for d, channel, chat_id in rows]


# --- ratings -------------------------------------------------------------------------------------
async def rate(db: Database, dossier: Dossier, channel: str, chat_id: str, level: str, now: datetime | None = None) -> None:
    if level not in LEVELS:
        raise ValueError(level)
    now = now or utcnow()
    stmt = _insert(db)(DossierRating).values(dossier_id=dossier.id, agency_code=dossier.agency_code, channel=channel,
                                             chat_id=chat_id, level=level, comment="", rated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=["dossier_id", "channel", "chat_id"],
                                      set_={"level": level, "rated_at": now})
    async with db.transaction() as session:
        await session.execute(stmt)


async def comment_rating(db: Database, dossier_id: int, channel: str, chat_id: str, comment: str) -> bool:
    async with db.transaction() as session:
        done = await session.execute(
            update(DossierRating).where(DossierRating.dossier_id == dossier_id, DossierRating.channel == channel,
                                        DossierRating.chat_id == chat_id).values(comment=comment)
        )
    return bool(done.rowcount)


async def rating_of(db: Database, dossier_id: int, channel: str, chat_id: str) -> DossierRating | None:
    async with db.session() as session:
        return await session.scalar(select(DossierRating).where(
            DossierRating.dossier_id == dossier_id, DossierRating.channel == channel, DossierRating.chat_id == chat_id))


# --- the status-event feed -------------------------------------------------------------------------
@dataclass(frozen=True)
class SubscribedEvent:
    event_id: int
    dossier: Dossier
    status: int
    at: datetime
    note: str
    channel: str
    chat_id: str


PlanEvents = Callable[[list[SubscribedEvent]], Awaitable[list[Planned]]]
STATUS_FEED = "status_notices"


async def _lock_cursor(session, db: Database, name: str, now: datetime) -> int:
    """Lock the cursor row, first created at the log's current end (no replay of the past). The
    UPDATE comes first: on SQLite it takes the write lock before anything is read."""
    done = await session.execute(update(EventCursor).where(EventCursor.name == name).values(updated_at=now))
    if not done.rowcount:
        end = await session.scalar(select(func.max(DossierStatusEvent.id))) or 0
        await session.execute(_insert(db)(EventCursor).values(name=name, last_id=end, updated_at=now)
                              .on_conflict_do_nothing(index_elements=["name"]))
        await session.execute(update(EventCursor).where(EventCursor.name == name).values(updated_at=now))
    return await session.scalar(select(EventCursor.last_id).where(EventCursor.name == name)) or 0


async def feed_status_events(
    db: Database, plan: PlanEvents, *, now: datetime | None = None, safety: timedelta = timedelta(seconds=60),
    page: int = 200, name: str = STATUS_FEED,
) -> int:
    """Plan notices for the status events after the cursor (see the module docstring). Returns how
    many outbox rows were new."""
    now = now or utcnow()
    subscribed = and_(DossierSubscription.dossier_id == DossierStatusEvent.dossier_id,
                      DossierSubscription.created_at <= DossierStatusEvent.recorded_at, _reachable())
    async with db.transaction() as session:
        cursor = await _lock_cursor(session, db, name, now)
        planned, position = 0, cursor
        while True:
            ids = list(await session.scalars(
                select(DossierStatusEvent.id).join(DossierSubscription, subscribed)
                .where(DossierStatusEvent.id > position).group_by(DossierStatusEvent.id)
                .order_by(DossierStatusEvent.id).limit(page)
            ))
            if not ids:
                break
            rows = (await session.execute(
                select(DossierStatusEvent, Dossier, DossierSubscription.channel, DossierSubscription.chat_id)
                .join(Dossier, Dossier.id == DossierStatusEvent.dossier_id)
                .join(DossierSubscription, subscribed)
                .where(DossierStatusEvent.id.in_(ids))
                .order_by(DossierStatusEvent.id, DossierSubscription.id)
            )).all()
            events = [SubscribedEvent(e.id, d, e.status, e.at, e.note, channel, chat_id) for e, d, channel, chat_id in rows]
            planned += len(await enqueue_in(session, db, await plan(events), now))
            position = ids[-1]
            if len(ids) < page:
                break
        settled = await session.scalar(
            select(func.max(DossierStatusEvent.id))
            .where(DossierStatusEvent.id > cursor, DossierStatusEvent.recorded_at < now - safety)
        )
        if settled is not None:
            await session.execute(update(EventCursor).where(EventCursor.name == name).values(last_id=settled))
    return planned


async def cursor_position(db: Database, name: str = STATUS_FEED) -> int | None:
    async with db.session() as session:
        return await session.scalar(select(EventCursor.last_id).where(EventCursor.name == name))


async def notice_count(db: Database, key_prefix: str) -> int:
    """Rows whose dedupe key starts with ``key_prefix`` (tests and operators)."""
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.dedupe_key.startswith(key_prefix))) or 0


def levels() -> Sequence[str]:
    return LEVELS


async def dossier_by_id(db: Database, dossier_id: int) -> Dossier | None:
    async with db.session() as session:
        return await session.get(Dossier, dossier_id)
