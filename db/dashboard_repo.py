"""The officials' web view from the database's side: its one-time links (``db.models.dashboard``)
and the lists it shows beside the month's figures — the late dossiers with their apology letters'
state, and the feedback items with their deadlines — each limited to a report ``Scope``.

The late dossiers are exactly those ``db.report_repo.month_figures`` counts as late: finished late
in the month, or running and overdue at the month's end (now, for the month under way), read with
the same conditions, so the list is as long as the figures say.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, func, or_, select, update

from db.engine import Database
from db.models.dashboard import DashboardLink
from db.models.dossiers import Dossier
from db.models.feedback import Feedback
from db.models.officials import Official, OfficialChat
from db.models.reminders import Apology
from db.report_repo import FINISHED, RUNNING, Scope, _last_status_before
from db.scoped_dossiers import RUNNING as RUNNING_NOW

MAX_ROWS = 200  # per list on the page; the figures above it count them all


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(db: Database, official_id: int, token: str, now: datetime, expires_at: datetime) -> None:
    """Store the link's hash (and forget this official's expired links: the table stays small)."""
    async with db.transaction() as session:
        await session.execute(delete(DashboardLink).where(DashboardLink.official_id == official_id,
                                                          DashboardLink.expires_at <= now))
        session.add(DashboardLink(official_id=official_id, token_hash=token_hash(token), created_at=now,
                                  expires_at=expires_at))


async def use_link(db: Database, token: str, now: datetime) -> int | None:
    """Spend the link: the official's id, or None when it is unknown, used or expired. One
    conditional UPDATE, so two replicas given the same link at once cannot both let it in."""
    async with db.transaction() as session:
        done = await session.execute(
            update(DashboardLink)
            .where(DashboardLink.token_hash == token_hash(token), DashboardLink.used_at.is_(None),
                   DashboardLink.expires_at > now)
            .values(used_at=now)
            .returning(DashboardLink.official_id))
        return done.scalar_one_or_none()


async def linked_official(db: Database, official_id: int) -> Official | None:
    """The official, while active with a chat still linked (revoked or unlinked: the session ends)."""
    async with db.session() as session:
        return await session.scalar(
            select(Official).where(Official.id == official_id, Official.active.is_(True),
                                   select(OfficialChat.chat_id).where(OfficialChat.official_id == official_id)
                                   .exists()))


@dataclass(frozen=True)
class LateDossier:
    code: str
    agency_code: str | None
    agency_name: str
    due_at: datetime
    finished_at: datetime | None  # None: still running (overdue) at the month's end
    rescheduled_due_at: datetime | None  # the new date, when set by the month's end
    apology: str | None  # draft | sent | None (no letter here)


async def late_dossiers(db: Database, start: datetime, end: datetime, *, now: datetime,
                        scope: Scope) -> tuple[int, list[LateDossier]]:
    """The month's late dossiers in scope (``month_figures``' "late"), most overdue first: how many,
    and the first ``MAX_ROWS``."""
    at = min(end, now)
    finished_late = and_(Dossier.status.in_(FINISHED), Dossier.finished_at >= start, Dossier.finished_at < at,
                         Dossier.due_at.is_not(None), Dossier.finished_at > Dossier.due_at)
    running_unchanged = and_(RUNNING_NOW, Dossier.due_at < at, Dossier.status_at < at)
    running_changed = and_(
        Dossier.status_at >= at, Dossier.received_at < at, Dossier.due_at < at,
        or_(Dossier.finished_at.is_(None), Dossier.finished_at >= at),
        case((and_(Dossier.status_at >= at, Dossier.due_at < at), func.coalesce(_last_status_before(at), RUNNING[0])),
             else_=-1).in_(RUNNING))
    overdue = running_unchanged if at >= now else or_(running_unchanged, running_changed)
    where = and_(scope.where(Dossier.agency_code), or_(finished_late, overdue))
    moved = and_(Dossier.rescheduled_due_at.is_not(None),
                 func.coalesce(Dossier.rescheduled_at, Dossier.received_at) <= at)
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(Dossier).where(where)) or 0
        rows = (await session.execute(
            select(Dossier, case((moved, Dossier.rescheduled_due_at), else_=None), Apology.status)
            .outerjoin(Apology, Apology.dossier_id == Dossier.id)
            .where(where).order_by(Dossier.due_at, Dossier.code).limit(MAX_ROWS))).all()
    found = [LateDossier(d.code, d.agency_code, d.agency_name or d.agency_code or "", d.due_at,
                         d.finished_at if d.finished_at is not None and d.finished_at < at else None,
                         new_date, apology) for d, new_date, apology in rows]
    return count, found


async def feedback_items(db: Database, start: datetime, end: datetime, *, now: datetime,
                         scope: Scope) -> tuple[int, list[Feedback]]:
    """The feedback in scope that the month is about — received in it, due in it, or still open
    then — by due time: how many, and the first ``MAX_ROWS``."""
    at = min(end, now)
    where = and_(scope.where(Feedback.agency_code, unassigned=True), or_(
        and_(Feedback.received_at >= start, Feedback.received_at < at),
        and_(Feedback.due_at >= start, Feedback.due_at < at),
        and_(Feedback.received_at < at, or_(Feedback.answered_at.is_(None), Feedback.answered_at >= start))))
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(Feedback).where(where)) or 0
        items = list(await session.scalars(select(Feedback).where(where)
                                           .order_by(Feedback.due_at, Feedback.id).limit(MAX_ROWS)))
    return count, items


async def link_state(db: Database, token: str, now: datetime) -> str:
    """What a link is, without spending it: ``usable``, ``used``, ``expired`` or ``unknown`` (so the
    page can say why it is refused; a chat's link preview may open it too, and must not spend it)."""
    async with db.session() as session:
        link = await session.scalar(select(DashboardLink).where(DashboardLink.token_hash == token_hash(token)))
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    return "usable" if link.expires_at > now else "expired"
