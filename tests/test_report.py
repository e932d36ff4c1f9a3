"""``motcua report`` as a real subprocess over a month of imported dossiers (tests/report_data.py):
every CSV cell equals the hand count, the XLSX holds the same table, the PNG charts open; the scope
of ``--agency``; the month under way counted to now; a past month counted as it stood at its end;
bad input answered clearly. And the definitions themselves, one by one, at the repository."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from db.dossier_repo import get_dossier
from db.engine import Database
from db.report_repo import month_figures, scope_for
from handlers.report import COLUMNS
from knowledge.calendar import VN_TZ
from knowledge.months import Month
from tests.report_data import (
    COMMUNE,
    DOSSIERS,
    EXPECTED,
    MONTH,
    POLICE,
    WARD,
    add_ratings_feedback_apologies,
    at,
    item,
    total,
)

MOTCUA = str(Path(sys.executable).with_name("motcua"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHARTS = ("on_time", "satisfaction", "feedback", "trend", "summary")


def motcua(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{home / 'm.db'}", "MOTCUA_DATA_DIR": str(home)}
    env.pop("MOTCUA_BACKEND_URL", None)
    env.pop("MOTCUA_CALENDAR_FILE", None)
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    """March 2026 imported with ``motcua dossiers import``, then the ratings, feedback and apology
    letters (which no import file carries) added to the same database."""
    home = tmp_path_factory.mktemp("report")
    lines = home / "march.jsonl"
    lines.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DOSSIERS.values()), encoding="utf-8")
    imported = motcua(home, "dossiers", "import", str(lines))
    assert imported.returncode == 0, imported.stdout + imported.stderr

    async def extras():
        db = Database(f"sqlite+aiosqlite:///{home / 'm.db'}")
        try:
            ids = {name: (await get_dossier(db, d["code"], with_history=False)).dossier.id for name, d in DOSSIERS.items()}
            await add_ratings_feedback_apologies(db, ids)
        finally:
            await db.dispose()

    asyncio.run(extras())
    return home


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == list(COLUMNS)
        return {row["agency_code"]: row for row in reader}


def as_cells(expected: dict) -> dict[str, str]:
    return {name: str(value) for name, value in expected.items()}


def test_every_cell_equals_the_hand_count(month):
    out = month / "all"
    done = motcua(month, "report", "--month", MONTH, "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = read_csv(out / "report.csv")
    for code in (COMMUNE, POLICE, WARD, ""):
        row = table[code]
        assert {k: v for k, v in row.items() if k != "agency_code"} == as_cells(EXPECTED[code]), code
    assert {k: v for k, v in table["ALL"].items() if k != "agency_code"} == as_cells(total(COMMUNE, POLICE, WARD, ""))
    # The total by hand too, not only as the sum of the rows: 9 finished, 6 on time; 6 of 9 satisfied.
    assert (table["ALL"]["finished"], table["ALL"]["finished_on_time"], table["ALL"]["on_time_rate"]) == ("9", "6", "0.6667")
    assert (table["ALL"]["overdue_unfinished"], table["ALL"]["apology_letters"]) == ("4", "3")
    assert (table["ALL"]["ratings"], table["ALL"]["satisfied"], table["ALL"]["satisfaction_rate"]) == ("6", "4", "0.6667")
    assert [table["ALL"][k] for k in ("feedback_received", "feedback_answered_on_time", "feedback_overdue")] == ["6", "3", "3"]
    # The agencies in code order, then the total.
    with (out / "report.csv").open(encoding="utf-8") as f:
        assert [line.split(",")[0] for line in f.read().splitlines()[1:]] == ["", WARD, COMMUNE, POLICE, "ALL"]

    for name in CHARTS:
        assert str(out / f"{name}.png") in done.stdout.splitlines()
    assert "Tháng 03/2026:" in done.stdout and "(đến nay" not in done.stdout


def test_the_xlsx_holds_the_same_table(month):
    from openpyxl import load_workbook

    out = month / "xlsx"
    assert motcua(month, "report", "--month", MONTH, "--out", str(out)).returncode == 0
    book = load_workbook(out / "report.xlsx")
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    cells = read_csv(out / "report.csv")
    assert len(rows) == 1 + len(cells)
    for values in rows[1:]:
        row = dict(zip(COLUMNS, values))
        csv_row = cells[row["agency_code"] or ""]
        for name in COLUMNS:
            if name.endswith("_rate"):
                assert (row[name] is None) == (csv_row[name] == "")
                if row[name] is not None:
                    assert f"{row[name]:.4f}" == csv_row[name]
                    assert sheet.cell(rows.index(values) + 1, COLUMNS.index(name) + 1).number_format == "0.0%"
            else:
                assert str(row[name] if row[name] is not None else "") == csv_row[name], name
    trend = book.worksheets[1]
    months = [r[0] for r in trend.iter_rows(min_row=2, values_only=True)]
    assert months[0] == "04/2025" and months[-1] == "03/2026" and len(months) == 12
    assert "Rất hài lòng" in str([c.value for c in book.worksheets[2]["C"]])


def test_the_charts_are_pngs_that_open(month):
    from matplotlib import image

    out = month / "charts"
    assert motcua(month, "report", "--month", MONTH, "--out", str(out)).returncode == 0
    for name in CHARTS:
        path = out / f"{name}.png"
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, name
        pixels = image.imread(path)
        height, width = pixels.shape[:2]
        assert width >= 800 and height >= 300, name
        assert pixels.std() > 0.05, name  # not a blank canvas
    assert len((out / "summary.png").read_bytes()) < 1024 * 1024  # Zalo's upload limit


def test_agency_scope_is_the_agency_and_what_it_covers(month):
    out = month / "commune"
    done = motcua(month, "report", "--month", MONTH, "--agency", COMMUNE, "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = read_csv(out / "report.csv")
    assert list(table) == [COMMUNE, POLICE, "ALL"]  # not the ward, not the province's unassigned feedback
    assert {k: v for k, v in table["ALL"].items() if k != "agency_code"} == as_cells(total(COMMUNE, POLICE))
    ward = month / "ward"
    assert motcua(month, "report", "--month", MONTH, "--agency", WARD, "--out", str(ward)).returncode == 0
    assert list(read_csv(ward / "report.csv")) == [WARD, "ALL"]


def test_bad_input_is_answered_clearly(month):
    for args in (["--month", "03-2026x"], ["--month", "2026-13"], ["--month", "2101-01"], ["--month", "2099-12"],
                 ["--month", MONTH, "--agency", "<script>"]):
        done = motcua(month, "report", *args, "--out", str(month / "bad"))
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr and done.stderr.strip(), args
    assert not (month / "bad").exists()
    blocked = month / "a_file"
    blocked.write_text("not a directory")
    done = motcua(month, "report", "--month", MONTH, "--out", str(blocked / "sub"))
    assert done.returncode != 0 and "Traceback" not in done.stderr


# --- the definitions at the repository ---------------------------------------------------------
async def test_a_past_month_is_counted_as_it_stood_at_its_end(db, deps):
    """The status history decides: a dossier running at the month's end counts as overdue then,
    whatever it is now; one withdrawn later still counted; Vietnam time bounds the month."""
    from db.dossier_repo import upsert_dossiers
    from knowledge.dossiers.schema import DossierIn

    items = [DOSSIERS[name] for name in ("finished_in_april", "first_night_of_april", "last_evening", "withdrawn")]
    withdrawn_later = dict(DOSSIERS["overdue_running"])
    withdrawn_later["status"] = 7
    withdrawn_later["status_history"] = [*withdrawn_later["status_history"],
                                         {"status": 7, "at": "2026-04-10T09:00:00+07:00", "note": ""}]
    await upsert_dossiers(db, [DossierIn.model_validate(i) for i in [*items, withdrawn_later]], calendar=deps.calendar,
                          source="test")
    march, april = Month(2026, 3), Month(2026, 4)
    now = at("2026-05-04T09:00:00")
    m = (await month_figures(db, march.start(VN_TZ), march.end(VN_TZ), now=now)).total
    assert (m.finished, m.finished_on_time, m.overdue_unfinished) == (1, 1, 3)  # last_evening | 3 running at the end
    a = (await month_figures(db, april.start(VN_TZ), april.end(VN_TZ), now=now)).total
    assert (a.finished, a.finished_late, a.overdue_unfinished) == (2, 2, 0)  # both finished late in April


async def test_rates_are_empty_without_a_denominator_and_scopes_nest(db):
    from db.report_repo import Figures

    empty = Figures("X")
    assert (empty.on_time_rate, empty.satisfaction_rate, empty.feedback_on_time_rate) == (None, None, None)
    march = Month(2026, 3)
    nothing = await month_figures(db, march.start(), march.end(), now=datetime(2026, 5, 1, tzinfo=VN_TZ))
    assert nothing.rows == [] and nothing.total.counts() == Figures("ALL").counts()
    district = await scope_for(db, "000.00.22.H26")
    assert district.codes == ("000.00.22.H26",) and not district.unassigned
    assert (await scope_for(db, "000.00.00.H26")).unassigned  # the province sees feedback without an agency


async def test_the_month_under_way_is_counted_to_now(db, deps):
    """On 25/03 at noon, the month so far: what finished by now, what is overdue now. Counted from
    the dossiers' current status (nothing has changed since now) — the same figures the status
    history gives for a month that ended at that moment."""
    from db.dossier_repo import set_rescheduled_due, upsert_dossiers
    from db.models.feedback import Feedback
    from db.models.subscriptions import DossierRating
    from knowledge.dossiers.schema import DossierIn

    now = at("2026-03-25T12:00:00")
    T = "T09:00:00+07:00"
    items = [
        item(COMMUNE, 21, "2026-03-05" + T, "2026-03-12T17:00:00+07:00", (9, "2026-03-10T10:00:00+07:00")),  # on time
        item(COMMUNE, 22, "2026-03-11" + T, "2026-03-18T17:00:00+07:00", (10, "2026-03-20T10:00:00+07:00")),  # late
        item(COMMUNE, 23, "2026-03-13" + T, "2026-03-20T17:00:00+07:00", (4, "2026-03-16T10:00:00+07:00")),  # overdue
        item(COMMUNE, 24, "2026-03-16" + T, "2026-03-23T17:00:00+07:00", (5, "2026-03-21T10:00:00+07:00")),  # paused
        item(COMMUNE, 25, "2026-03-20" + T, "2026-03-27T17:00:00+07:00", (4, "2026-03-20T10:00:00+07:00")),  # not due
        item(COMMUNE, 26, "2026-03-13" + T, "2026-03-20T17:00:00+07:00", (7, "2026-03-22T10:00:00+07:00")),  # withdrawn
        item(POLICE, 27, "2026-03-12" + T, "2026-03-19T17:00:00+07:00", (4, "2026-03-12T10:00:00+07:00")),  # overdue
    ]
    await upsert_dossiers(db, [DossierIn.model_validate(i) for i in items], calendar=deps.calendar, source="test", now=now)
    # Rescheduled to 27/03: not overdue by the new date, overdue by the legal one — and with an apology.
    police = await set_rescheduled_due(db, items[-1]["code"], at("2026-03-27T17:00:00"), "Chờ xác minh",
                                       at=at("2026-03-18T09:00:00"))
    async with db.transaction() as session:
        session.add_all([
            DossierRating(dossier_id=police.id, agency_code=POLICE, channel="zalo", chat_id="c1", level="satisfied",
                          rated_at=at("2026-03-20T10:00:00")),
            DossierRating(dossier_id=police.id, agency_code=POLICE, channel="zalo", chat_id="c2", level="neutral",
                          rated_at=at("2026-03-21T10:00:00")),
            *(Feedback(code=f"PA-2603{n:02d}-0001", channel="zalo", chat_id="c1", topic="other", content="…",
                       agency_code=COMMUNE, status="answered" if answered else "open", received_at=at(received),
                       due_days=10, due_at=at(due), answered_at=at(answered) if answered else None)
              for n, (received, due, answered) in enumerate([
                  ("2026-03-02T09:00:00", "2026-03-16T17:00:00", "2026-03-10T10:00:00"),  # answered in time
                  ("2026-03-05T09:00:00", "2026-03-19T17:00:00", None),  # overdue, not answered
                  ("2026-03-24T09:00:00", "2026-04-07T17:00:00", None),  # received, not due yet
              ], start=1)),
        ])
    march = Month(2026, 3)
    scope = await scope_for(db, COMMUNE)
    so_far = await month_figures(db, march.start(), march.end(), now=now, scope=scope)
    assert so_far.at == now
    t = so_far.total
    assert (t.finished, t.finished_on_time, t.finished_late, t.overdue_unfinished, t.apology_letters) == (2, 1, 1, 2, 1)
    assert (t.ratings, t.satisfied) == (2, 1)
    assert (t.feedback_received, t.feedback_answered_on_time, t.feedback_overdue) == (3, 1, 1)
    # A "month" that ended at that moment, read a day later through the history: the same figures.
    ended = await month_figures(db, march.start(), now, now=at("2026-03-26T12:00:00"), scope=scope)
    assert ended.at == now and ended.total.counts() == t.counts()


@pytest.mark.parametrize("typed, month", [
    ("2026-03", Month(2026, 3)), ("2026-3", Month(2026, 3)), ("03/2026", Month(2026, 3)), ("3/2026", Month(2026, 3)),
    ("tháng 3/2026", Month(2026, 3)), ("Thang 12-2025", Month(2025, 12)), ("13/2026", None), ("2026-00", None),
    ("1999-12", None), ("2100-12", None), ("tháng ba", None), ("", None), ("03/2026 x", None),
])
def test_months_as_typed(typed, month):
    assert Month.parse(typed) == month


def test_month_bounds_are_vietnam_midnights():
    march = Month(2026, 3)
    assert march.start().isoformat() == "2026-03-01T00:00:00+07:00" and march.end() == Month(2026, 4).start()
    assert Month(2026, 1).shifted(-1) == Month(2025, 12) and Month(2025, 12).shifted(13) == Month(2027, 1)
    assert Month.of(at("2026-03-31T23:30:00")) == march and Month.of(datetime.fromisoformat("2026-03-31T17:30:00+00:00")) == Month(2026, 4)


async def test_a_month_at_the_calendars_start_has_a_shorter_trend_not_an_error(db):
    from datetime import datetime, timezone

    from handlers.report import monthly_report
    from knowledge.months import Month

    report = await monthly_report(db, Month(2000, 3), now=datetime(2026, 12, 3, tzinfo=timezone.utc))
    assert [label for label, _ in report.months] == ["01/2000", "02/2000", "03/2000"]
