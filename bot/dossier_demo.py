"""Realistic synthetic dossiers for demonstrations, tests and benchmarks (``motcua dossiers demo``).

Codes in the national format for a few agencies of one province (a commune People's Committee, a
ward People's Committee, a commune police, the land registration office, the provincial police),
procedures of the bundled catalogue with their channel times, Faker ``vi_VN`` applicants, statuses and
dates spread around "now" so that every verdict exists: running with days to spare, due today, due
tomorrow, overdue (some with an apology letter's new date), paused waiting for the citizen, resumed
after a pause, finished early / on time / late, not yet accepted, refused, withdrawn.

Fast path for a million rows: applicants from a pre-generated pool, due dates memoised per
(receipt day, after the 15:00 cut-off, amount, unit) — exact for day-based units, the only ones used
here — and batched Core inserts with explicit ids (no per-row ORM work). Earlier demo dossiers are
removed first (``source = "demo"``); imported and ingested dossiers are left alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import func, select

from db.dossier_repo import delete_dossiers
from db.engine import Database
from db.models.dossiers import Dossier, DossierStatusEvent
from knowledge.calendar import WorkingCalendar, to_local
from knowledge.catalogue.bundled import load_bundled
from knowledge.catalogue.model import Method, Procedure
from knowledge.dossiers.derive import processing_time
from knowledge.dossiers.status import RUNNING
from knowledge.dossiers.verdict import verdict
from knowledge.duedate import Pause, Unit, due_date

SOURCE = "demo"
BATCH = 5000


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    procedures: tuple[str, ...]


AGENCIES = (
    Agency("000.31.22.H26", "UBND xã Tân Hòa", ("1.001193", "1.000656", "1.000894", "1.004873", "1.004884",
                                                "1.004859", "1.001022", "2.000815", "2.000884", "2.001035",
                                                "1.013225", "1.001612", "2.000720")),
    Agency("000.05.22.H26", "UBND phường Đông Thành", ("1.001193", "1.000894", "1.004873", "2.000815",
                                                       "2.001035", "1.001570", "1.013225")),
    Agency("001.31.22.H26", "Công an xã Tân Hòa", ("1.004222", "1.004194", "1.003197", "1.010038", "1.010041",
                                                   "1.014061", "1.014063", "1.014064", "3.000228")),
    Agency("000.00.12.H26", "Văn phòng Đăng ký đất đai tỉnh", ("1.013831", "1.012786", "1.012783", "1.012784")),
    Agency("000.00.09.H26", "Công an tỉnh – Phòng Quản lý xuất nhập cảnh", ("1.001456", "3.000333")),
)

# scenario → weight; each one lands the due date where its verdict needs it
SCENARIOS = {
    "running": 18, "due_today": 3, "due_tomorrow": 3, "overdue": 7, "overdue_rescheduled": 1,
    "paused": 6, "resumed": 3, "finished_early": 22, "finished_on_time": 18, "finished_late": 8,
    "not_started": 4, "refused": 2, "withdrawn": 2, "stopped": 1,
}
MOBILE_PREFIXES = ("086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
                   "088", "091", "094", "083", "084", "085", "081", "082", "089", "090", "093", "070",
                   "079", "077", "076", "078", "092", "056", "058", "099", "059")
PROVINCE_ID_PREFIXES = ("001", "008", "022", "024", "026", "030", "031", "036", "038", "040", "079")


DOSSIER_COLUMNS = (
    "id", "code", "code_tail", "procedure_code", "agency_code", "agency_name", "applicant_name",
    "applicant_phone", "applicant_id_number", "channel", "received_at", "processing_days",
    "processing_unit", "due_at", "due_at_given", "due_at_computed", "due_mismatch", "status", "status_at",
    "finished_at", "returned_at", "rescheduled_due_at", "rescheduled_reason", "rescheduled_at", "source",
    "created_at", "updated_at",
)
EVENT_COLUMNS = ("id", "dossier_id", "status", "at", "note", "by", "recorded_at")


def _insert_sql(table: str, columns: tuple[str, ...], paramstyle: str) -> str:
    """A plain INSERT for the driver's executemany: 10^6 rows through SQLAlchemy's per-value type
    processing would take most of the time."""
    if paramstyle == "qmark":
        marks = ", ".join("?" for _ in columns)
    else:
        marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO {table} ({names}) VALUES ({marks})'


def _sqlite_moment(value: datetime | None) -> str | None:
    """A moment as SQLAlchemy stores it on SQLite (UTC text), for the driver-level insert."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


