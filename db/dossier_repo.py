"""The ``dossiers`` table and its status history: store, find, and the queries of the reminder sweep.

Writes (``upsert_dossiers``) take a batch of ``DossierIn`` and apply it in ONE transaction: every
item or none. An item whose history contradicts itself fails the whole batch with
``DossierBatchError`` (its index, field and reason), so the caller can report it (the ingest API
answers 422; the importer sets the row aside and applies the rest). Re-sending the same batch changes
nothing: history entries are unique on (dossier, status, moment), and a status equal to the stored
one records nothing new. Out of order: an item whose own latest entry for its status is older than
the stored status's moment only adds its history (the newer stored status stays).

Status-change hook: ``on_status_change(listener)`` registers an async callable that receives a
``StatusChange`` after the transaction that made it committed, in this process (best effort: a
failing listener is logged, never undoes the write). A consumer that must not miss a change on any
replica reads the history table as an event log instead: ``status_events_since(db, after_id)``
returns the entries in ``id`` order (keep the last id you handled).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models.base import utcnow
from db.models.dossiers import Dossier, DossierStatusEvent
from knowledge.calendar import CalendarRangeError, WorkingCalendar
from knowledge.catalogue.model import Method, Procedure
from knowledge.dossiers.code import DossierCode, parse_code, same_dossier
from knowledge.dossiers.derive import Derived, Event, derive, merge_history
from knowledge.dossiers.schema import DossierIn
from knowledge.dossiers.status import FINISHED, RUNNING
from knowledge.duedate import DueDateError

log = logging.getLogger(__name__)

CHUNK = 500  # codes per IN (...) list
RETRIES = 3  # a batch that lost a race (the same new code inserted by another writer) is retried

ProcedureLookup = Callable[[str], Procedure | None]


@dataclass(frozen=True, slots=True)
class StatusChange:
    dossier_id: int
    code: str
    agency_code: str
    old_status: int | None  # None: a dossier seen for the first time
    new_status: int
    at: datetime
    note: str = ""


StatusListener = Callable[[StatusChange], Awaitable[None]]
_listeners: list[StatusListener] = []


def on_status_change(listener: StatusListener) -> Callable[[], None]:
    """Call ``listener`` after each committed status change; returns a function that unsubscribes."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


async def _notify(changes: Iterable[StatusChange]) -> None:
    for change in changes:
        for listener in list(_listeners):
            try:
                await listener(change)
            except Exception:
                log.exception("status-change listener failed (dossier id %s)", change.dossier_id)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    history_added: int = 0
    changes: list[StatusChange] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "history_added": self.history_added, "status_changes": len(self.changes),
        }


