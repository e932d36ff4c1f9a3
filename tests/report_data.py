"""A month of dossiers (March 2026), ratings and feedback for the report tests, and its hand count.

Three agencies: the commune (000.31.22.H26), its police unit (001.31.22.H26, covered by the
commune's code) and a ward (000.05.22.H26), plus one feedback item with no agency. Each item says
why it is counted where it is; ``EXPECTED`` is what a person counts by hand from these lines.
"""

from __future__ import annotations

from datetime import datetime

from db.dossier_repo import set_rescheduled_due
from db.engine import Database
from db.models.feedback import Feedback
from db.models.subscriptions import DossierRating
from tests.dossier_data import dossier

COMMUNE, POLICE, WARD = "000.31.22.H26", "001.31.22.H26", "000.05.22.H26"
NAMES = {COMMUNE: "UBND xã Tân Hòa", POLICE: "Công an xã Tân Hòa", WARD: "UBND phường Đông Thành"}
MONTH = "2026-03"
NOW = "2026-05-04T09:00:00+07:00"  # the report is made after March (and April) ended


def at(text: str) -> datetime:
    return datetime.fromisoformat(text if "+" in text else text + "+07:00")


def _history(received: str, *steps: tuple[int, str]) -> list[dict]:
    return [{"status": 2, "at": received, "note": ""}, *({"status": s, "at": t, "note": ""} for s, t in steps)]


def item(agency: str, n: int, received: str, due: str | None, *steps: tuple[int, str], **extra) -> dict:
    """A dossier received at ``received`` (Vietnam time), due at ``due``, with its status steps."""
    code = f"{agency}-{received[2:4]}{received[5:7]}{received[8:10]}-{n:04d}"
    status = steps[-1][0] if steps else 2
    finished = next((t for s, t in steps if s in (9, 10)), None)
    returned = next((t for s, t in steps if s == 10), None)
    data = dossier(code=code, agency_code=agency, agency_name=NAMES[agency], received_at=received, due_at=due,
                   status=status, status_history=_history(received, *steps), finished_at=finished, returned_at=returned,
                   applicant_phone=f"09120000{n:02d}")
    if due is None:  # no due time given, and none to compute: no procedure, no processing time
        data.update(procedure_code=None, processing_days=None, processing_unit=None)
    data.update(extra)
    return data