@dataclass
class DemoSummary:
    count: int = 0
    history: int = 0
    by_scenario: dict[str, int] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)  # scenario → a code
    verify_code: str = ""
    verify_phone_last4: str = ""


class _People:
    """A pool of Faker vi_VN applicants, drawn from at random (Faker per row is too slow for 10^6)."""

    def __init__(self, rng: random.Random, size: int = 5000) -> None:
        from faker import Faker  # here: listing the demo codes of an existing demo needs no applicants

        fake = Faker("vi_VN")
        fake.seed_instance(rng.randrange(2**32))
        self.names = []
        for _ in range(size):
            if rng.random() < 0.5:
                middle = "Văn" if rng.random() < 0.4 else fake.middle_name()
                self.names.append(f"{fake.last_name()} {middle} {fake.first_name_male()}")
            else:
                middle = "Thị" if rng.random() < 0.5 else fake.middle_name()
                self.names.append(f"{fake.last_name()} {middle} {fake.first_name_female()}")
        self.phones = [fake.numerify(rng.choice(MOBILE_PREFIXES) + "#######") for _ in range(size)]
        self.rng = rng

    def draw(self) -> tuple[str, str, str]:
        rng = self.rng
        birth = rng.randrange(40, 106)  # born 1940–2005: century-gender digit 0/1 (1900s) or 2/3 (2000s)
        gender = rng.randrange(2) + (2 if birth >= 100 else 0)
        id_number = f"{rng.choice(PROVINCE_ID_PREFIXES)}{gender}{birth % 100:02d}{rng.randrange(10**6):06d}"
        return rng.choice(self.names), rng.choice(self.phones), id_number


def _channels(p: Procedure) -> list[tuple[Method, float, Unit]]:
    """The procedure's channels with a day-based processing time."""
    out = []
    for c in p.channels:
        t = processing_time(None, None, p, c.method)
        if t is not None and t[1] in (Unit.WORKING, Unit.CALENDAR, Unit.SAME_DAY):
            out.append((c.method, t[0], t[1]))
    return out