class DossierBatchError(ValueError):
    """Items of a batch that cannot be applied: [{"index": i, "field": ..., "message": ...}]."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(f"{len(errors)} invalid item(s)")
        self.errors = errors


class DossierNotFound(LookupError):
    pass


class AlreadyRescheduled(ValueError):
    """The new appointment of an apology letter may be set only once (vn-rules.md)."""


@dataclass
class DossierRecord:
    dossier: Dossier
    history: list[Event]


# --- writing -----------------------------------------------------------------------------------
def _collapse(items: Sequence[DossierIn]) -> list[tuple[int, DossierIn]]:
    """One item per code, in first-seen order: the last one wins, the histories are merged."""
    by_code: dict[str, tuple[int, DossierIn]] = {}
    for index, item in enumerate(items):
        if item.code in by_code:
            _, earlier = by_code.pop(item.code)
            item = item.model_copy(update={"status_history": [*earlier.status_history, *item.status_history]})
        by_code[item.code] = (index, item)
    return sorted(by_code.values(), key=lambda pair: pair[0])


def _values(item: DossierIn, d: Derived) -> dict:
    code = parse_code(item.code)
    assert code is not None
    return {
        "code": item.code,
        "code_tail": code.tail,
        "procedure_code": item.procedure_code,
        "agency_code": item.agency_code,
        "agency_name": item.agency_name,
        "applicant_name": item.applicant_name,
        "applicant_phone": item.applicant_phone,
        "applicant_id_number": item.applicant_id_number,
        "channel": item.channel.value if item.channel else None,
        "received_at": item.received_at,
        "processing_days": d.processing_days,
        "processing_unit": d.processing_unit,
        "due_at": d.due_at,
        "due_at_given": item.due_at,
        "due_at_computed": d.due_at_computed,
        "due_mismatch": d.due_mismatch,
        "status": item.status,
        "finished_at": d.finished_at,
        "returned_at": d.returned_at,
    }


async def _existing(session: AsyncSession, codes: list[str], lock: bool) -> dict[str, Dossier]:
    found: dict[str, Dossier] = {}
    for i in range(0, len(codes), CHUNK):
        stmt = select(Dossier).where(Dossier.code.in_(codes[i : i + CHUNK]))
        if lock:
            stmt = stmt.with_for_update()
        found.update({d.code: d for d in (await session.scalars(stmt))})
    return found


async def _histories(session: AsyncSession, ids: list[int]) -> dict[int, list[Event]]:
    found: dict[int, list[Event]] = {}
    for i in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(DossierStatusEvent).where(DossierStatusEvent.dossier_id.in_(ids[i : i + CHUNK]))
        )
        for (e,) in rows:
            found.setdefault(e.dossier_id, []).append(Event(e.status, e.at, e.note, e.by))
    return found


def _moment(given: Sequence[Event], status: int) -> datetime | None:
    """When the item says its status began: its own latest history entry with that status (None: it
    does not say, and the push itself is the moment)."""
    return max((e.at for e in given if e.status == status), default=None)


def _rederived(row: Dossier, history: list[Event], calendar: WorkingCalendar, procedures: ProcedureLookup) -> dict:
    """The stored row's derived fields again, its own status and inputs with a merged history (a
    stale item may still bring a pause the row did not know)."""
    derived = derive(
        received_at=row.received_at, status=row.status, history=history, calendar=calendar,
        procedure=procedures(row.procedure_code) if row.procedure_code else None,
        channel=Method(row.channel) if row.channel else None, agency_code=row.agency_code,
        days=row.processing_days, unit=row.processing_unit, due_at_given=row.due_at_given,
        finished_at=row.finished_at, returned_at=row.returned_at,
    )
    return {
        "due_at": derived.due_at, "due_at_computed": derived.due_at_computed, "due_mismatch": derived.due_mismatch,
        "finished_at": derived.finished_at, "returned_at": derived.returned_at,
    }


async def _apply(
    session: AsyncSession, db: Database, items: list[tuple[int, DossierIn]], *,
    calendar: WorkingCalendar, procedures: ProcedureLookup, source: str, now: datetime, by: str,
) -> UpsertResult:
    result = UpsertResult()
    existing = await _existing(session, [item.code for _, item in items], lock=db.is_postgres)
    stored = await _histories(session, [d.id for d in existing.values()])
    old_status = {code: d.status for code, d in existing.items()}  # before the rows change
    errors: list[dict] = []
    todo: list[tuple[Dossier, list[Event], tuple[int | None, Event | None] | None]] = []
    for index, item in items:
        row = existing.get(item.code)
        old = stored.get(row.id, []) if row is not None else []
        given = [Event(h.status, h.at, h.note, h.by) for h in item.status_history]
        history = merge_history(old, given)
        moment = _moment(given, item.status)
        # A delayed push of an older state: its history is merged, the newer stored status stays.
        stale = (row is not None and row.status != item.status and moment is not None
                 and moment < row.status_at)
        changed = row is None or (row.status != item.status and not stale)
        # A status without its own entry is dated by the push — except a dossier first seen already
        # finished: the push is not when it finished (it would judge every old dossier late).
        first_seen_finished = row is None and item.status in FINISHED
        unrecorded = not history or history[-1].status != item.status
        if changed and moment is None and not first_seen_finished and unrecorded:
            history = merge_history(history, [Event(item.status, now, "", by or source)])
        known = {(e.status, e.at) for e in old}
        new_events = [e for e in history if (e.status, e.at) not in known]
        try:
            if stale:
                values = _rederived(row, history, calendar, procedures)
            else:
                procedure = procedures(item.procedure_code) if item.procedure_code else None
                derived = derive(
                    received_at=item.received_at, status=item.status, history=history, calendar=calendar,
                    procedure=procedure, channel=Method(item.channel) if item.channel else None,
                    agency_code=item.agency_code, days=item.processing_days, unit=item.processing_unit,
                    due_at_given=item.due_at, finished_at=item.finished_at, returned_at=item.returned_at,
                )
                values = _values(item, derived)
        except DueDateError as exc:
            errors.append({"index": index, "field": "status_history", "message": str(exc)})
            continue
        except (CalendarRangeError, OverflowError) as exc:
            # Every date is in the calendar's range (the schema checks it), but the due date counted
            # from the receipt can still leave it (received 30/12/2100).
            errors.append({"index": index, "field": "received_at",
                           "message": f"hạn giải quyết tính từ ngày nhận ngoài phạm vi lịch / "
                                      f"the due date counted from it is outside the calendar ({exc})"})
            continue
        latest = next((e for e in reversed(history) if e.status == item.status), None)
        if not stale:  # the status's own entry; without one, when it was first seen (kept while it holds)
            values["status_at"] = latest.at if latest else (row.status_at if row is not None and not changed else now)
        if row is None:
            row = Dossier(**values, source=source, created_at=now, updated_at=now)
            session.add(row)
            result.created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = now
            result.updated += 1
        elif not new_events:
            result.unchanged += 1
        todo.append((row, new_events, (old_status.get(item.code), latest) if changed else None))
    if errors:
        raise DossierBatchError(sorted(errors, key=lambda e: e["index"]))
    await session.flush()
    rows = [
        {"dossier_id": row.id, "status": e.status, "at": e.at, "note": e.note, "by": e.by, "recorded_at": now}
        for row, events, _ in todo for e in events
    ]
    if rows:
        insert = pg_insert if db.is_postgres else sqlite_insert
        for i in range(0, len(rows), CHUNK):
            stmt = insert(DossierStatusEvent).on_conflict_do_nothing(
                index_elements=["dossier_id", "status", "at"]
            ).returning(DossierStatusEvent.id)
            result.history_added += len((await session.execute(stmt, rows[i : i + CHUNK])).all())
    for row, _, change in todo:
        if change is not None:
            before, latest = change
            result.changes.append(StatusChange(
                row.id, row.code, row.agency_code, before, row.status, row.status_at, latest.note if latest else "",
            ))
    return result


async def upsert_dossiers(
    db: Database,
    items: Sequence[DossierIn],
    *,
    calendar: WorkingCalendar,
    procedures: ProcedureLookup | None = None,
    source: str,
    now: datetime | None = None,
    by: str = "",
) -> UpsertResult:
    """Create or update dossiers by code, in one transaction; see the module docstring.

    ``procedures`` gives the catalogue record of a procedure code (for its processing time), e.g.
    ``deps.catalogue.index.get``. ``by`` is who a status change without history is attributed to
    (default: ``source``). Raises ``DossierBatchError`` and applies nothing if any item is invalid.
    """
    now = now or utcnow()
    collapsed = _collapse(items)
    lookup = procedures or (lambda code: None)
    for attempt in range(RETRIES):
        try:
            async with db.transaction() as session:
                result = await _apply(session, db, collapsed, calendar=calendar, procedures=lookup,
                                      source=source, now=now, by=by)
            break
        except (IntegrityError, OperationalError):
            if attempt == RETRIES - 1:
                raise
            log.info("dossier batch lost a race with another writer; retrying")
    await _notify(result.changes)
    return result


async def set_rescheduled_due(
    db: Database, code: str, new_due_at: datetime, reason: str, *, at: datetime | None = None
) -> Dossier:
    """The new appointment of the apology letter ("Phiếu xin lỗi và hẹn lại ngày trả kết quả"), set
    only once — enforced by the UPDATE itself, so two officials (or replicas) cannot both set it.
    Raises ``DossierNotFound``, ``AlreadyRescheduled``, or ``ValueError`` (no reason, naive time, a
    new date not after the original due time)."""
    key = parse_code(code)
    canonical = key.canonical if key else code
    async with db.transaction() as session:
        await reschedule_in(session, canonical, new_due_at, reason, at=at)
    refreshed = await get_dossier(db, canonical, with_history=False)
    assert refreshed is not None
    return refreshed.dossier


async def reschedule_in(session: AsyncSession, canonical: str, new_due_at: datetime, reason: str, *,
                        at: datetime | None = None, same_date_ok: bool = False) -> None:
    """``set_rescheduled_due`` inside the caller's transaction (the apology's approval commits the
    letter and the date together). ``same_date_ok``: a dossier already moved to exactly this date
    (the one-stop system recorded the same appointment) is not an error."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("cần lý do / a reason is required")
    if new_due_at.tzinfo is None:
        raise ValueError("new_due_at must be aware")
    row = await session.scalar(select(Dossier).where(Dossier.code == canonical))
    if row is None:
        raise DossierNotFound(canonical)
    if same_date_ok and row.rescheduled_due_at == new_due_at:
        return
    if row.due_at is not None and new_due_at <= row.due_at:
        raise ValueError("ngày hẹn mới phải sau hạn cũ / the new date must be after the original due time")
    done = await session.execute(
        update(Dossier)
        .where(Dossier.id == row.id, Dossier.rescheduled_due_at.is_(None))
        .values(rescheduled_due_at=new_due_at, rescheduled_reason=reason, rescheduled_at=at or utcnow())
    )
    if done.rowcount == 0:
        raise AlreadyRescheduled(f"đã hẹn lại một lần / already rescheduled once: {canonical}")