T = "T09:00:00+07:00"
# name → dossier. (code numbers are per agency and receipt day; the names say what each one is.)
DOSSIERS = {
    # The commune
    "on_time": item(COMMUNE, 1, "2026-03-02" + T, "2026-03-09T17:00:00+07:00", (4, "2026-03-02T10:00:00+07:00"),
                    (9, "2026-03-06T10:00:00+07:00"), (10, "2026-03-06T15:00:00+07:00")),
    "at_the_due_time": item(COMMUNE, 2, "2026-03-02" + T, "2026-03-10T17:00:00+07:00",
                            (9, "2026-03-10T17:00:00+07:00")),  # exactly at the due time: on time
    "late": item(COMMUNE, 3, "2026-03-03" + T, "2026-03-10T17:00:00+07:00", (9, "2026-03-12T09:00:00+07:00")),
    # Late, with an apology letter: finished before the new date, after the legal one: still late.
    "late_apology": item(COMMUNE, 4, "2026-03-04" + T, "2026-03-11T17:00:00+07:00", (4, "2026-03-04T10:00:00+07:00"),
                         (10, "2026-03-17T10:00:00+07:00")),
    # An apology was sent, then it finished by the original due time after all: on time.
    "apology_on_time": item(COMMUNE, 5, "2026-03-05" + T, "2026-03-13T17:00:00+07:00",
                            (9, "2026-03-12T15:00:00+07:00")),
    # 23:30 on 31/03 in Vietnam (16:30 UTC): finished in March, on time.
    "last_evening": item(COMMUNE, 6, "2026-03-27" + T, "2026-04-02T17:00:00+07:00", (9, "2026-03-31T23:30:00+07:00")),
    "overdue_running": item(COMMUNE, 7, "2026-03-10" + T, "2026-03-20T17:00:00+07:00", (4, "2026-03-10T10:00:00+07:00")),
    # Running and overdue when March ended, finished in April (with an apology set in March).
    "finished_in_april": item(COMMUNE, 8, "2026-03-12" + T, "2026-03-19T17:00:00+07:00",
                              (4, "2026-03-12T10:00:00+07:00"), (10, "2026-04-02T10:00:00+07:00")),
    # Finished 00:30 on 01/04 in Vietnam — 31/03 17:30 UTC: April's, and overdue unfinished at March's end.
    "first_night_of_april": item(COMMUNE, 9, "2026-03-20" + T, "2026-03-27T17:00:00+07:00",
                                 (9, "2026-04-01T00:30:00+07:00")),
    "withdrawn": item(COMMUNE, 10, "2026-03-13" + T, "2026-03-20T17:00:00+07:00", (7, "2026-03-15T10:00:00+07:00")),
    "paused": item(COMMUNE, 11, "2026-03-16" + T, "2026-03-23T17:00:00+07:00", (5, "2026-03-20T10:00:00+07:00")),
    "not_yet_due": item(COMMUNE, 12, "2026-03-27" + T, "2026-04-03T17:00:00+07:00", (4, "2026-03-27T10:00:00+07:00")),
    "february": item(COMMUNE, 13, "2026-02-10" + T, "2026-02-20T17:00:00+07:00", (9, "2026-02-25T10:00:00+07:00")),
    "no_due_time": item(COMMUNE, 14, "2026-03-02" + T, None, (9, "2026-03-05T10:00:00+07:00")),
    # The police unit
    "police_on_time": item(POLICE, 1, "2026-03-02" + T, "2026-03-09T17:00:00+07:00", (9, "2026-03-05T10:00:00+07:00")),
    "police_overdue": item(POLICE, 2, "2026-03-16" + T, "2026-03-23T17:00:00+07:00", (4, "2026-03-16T10:00:00+07:00")),
    # The ward
    "ward_late": item(WARD, 1, "2026-03-02" + T, "2026-03-09T17:00:00+07:00", (10, "2026-03-11T10:00:00+07:00")),
    "ward_on_time": item(WARD, 2, "2026-03-03" + T, "2026-03-10T17:00:00+07:00", (10, "2026-03-09T10:00:00+07:00")),
}
# name → (new date, when the letter was approved)
APOLOGIES = {
    "late_apology": ("2026-03-18T17:00:00+07:00", "2026-03-10T09:00:00+07:00"),
    "apology_on_time": ("2026-03-20T17:00:00+07:00", "2026-03-11T09:00:00+07:00"),
    "finished_in_april": ("2026-04-03T17:00:00+07:00", "2026-03-25T09:00:00+07:00"),
    "police_overdue": ("2026-03-31T17:00:00+07:00", "2026-03-28T09:00:00+07:00"),
}
# (dossier, level, when)
RATINGS = [
    ("on_time", "satisfied", "2026-03-15T10:00:00"),
    ("on_time", "very_satisfied", "2026-03-16T10:00:00"),  # Rất hài lòng
    ("late", "neutral", "2026-03-20T10:00:00"),
    ("late_apology", "unsatisfied", "2026-03-22T10:00:00"),
    ("at_the_due_time", "satisfied", "2026-03-31T23:59:00"),  # still March in Vietnam
    ("last_evening", "satisfied", "2026-04-05T10:00:00"),  # April's
    ("ward_late", "satisfied", "2026-03-12T10:00:00"),
]
# (agency, received, due, answered)
FEEDBACK = [
    (COMMUNE, "2026-03-02T09:00:00", "2026-03-16T17:00:00", "2026-03-10T10:00:00"),  # received, answered in time
    (COMMUNE, "2026-03-05T09:00:00", "2026-03-19T17:00:00", "2026-03-25T10:00:00"),  # received, answered late
    (COMMUNE, "2026-03-20T09:00:00", "2026-04-03T17:00:00", None),  # received; due in April
    (COMMUNE, "2026-02-20T09:00:00", "2026-03-06T17:00:00", None),  # February's, overdue in March
    (COMMUNE, "2026-02-25T09:00:00", "2026-03-10T17:00:00", "2026-02-27T10:00:00"),  # all in February
    (COMMUNE, "2026-03-25T09:00:00", "2026-04-08T17:00:00", "2026-03-30T10:00:00"),  # received, answered early
    (WARD, "2026-03-10T09:00:00", "2026-03-24T17:00:00", "2026-03-24T17:00:00"),  # answered at the due time
    (None, "2026-03-12T09:00:00", "2026-03-26T17:00:00", None),  # no agency: the province's, overdue
]