async def generate_demo(
    db: Database,
    count: int,
    *,
    now: datetime,
    calendar: WorkingCalendar,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    now = to_local(now, calendar.tz)
    today = now.date()
    catalogue = {p.code: p for p in load_bundled()}
    agencies = [(a, [(catalogue[c], ch) for c in a.procedures if (ch := _channels(catalogue[c]))]) for a in AGENCIES]
    weights = [(a, w) for a, w in zip(agencies, (30, 20, 30, 10, 10))]
    people = _People(rng)
    hours = calendar.office_hours()

    @lru_cache(maxsize=200_000)
    def due_for(day: date, late: bool, amount: float, unit: Unit) -> datetime | None:
        received = datetime.combine(day, time(16, 0) if late else time(9, 0), calendar.tz)
        return due_date(received, amount, unit, (), calendar, hours).due_at

    def moment(day: date, lo: time = time(7, 30), hi: time = time(16, 45)) -> datetime:
        start = lo.hour * 60 + lo.minute
        minutes = rng.randrange(start, max(start + 1, hi.hour * 60 + hi.minute))
        return datetime.combine(day, time(minutes // 60, minutes % 60), calendar.tz)

    def back(n: int) -> date:
        return calendar.add_working_days(today, -n) if n > 0 else today

    def after(start: datetime, lo: int, hi: int) -> datetime:
        """lo..hi minutes after ``start``; somewhere between ``start`` and now when that is later."""
        at = start + timedelta(minutes=rng.randrange(lo, hi))
        return at if at <= now else start + (now - start) * rng.random()

    await delete_dossiers(db, source=SOURCE)
    async with db.session() as session:
        next_id = (await session.scalar(select(func.max(Dossier.id)))) or 0
        next_event = (await session.scalar(select(func.max(DossierStatusEvent.id)))) or 0
    seq: dict[tuple[str, date], int] = {}
    summary = DemoSummary()
    names = list(SCENARIOS)
    scenario_weights = list(SCENARIOS.values())
    dossiers: list[tuple] = []
    events: list[tuple] = []
    utc_now = now.astimezone(UTC)

    moment_out: Callable[[datetime | None], object] = _sqlite_moment if db.is_sqlite else (lambda m: m)
    paramstyle = db.engine.dialect.paramstyle
    dossier_sql = _insert_sql("dossiers", DOSSIER_COLUMNS, paramstyle)
    event_sql = _insert_sql("dossier_status_history", EVENT_COLUMNS, paramstyle)
    stamp = moment_out(utc_now)

    async def flush() -> None:
        async with db.engine.begin() as conn:
            if dossiers:
                await conn.exec_driver_sql(dossier_sql, dossiers)
            if events:
                await conn.exec_driver_sql(event_sql, events)
        if progress:
            progress(len(dossiers))
        dossiers.clear()
        events.clear()

    made = 0
    while made < count:
        scenario = rng.choices(names, scenario_weights)[0]
        agency, procs = rng.choices([a for a, _ in weights], [w for _, w in weights])[0]
        procedure, chans = rng.choice(procs)
        method, amount, unit = rng.choice(chans)
        n = int(amount) if unit is Unit.WORKING else max(1, int(amount))
        # receipt day: how many working days before today, so that the due date falls where wanted
        if scenario == "running":
            offset = rng.randrange(0, max(1, n - 1))
        elif scenario == "due_today":
            offset = n
        elif scenario == "due_tomorrow":
            offset = n - 1
        elif scenario in ("overdue", "overdue_rescheduled"):
            offset = n + rng.randrange(1, 15)
        elif scenario in ("paused", "resumed"):
            offset = rng.randrange(1, n + 3)
        elif scenario == "not_started":
            offset = rng.randrange(0, 3)
        else:
            offset = n + rng.randrange(2, 250)
        if unit is not Unit.WORKING and scenario in ("due_today", "due_tomorrow"):
            continue  # calendar-day times do not land on a chosen working day this simply
        day = back(offset)
        if offset == 0 and now.time() < time(8, 0):
            continue
        key = (agency.code, day)
        if seq.get(key, 0) >= 9999:
            continue
        seq[key] = seq.get(key, 0) + 1
        hi = min(now.time(), time(16, 45)) if day == today else time(16, 45)
        if hi <= time(7, 31):
            continue
        received = moment(day, hi=hi)
        if unit is Unit.SAME_DAY and scenario in ("due_today", "due_tomorrow", "running"):
            received = received.replace(hour=min(received.hour, 14))
        due = due_for(day, received.time() >= time(15, 0), amount, unit)
        name, phone, id_number = people.draw()
        next_id += 1
        code = f"{agency.code}-{day:%y%m%d}-{seq[key]:04d}"
        status, history = 4, [(2, received, "")]
        finished = returned = rescheduled = apology = None
        reason = None
        if scenario in ("running", "due_today", "due_tomorrow", "overdue", "overdue_rescheduled"):
            if rng.random() < 0.8:
                history.append((4, after(received, 30, 600), ""))
            else:
                status = 2
            if scenario == "overdue_rescheduled" and due is not None:
                rescheduled = datetime.combine(calendar.add_working_days(today, rng.randrange(2, 8)), time(17, 0),
                                               calendar.tz)
                reason = "Chờ kết quả xác minh của cơ quan liên quan"
                apology_day = calendar.add_working_days(to_local(due, calendar.tz).date(), -1)
                apology = datetime.combine(max(apology_day, day), time(10, 0), calendar.tz)
        elif scenario in ("paused", "resumed"):
            pause_day = calendar.add_working_days(day, rng.randrange(1, max(2, offset + 1))) if offset else day
            pause_day = min(pause_day, today)
            start = max(moment(pause_day), received + timedelta(minutes=5))
            if start > now:
                start = received + timedelta(minutes=5)
            history += [(4, received + timedelta(minutes=1), ""),
                        (rng.choice((5, 5, 5, 6)), start, "Đề nghị bổ sung bản sao giấy tờ còn thiếu")]
            if scenario == "paused":
                status, due = history[-1][0], None
            else:
                resume = start + timedelta(hours=rng.randrange(2, 70))
                resume = min(resume, now - timedelta(minutes=1))
                if resume <= start:
                    resume = start + timedelta(minutes=1)
                history.append((4, resume, "Đã nhận giấy tờ bổ sung"))
                due = due_date(received, amount, unit, [Pause(start, resume)], calendar, hours).due_at
        elif scenario.startswith("finished") and due is not None:
            due_day = to_local(due, calendar.tz).date()
            if scenario == "finished_early":
                lo = day if day < due_day else due_day
                done_day = calendar.add_working_days(due_day, -rng.randrange(1, n + 1)) if n else due_day
                done_day = max(done_day, lo)
                done = moment(done_day)
                if done_day == due_day or done <= received:
                    scenario = "finished_on_time"
                    done = min(due - timedelta(minutes=rng.randrange(5, 300)), now)
            elif scenario == "finished_on_time":
                done = due - timedelta(minutes=rng.randrange(5, 300))
            else:
                late_by = rng.randrange(1, max(2, min(10, offset - n)))
                done = moment(min(calendar.add_working_days(due_day, late_by), today))
                if done <= due:
                    done = due + timedelta(minutes=rng.randrange(5, 60))
            done = max(min(done, now), received + timedelta(minutes=1))
            finished = done
            status = 10 if rng.random() < 0.85 else 9
            history += [(4, received + timedelta(minutes=1), ""), (9, done, "")]
            if status == 10:
                returned = min(done + timedelta(hours=rng.randrange(1, 48)), now)
                if returned <= done:
                    returned = done + timedelta(seconds=1)
                history.append((10, returned, ""))
        elif scenario == "not_started":
            status, history, due = 1, [(1, received, "")], None
        elif scenario == "refused":
            status, history, due = 3, [(3, received, "Hồ sơ chưa đủ thành phần theo quy định")], None
        elif scenario in ("withdrawn", "stopped"):
            status = 7 if scenario == "withdrawn" else 8
            history += [(4, received + timedelta(minutes=1), ""),
                        (status, min(received + timedelta(days=1), now), "")]
        # Nothing after now: a desk cannot have recorded it yet (the minute steps above can overshoot
        # for a dossier received a moment ago).
        history = [(s, min(at, now), note) for s, at, note in history]
        finished, returned = (min(m, now) if m is not None else None for m in (finished, returned))
        status_at = max(at for s, at, _ in history if s == status)
        m = moment_out
        dossiers.append((
            next_id, code, code[-11:], procedure.code, agency.code, agency.name, name, phone, id_number,
            method.value, m(received), amount, unit.value, m(due), None, m(due), False, status, m(status_at),
            m(finished), m(returned), m(rescheduled), reason, m(apology), SOURCE, stamp, stamp,
        ))
        for s, at, note in history:
            next_event += 1
            events.append((next_event, next_id, s, m(at), note, "", stamp))
        summary.by_scenario[scenario] = summary.by_scenario.get(scenario, 0) + 1
        summary.samples.setdefault(scenario, code)
        if not summary.verify_code and scenario == "running":
            summary.verify_code, summary.verify_phone_last4 = code, phone[-4:]
        summary.history += len(history)
        made += 1
        if len(dossiers) >= BATCH:
            await flush()
    await flush()
    summary.count = made
    return summary


# What each verdict is called in the list of codes to try (knowledge/dossiers/verdict.py's kinds).
SAMPLE_LABELS = {
    "due_in": "đang xử lý, còn hạn / running, on time",
    "due_today": "đến hạn hôm nay / due today",
    "overdue": "quá hạn / overdue",
    "paused": "chờ bổ sung / waiting for the applicant",
    "no_due": "chưa có hạn / no due date",
    "finished_early": "xong trước hạn / finished early",
    "finished_on_time": "xong đúng hạn / finished on time",
    "finished_late": "xong trễ hạn / finished late",
    "finished": "đã xong / finished",
    "not_started": "mới đăng ký / not yet accepted",
    "not_received": "không được tiếp nhận / not accepted",
    "ended": "đã rút hoặc dừng / withdrawn or stopped",
}


@dataclass
class DemoCodes:
    count: int = 0  # demo dossiers in the database
    samples: dict[str, str] = field(default_factory=dict)  # verdict kind now → a code
    verify_code: str = ""  # a running dossier with a phone number: to try the second factor
    verify_phone_last4: str = ""


async def demo_codes(db: Database, *, now: datetime, calendar: WorkingCalendar, read: int = 5000) -> DemoCodes:
    """Codes of the stored demo dossiers to try, one per verdict as of ``now`` (not as generated:
    a demo made yesterday has today's overdue ones). From the first ``read`` rows: a few thousand
    hold every verdict, and a 10^6-row demo is not read whole to print a dozen codes."""
    out = DemoCodes()
    async with db.session() as session:
        out.count = await session.scalar(select(func.count()).select_from(Dossier).where(Dossier.source == SOURCE)) or 0
        rows = (await session.execute(
            select(Dossier.code, Dossier.status, Dossier.due_at, Dossier.finished_at, Dossier.rescheduled_due_at,
                   Dossier.applicant_phone)
            .where(Dossier.source == SOURCE).order_by(Dossier.id).limit(read)
        )).all()
    for code, status, due_at, finished_at, rescheduled, phone in rows:
        v = verdict(status, due_at, now, calendar, finished_at=finished_at, rescheduled_due_at=rescheduled)
        out.samples.setdefault(v.kind, code)
        if not out.verify_code and status in RUNNING and v.kind == "due_in" and phone:
            out.verify_code, out.verify_phone_last4 = code, phone[-4:]
    return out