async def mark_refreshed(db: Database, code: str, at: datetime) -> None:
    """The source was asked again at ``at`` and answered (changed or not): ``updated_at`` says how
    fresh the stored record is (the pull backend's refresh interval counts from it)."""
    async with db.transaction() as session:
        await session.execute(update(Dossier).where(Dossier.code == code).values(updated_at=at))


async def delete_dossiers(db: Database, *, source: str) -> int:
    """Remove the dossiers one source wrote (``demo`` before a new demo set), history included."""
    async with db.transaction() as session:
        ids = select(Dossier.id).where(Dossier.source == source).scalar_subquery()
        await session.execute(delete(DossierStatusEvent).where(DossierStatusEvent.dossier_id.in_(ids)))
        done = await session.execute(delete(Dossier).where(Dossier.source == source))
    return done.rowcount or 0


# --- reading -----------------------------------------------------------------------------------
async def _history(session: AsyncSession, dossier_id: int) -> list[Event]:
    rows = await session.scalars(
        select(DossierStatusEvent).where(DossierStatusEvent.dossier_id == dossier_id)
        .order_by(DossierStatusEvent.at, DossierStatusEvent.id)
    )
    return [Event(e.status, e.at, e.note, e.by) for e in rows]


async def get_dossier(db: Database, code: str, *, with_history: bool = True) -> DossierRecord | None:
    """By canonical code (any typed form is canonicalised first)."""
    key = parse_code(code)
    if key is None:
        return None
    async with db.session() as session:
        row = await session.scalar(select(Dossier).where(Dossier.code == key.canonical))
        if row is None:
            return None
        return DossierRecord(row, await _history(session, row.id) if with_history else [])


