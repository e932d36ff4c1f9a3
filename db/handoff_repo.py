"""Live handoffs from the database's side (``db.models.handoff``): open one, take it (one
conditional UPDATE: of two officials, one wins), relay, end, and the sweep's reads; each change and
the messages it plans in the outbox in ONE transaction, so a notice is never planned for a change
that did not happen, nor lost for one that did.

The two rules no race may break are the table's partial unique indexes: one open handoff per
citizen chat (a second request while one is open gets ``None``), one live handoff per official (a
second take gets "busy").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from db.engine import Database
from db.feedback_repo import NewFeedback, file_in
from db.models.feedback import Feedback
from db.models.handoff import Handoff
from db.models.officials import Official
from db.outbox_repo import Planned, enqueue_in

OPEN = ("waiting", "live")
MAX_REQUEST = 4000  # characters of the request and what the citizen adds while waiting


async def handoff(db: Database, handoff_id: int) -> Handoff | None:
    async with db.session() as session:
        return await session.get(Handoff, handoff_id)


async def open_for_chat(db: Database, channel: str, chat_id: str) -> Handoff | None:
    """The citizen chat's open (waiting or live) handoff."""
    async with db.session() as session:
        return await session.scalar(select(Handoff).where(Handoff.channel == channel, Handoff.chat_id == chat_id,
                                                          Handoff.status.in_(OPEN)))


async def live_in_official_chat(db: Database, channel: str, chat_id: str) -> Handoff | None:
    async with db.session() as session:
        return await session.scalar(select(Handoff).where(Handoff.official_channel == channel,
                                                          Handoff.official_chat_id == chat_id,
                                                          Handoff.status == "live"))


async def serving(db: Database) -> set[int]:
    """The officials talking with a citizen now (one at a time: they are not offered another)."""
    async with db.session() as session:
        return set(await session.scalars(select(Handoff.official_id).where(Handoff.status == "live",
                                                                           Handoff.official_id.is_not(None))))


async def requested_since(db: Database, channel: str, chat_id: str, since: datetime) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Handoff).where(
            Handoff.channel == channel, Handoff.chat_id == chat_id, Handoff.requested_at >= since)) or 0


async def open_handoff(db: Database, *, channel: str, chat_id: str, lang: str, agency_code: str | None,
                       dossier_code: str | None, request: str, now: datetime,
                       plan: Callable[[Handoff], list[Planned]]) -> Handoff | None:
    """A waiting handoff and its notices to the officials; None when the chat has one open already."""
    try:
        async with db.transaction() as session:
            row = Handoff(channel=channel, chat_id=chat_id, lang=lang, agency_code=agency_code,
                          dossier_code=dossier_code, request=request[:MAX_REQUEST], status="waiting",
                          official_name="", messages=0, requested_at=now, last_activity_at=now, created_at=now)
            session.add(row)
            await session.flush()
            await enqueue_in(session, db, plan(row), now)
    except IntegrityError:  # ux_handoffs_open_chat: one is open (another replica was quicker, perhaps)
        return None
    return row


async def note_waiting(db: Database, handoff_id: int, text: str) -> bool:
    """Add what the citizen wrote while waiting to the request (it is the PAKN item's if nobody takes it)."""
    async with db.transaction() as session:
        row = await session.get(Handoff, handoff_id, with_for_update=True)
        if row is None or row.status != "waiting":
            return False
        row.request = f"{row.request}\n{text}"[:MAX_REQUEST]
    return True


TakeResult = Literal["taken", "gone", "busy"]


async def take(db: Database, handoff_id: int, official: Official, channel: str, chat_id: str, now: datetime,
               plan: Callable[[Handoff], list[Planned]]) -> tuple[TakeResult, Handoff | None]:
    """("taken", the live handoff) — and ``plan(it)`` planned; ("gone", row): someone else took it,
    or it ended, fell back; ("busy", None): this official is talking with another citizen."""
    try:
        async with db.transaction() as session:
            busy = await session.scalar(select(Handoff.id).where(Handoff.official_id == official.id,
                                                                 Handoff.status == "live"))
            if busy is not None:
                return "busy", None
            done = await session.execute(
                update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "waiting")
                .values(status="live", official_id=official.id, official_name=official.name,
                        official_channel=channel, official_chat_id=chat_id, taken_at=now, last_activity_at=now)
                .execution_options(synchronize_session=False))
            row = await session.get(Handoff, handoff_id, populate_existing=True)
            if not done.rowcount:
                return "gone", row
            await enqueue_in(session, db, plan(row), now)
    except IntegrityError:  # ux_handoffs_live_official: a take of another handoff by them won meanwhile
        return "busy", None
    return "taken", row


async def relay(db: Database, handoff_id: int, now: datetime, plan: Callable[[int], list[Planned]]) -> bool:
    """Count one more message of a live handoff, note the activity, and plan ``plan(its number)``;
    False when it is no longer live."""
    async with db.transaction() as session:
        number = await session.scalar(
            update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "live")
            .values(messages=Handoff.messages + 1, last_activity_at=now).returning(Handoff.messages))
        if number is None:
            return False
        await enqueue_in(session, db, plan(number), now)
    return True


async def end(db: Database, handoff_id: int, by: str, now: datetime, plan: Callable[[Handoff], list[Planned]], *,
              idle_before: datetime | None = None) -> Handoff | None:
    """End an open handoff (``idle_before``: only a live one quiet since before then) and plan
    ``plan(ended row)``; None when it was not open (any longer)."""
    where = [Handoff.id == handoff_id, Handoff.status.in_(OPEN)]
    if idle_before is not None:
        where += [Handoff.status == "live", Handoff.last_activity_at < idle_before]
    async with db.transaction() as session:
        done = await session.execute(update(Handoff).where(*where).values(status="ended", ended_at=now, ended_by=by)
                                     .execution_options(synchronize_session=False))
        if not done.rowcount:
            return None
        row = await session.get(Handoff, handoff_id, populate_existing=True)
        await enqueue_in(session, db, plan(row), now)
    return row


async def stale(db: Database, wait_before: datetime, idle_before: datetime) -> tuple[list[Handoff], list[Handoff]]:
    """(waiting since before ``wait_before``, live and quiet since before ``idle_before``)."""
    async with db.session() as session:
        waiting = list(await session.scalars(select(Handoff).where(
            Handoff.status == "waiting", Handoff.last_activity_at < wait_before).order_by(Handoff.id)))
        idle = list(await session.scalars(select(Handoff).where(
            Handoff.status == "live", Handoff.last_activity_at < idle_before).order_by(Handoff.id)))
    return waiting, idle


async def fall_back(db: Database, handoff_id: int, new: NewFeedback, plan: Callable[[Feedback], list[Planned]],
                    now: datetime) -> Feedback | None:
    """Nobody took it: close the waiting handoff and file its PAKN item (with ``plan(item)``: the
    officials' and the citizen's notices) in one transaction; None when it was taken or ended meanwhile."""
    async with db.transaction() as session:
        done = await session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "waiting")
                                     .values(status="fallback", ended_at=now)
                                     .execution_options(synchronize_session=False))
        if not done.rowcount:
            return None
        item = await file_in(session, db, new, plan, now)
        await session.execute(update(Handoff).where(Handoff.id == handoff_id).values(feedback_code=item.code)
                              .execution_options(synchronize_session=False))
    return item
