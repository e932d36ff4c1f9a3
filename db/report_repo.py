"""The monthly figures by agency: one definition for ``motcua report``, ``/bao_cao`` and
``/thong_ke``, counted in SQL (aggregates grouped by agency) within a month's bounds in Vietnam time.

For a month [start, end) and the report's moment ``at`` = the month's end, or now for the month
under way — everything is counted in [start, at) (docs/officials.md, "Reports", says the same in
words):

- **finished**: dossiers with status 9 or 10 whose ``finished_at`` falls in [start, end) and that
  have a due time (one without cannot be judged); **on time** when ``finished_at <= due_at`` — the
  legal due time: an apology letter's new date (``rescheduled_due_at``) never makes a late dossier
  on time; **late** the others.
- **overdue unfinished**: dossiers running at ``at`` (their last status before ``at`` in the history
  is 2 or 4; received before ``at`` and not finished by then) whose legal due time is before ``at``.
  Read from the status history, so a past month is counted as it stood at its end.
- **apology letters**: of those late dossiers (finished late in the month, or overdue unfinished at
  ``at``), the ones whose new date was set (by a letter approved here or by the one-stop system)
  by ``at``.
- **ratings**: the citizens' ratings given in the month, by the rated dossier's agency;
  **satisfied**: "Rất hài lòng" or "Hài lòng" (``SATISFIED_LEVELS``).
- **feedback** (PAKN, ``db.models.feedback``): **received** in the month; **answered on time**:
  answered in the month at or before its due time; **overdue**: due in the month (before ``at``)
  and not answered by its due time — answered late, or not yet. So each item counts once in the
  "answered in time" figure: in the month it was answered if it was in time, else in the month its
  deadline passed. Items with no agency concerned (routed to the province level) are a row of
  their own, ``agency_code`` "" — shown to the whole deployment and to province-level scopes.

A scope (``--agency CODE``, an official's agency) is the agencies that code covers
(``knowledge.agency.covers``), as everywhere else the officials' scope applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select, true

from db.engine import Database
from db.models.dossiers import Dossier, DossierStatusEvent
from db.models.feedback import Feedback
from db.models.officials import Official
from db.models.subscriptions import SATISFIED_LEVELS, DossierRating
from db.scoped_dossiers import RUNNING as RUNNING_NOW
from db.scoped_dossiers import agency_codes
from knowledge.agency import covers, depth

NO_AGENCY = ""  # the row of feedback with no agency concerned
NO_AGENCY_NAME = "Chưa xác định cơ quan / no agency"
FINISHED = (9, 10)
RUNNING = (2, 4)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    """One agency's month (or a total). The counts are the CSV's; the rates follow from them."""

    agency_code: str
    agency_name: str = ""
    finished: int = 0
    finished_on_time: int = 0
    overdue_unfinished: int = 0
    apology_letters: int = 0
    ratings: int = 0
    satisfied: int = 0
    feedback_received: int = 0
    feedback_answered_on_time: int = 0
    feedback_overdue: int = 0

    @property
    def finished_late(self) -> int:
        return self.finished - self.finished_on_time

    @property
    def late(self) -> int:
        """Late dossiers of the month: finished late, or overdue and unfinished at its end."""
        return self.finished_late + self.overdue_unfinished

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.finished_on_time, self.finished)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.ratings)

    @property
    def feedback_settled(self) -> int:
        """Feedback whose handling was judged this month: answered in time, or its deadline passed."""
        return self.feedback_answered_on_time + self.feedback_overdue

    @property
    def feedback_on_time_rate(self) -> float | None:
        return _rate(self.feedback_answered_on_time, self.feedback_settled)

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.type == "int"}

    def busy(self) -> bool:
        return any(self.counts().values())

    def add(self, other: Figures) -> None:
        for name, value in other.counts().items():
            setattr(self, name, getattr(self, name) + value)


@dataclass(frozen=True)
class Scope:
    """Which agencies a report covers: ``codes`` None for all; ``unassigned``: whether feedback with
    no agency concerned belongs to it."""

    agency: str | None = None
    codes: tuple[str, ...] | None = None
    unassigned: bool = True

    def where(self, column, *, unassigned: bool = False):
        if self.codes is None:
            return true()
        inside = column.in_(self.codes)
        return or_(inside, column.is_(None)) if unassigned and self.unassigned else inside


async def scope_for(db: Database, agency: str | None) -> Scope:
    """The whole deployment (None), or ``agency`` and every agency it covers that received a dossier,
    a rating or feedback."""
    if agency is None:
        return Scope()
    async with db.session() as session:
        rated = set(await session.scalars(select(DossierRating.agency_code).distinct()))
        fed = set(await session.scalars(select(Feedback.agency_code).where(Feedback.agency_code.is_not(None)).distinct()))
    known = {*await agency_codes(db), *rated, *fed}
    codes = sorted({c for c in known if covers(agency, c)} | {agency})
    # Items without an agency go to the province-level officials (db.feedback_repo.sees).
    return Scope(agency, tuple(codes), unassigned=depth(agency) <= 1)


@dataclass
class MonthFigures:
    start: datetime
    end: datetime
    at: datetime  # the moment "at the month's end" means: its end, or now for the month under way
    scope: Scope
    rows: list[Figures]  # one per agency with anything to count, by code
    total: Figures = field(default_factory=lambda: Figures("ALL"))


def _last_status_before(at: datetime):
    """The status a dossier had just before ``at``, from its history (index (dossier_id, at))."""
    e = DossierStatusEvent
    return (select(e.status).where(e.dossier_id == Dossier.id, e.at < at)
            .order_by(e.at.desc(), e.id.desc()).limit(1).correlate(Dossier).scalar_subquery())


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


async def month_figures(db: Database, start: datetime, end: datetime, *, now: datetime,
                        scope: Scope | None = None) -> MonthFigures:
    """The figures of [start, end) — up to ``now`` for the month under way — per agency of the scope,
    and their total (module docstring). ``now`` is the present: the database holds nothing later."""
    scope = scope or Scope()
    at = min(end, now)
    rows: dict[str, Figures] = {}
    names: dict[str, str] = {}

    def row(code: str | None, name: str | None = None) -> Figures:
        code = code if code is not None else NO_AGENCY
        if name and not names.get(code):
            names[code] = name
        return rows.setdefault(code, Figures(code))

    apology = and_(Dossier.rescheduled_due_at.is_not(None),
                   func.coalesce(Dossier.rescheduled_at, Dossier.received_at) <= at)
    late = Dossier.finished_at > Dossier.due_at
    async with db.session() as session:
        finished = await session.execute(
            select(Dossier.agency_code, func.max(Dossier.agency_name), func.count(),
                   _count(Dossier.finished_at <= Dossier.due_at), _count(and_(late, apology)))
            .where(scope.where(Dossier.agency_code), Dossier.status.in_(FINISHED), Dossier.finished_at >= start,
                   Dossier.finished_at < at, Dossier.due_at.is_not(None))
            .group_by(Dossier.agency_code))
        for code, name, count, on_time, moved in finished:
            r = row(code, name)
            r.finished, r.finished_on_time, r.apology_letters = count, on_time or 0, moved or 0

        # Running at ``at``: a dossier whose status has not changed since (status_at < at) had its
        # status now — read on the running dossiers' partial index —; one changed since, the status
        # its history gives just before ``at`` (that query reads the scope's dossiers received
        # before ``at``: a past month costs a pass over them).
        unchanged = select(Dossier.agency_code, func.max(Dossier.agency_name), func.count(), _count(apology)).where(
            RUNNING_NOW, scope.where(Dossier.agency_code), Dossier.due_at < at, Dossier.status_at < at)
        changed = select(Dossier.agency_code, func.max(Dossier.agency_name), func.count(), _count(apology)).where(
            scope.where(Dossier.agency_code), Dossier.status_at >= at, Dossier.received_at < at, Dossier.due_at < at,
            or_(Dossier.finished_at.is_(None), Dossier.finished_at >= at),
            # CASE: the history is read only for the rows every cheaper condition kept.
            case((and_(Dossier.status_at >= at, Dossier.due_at < at), func.coalesce(_last_status_before(at), RUNNING[0])),
                 else_=-1).in_(RUNNING))
        # The month under way (at = now): no status has changed since now, and the history is not read.
        for query in (unchanged,) if at >= now else (unchanged, changed):
            for code, name, count, moved in await session.execute(query.group_by(Dossier.agency_code)):
                r = row(code, name)
                r.overdue_unfinished += count
                r.apology_letters += moved or 0

        ratings = await session.execute(
            select(DossierRating.agency_code, func.count(), _count(DossierRating.level.in_(SATISFIED_LEVELS)))
            .where(scope.where(DossierRating.agency_code), DossierRating.rated_at >= start, DossierRating.rated_at < at)
            .group_by(DossierRating.agency_code))
        for code, count, satisfied in ratings:
            r = row(code)
            r.ratings, r.satisfied = count, satisfied or 0

        received = and_(Feedback.received_at >= start, Feedback.received_at < at)
        on_time = and_(Feedback.answered_at >= start, Feedback.answered_at < at, Feedback.answered_at <= Feedback.due_at)
        missed = and_(Feedback.due_at >= start, Feedback.due_at < at,
                      or_(Feedback.answered_at.is_(None), Feedback.answered_at > Feedback.due_at))
        feedback = await session.execute(
            select(Feedback.agency_code, func.max(Feedback.agency_name), _count(received), _count(on_time), _count(missed))
            .where(scope.where(Feedback.agency_code, unassigned=True), or_(received, on_time, missed))
            .group_by(Feedback.agency_code))
        for code, name, got, answered, late_items in feedback:
            r = row(code, name)
            r.feedback_received, r.feedback_answered_on_time, r.feedback_overdue = got or 0, answered or 0, late_items or 0

        unnamed = [c for c in rows if c != NO_AGENCY and not names.get(c)]
        if unnamed:
            found = await session.execute(select(Dossier.agency_code, func.max(Dossier.agency_name))
                                          .where(Dossier.agency_code.in_(unnamed)).group_by(Dossier.agency_code))
            names.update({code: name for code, name in found if name})

    result = MonthFigures(start, end, at, scope, [])
    for code in sorted(rows):
        r = rows[code]
        if not r.busy():
            continue
        r.agency_name = names.get(code) or (NO_AGENCY_NAME if code == NO_AGENCY else code)
        result.rows.append(r)
        result.total.add(r)
    return result


async def trend(db: Database, months: Iterable[tuple[datetime, datetime]], *, now: datetime,
                scope: Scope | None = None) -> list[Figures]:
    """The totals of several months (the 12-month trend), in the order given."""
    return [(await month_figures(db, start, end, now=now, scope=scope)).total for start, end in months]


# --- /thong_ke -----------------------------------------------------------------------------------
@dataclass
class MonthStats:
    """/thong_ke's month: the report's figures for the official's scope, and what was received."""

    figures: Figures
    received: int = 0
    by_status: dict[int, int] = field(default_factory=dict)  # dossiers received in the month, by status now


async def month_stats_for(db: Database, official: Official, start: datetime, end: datetime, now: datetime) -> MonthStats:
    scope = await scope_for(db, official.agency_code)
    month = await month_figures(db, start, end, now=now, scope=scope)
    async with db.session() as session:
        rows = await session.execute(
            select(Dossier.status, func.count())
            .where(scope.where(Dossier.agency_code), Dossier.received_at >= start, Dossier.received_at < end)
            .group_by(Dossier.status))
        by_status = {int(status): count for status, count in rows}
    return MonthStats(month.total, sum(by_status.values()), by_status)