async def find_dossier(db: Database, code: DossierCode, *, with_history: bool = True) -> DossierRecord | None:
    """The exact code, else the one stored dossier that a short local form (or the full form of a
    stored short one) names: same date and sequence, agency segments included in the other's
    (``knowledge.dossiers.code.same_dossier``: a full code never matches another full code). Two
    candidates: none (the citizen must type the full code)."""
    async with db.session() as session:
        row = await session.scalar(select(Dossier).where(Dossier.code == code.canonical))
        if row is None:
            rows = list(await session.scalars(select(Dossier).where(Dossier.code_tail == code.tail).limit(50)))
            matching = [r for r in rows if (c := parse_code(r.code)) is not None and same_dossier(code, c)]
            row = matching[0] if len(matching) == 1 else None
        if row is None:
            return None
        return DossierRecord(row, await _history(session, row.id) if with_history else [])


def _prefix(column, prefix: str | None):
    """``column LIKE 'prefix%'`` as a range, which a B-tree index serves (byte order, see the model)."""
    if not prefix:
        return True
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


_RUNNING = Dossier.status.in_(RUNNING)


async def _running(db: Database, *where, agency_prefix: str | None, limit: int, after_id: int | None) -> list[Dossier]:
    """Running dossiers (status 2/4) matching ``where``, by due time then id: the partial indexes."""
    stmt = select(Dossier).where(_RUNNING, *where, _prefix(Dossier.agency_code, agency_prefix))
    if after_id is not None:
        stmt = stmt.where(Dossier.id > after_id)
    stmt = stmt.order_by(Dossier.due_at, Dossier.id).limit(limit)
    async with db.session() as session:
        return list(await session.scalars(stmt))