ZERO = {"finished": 0, "finished_on_time": 0, "finished_late": 0, "on_time_rate": "", "overdue_unfinished": 0,
        "apology_letters": 0, "ratings": 0, "satisfied": 0, "satisfaction_rate": "", "feedback_received": 0,
        "feedback_answered_on_time": 0, "feedback_overdue": 0}
# The hand count of March 2026, by agency (rates as the CSV writes them).
EXPECTED = {
    COMMUNE: {**ZERO, "agency_name": NAMES[COMMUNE],
              # on_time, at_the_due_time, apology_on_time, last_evening | late, late_apology
              "finished": 6, "finished_on_time": 4, "finished_late": 2, "on_time_rate": "0.6667",
              # overdue_running, finished_in_april, first_night_of_april (not: withdrawn, paused, not_yet_due)
              "overdue_unfinished": 3,
              "apology_letters": 2,  # late_apology, finished_in_april (not apology_on_time: not late)
              "ratings": 5, "satisfied": 3, "satisfaction_rate": "0.6000",
              "feedback_received": 4, "feedback_answered_on_time": 2, "feedback_overdue": 2},
    POLICE: {**ZERO, "agency_name": NAMES[POLICE], "finished": 1, "finished_on_time": 1, "on_time_rate": "1.0000",
             "overdue_unfinished": 1, "apology_letters": 1},
    WARD: {**ZERO, "agency_name": NAMES[WARD], "finished": 2, "finished_on_time": 1, "finished_late": 1,
           "on_time_rate": "0.5000", "ratings": 1, "satisfied": 1, "satisfaction_rate": "1.0000",
           "feedback_received": 1, "feedback_answered_on_time": 1},
    "": {**ZERO, "agency_name": "Chưa xác định cơ quan / no agency", "feedback_received": 1, "feedback_overdue": 1},
}


def total(*codes: str) -> dict:
    """The ALL row of these agencies: the counts summed, the rates recomputed."""
    row = {**ZERO, "agency_name": "Tất cả / All"}
    for code in codes:
        for name, value in EXPECTED[code].items():
            if isinstance(value, int):
                row[name] += value
    row["on_time_rate"] = f"{row['finished_on_time'] / row['finished']:.4f}" if row["finished"] else ""
    row["satisfaction_rate"] = f"{row['satisfied'] / row['ratings']:.4f}" if row["ratings"] else ""
    return row


async def add_ratings_feedback_apologies(db: Database, ids: dict[str, int]) -> None:
    """What is not in the import file: the apology letters' new dates, ratings and feedback rows."""
    for name, (new_due, approved) in APOLOGIES.items():
        await set_rescheduled_due(db, DOSSIERS[name]["code"], at(new_due), "Chờ xác minh", at=at(approved))
    async with db.transaction() as session:
        for n, (name, level, when) in enumerate(RATINGS):
            session.add(DossierRating(dossier_id=ids[name], agency_code=DOSSIERS[name]["agency_code"], channel="telegram",
                                      chat_id=f"citizen{n}", level=level, rated_at=at(when)))
        for n, (agency, received, due, answered) in enumerate(FEEDBACK, start=1):
            session.add(Feedback(
                code=f"PA-{received[2:4]}{received[5:7]}{received[8:10]}-{n:04d}", channel="telegram",
                chat_id=f"citizen{n}", topic="other", content="Nội dung phản ánh", agency_code=agency,
                agency_name=NAMES.get(agency or "", ""), routed_province=agency is None,
                status="answered" if answered else "open", received_at=at(received), due_days=10, due_at=at(due),
                answered_at=at(answered) if answered else None, answer="Đã xử lý" if answered else None))