async def dossiers_due_between(
    db: Database, start: datetime, end: datetime, *, agency_prefix: str | None = None, limit: int = 1000,
    after_id: int | None = None,
) -> list[Dossier]:
    """Running dossiers (status 2/4) due in [start, end), soonest first (then by id; pass the last
    id seen as ``after_id`` with the same window to page through equal due times — or just narrow
    the window). Served by the partial running-dossier indexes."""
    return await _running(db, Dossier.due_at >= start, Dossier.due_at < end, agency_prefix=agency_prefix,
                          limit=limit, after_id=after_id)


@dataclass(frozen=True, slots=True)
class AgencyOverdue:
    agency_code: str
    agency_name: str
    count: int
    oldest_due_at: datetime


async def overdue_by_agency(db: Database, now: datetime, *, agency_prefix: str | None = None) -> list[AgencyOverdue]:
    """Running dossiers past their due time, counted per receiving agency (most first)."""
    stmt = (
        select(Dossier.agency_code, func.max(Dossier.agency_name), func.count(), func.min(Dossier.due_at))
        .where(_RUNNING, Dossier.due_at < now, _prefix(Dossier.agency_code, agency_prefix))
        .group_by(Dossier.agency_code)
    )
    async with db.session() as session:
        rows = (await session.execute(stmt)).all()
    out = [AgencyOverdue(code, name or "", count, oldest) for code, name, count, oldest in rows]
    return sorted(out, key=lambda a: (-a.count, a.agency_code))


async def overdue_dossiers(
    db: Database, now: datetime, *, agency_prefix: str | None = None, limit: int = 1000
) -> list[Dossier]:
    """Running dossiers past their due time, the longest overdue first."""
    return await _running(db, Dossier.due_at < now, agency_prefix=agency_prefix, limit=limit, after_id=None)


@dataclass(frozen=True, slots=True)
class StatusEvent:
    id: int
    dossier_id: int
    code: str
    status: int
    at: datetime
    note: str
    recorded_at: datetime


async def status_events_since(db: Database, after_id: int = 0, limit: int = 500) -> list[StatusEvent]:
    """History entries recorded after ``after_id``, in id order: the event log for notifications."""
    stmt = (
        select(DossierStatusEvent, Dossier.code).join(Dossier, Dossier.id == DossierStatusEvent.dossier_id)
        .where(DossierStatusEvent.id > after_id).order_by(DossierStatusEvent.id).limit(limit)
    )
    async with db.session() as session:
        rows = (await session.execute(stmt)).all()
    return [StatusEvent(e.id, e.dossier_id, code, e.status, e.at, e.note, e.recorded_at) for e, code in rows]


async def count_dossiers(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Dossier)) or 0
