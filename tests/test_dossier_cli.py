"""``motcua dossiers import`` and ``motcua dossiers demo`` as real subprocesses, and a scripted
``motcua chat`` session that looks up a demo dossier and verifies."""

import asyncio
import csv
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.engine import Database
from knowledge.calendar import default_calendar
from knowledge.dossiers.verdict import verdict
from tests.dossier_data import dossier

MOTCUA = str(Path(sys.executable).with_name("motcua"))
NOW = "2026-03-11T10:00:00+07:00"
COLUMNS = ["code", "procedure_code", "agency_code", "agency_name", "applicant_name", "applicant_phone",
           "applicant_id_number", "received_at", "processing_days", "processing_unit", "due_at", "status",
           "status_history", "finished_at", "returned_at"]


def motcua(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
           "MOTCUA_DATA_DIR": str(tmp_path)}
    env.pop("MOTCUA_BACKEND_URL", None)
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, env=env, input=stdin, timeout=300)


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    async def go():
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
        try:
            async with db.engine.connect() as conn:
                return [tuple(r) for r in (await conn.exec_driver_sql(sql)).all()]
        finally:
            await db.dispose()

    return asyncio.run(go())


def moment(text: str | None) -> datetime | None:
    """A moment as SQLite holds it (UTC text)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None


def items() -> list[dict]:
    return [
        dossier(),
        dossier(code="000.00.22.H26-260302-0002", status="Chờ bổ sung hồ sơ", status_history=[]),
        dossier(code="not-a-code"),  # line 3: bad
        dossier(code="000.00.22.H26-260302-0004", received_at="2026-03-02 09:00"),  # line 4: no offset
        dossier(code="000.00.22.H26-260302-0005", status=10, status_history=[], finished_at="2026-03-06T10:00:00+07:00"),
    ]


def test_import_json_lines(tmp_path):
    path = tmp_path / "d.jsonl"
    lines = [json.dumps(i, ensure_ascii=False) for i in items()]
    lines.insert(3, "{broken json")  # line 4 now; the no-offset row moves to line 5
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    result = motcua(tmp_path, "dossiers", "import", str(path))
    assert result.returncode == 1, result.stderr
    assert "d.jsonl:3: code:" in result.stderr and "not a dossier code" in result.stderr
    assert "d.jsonl:4: (row): không phải JSON / not JSON" in result.stderr
    assert "d.jsonl:5: received_at:" in result.stderr and "timezone" in result.stderr
    assert "3 created" in result.stdout and "3 rejected" in result.stdout
    assert rows(tmp_path, "SELECT count(*) FROM dossiers") == [(3,)]
    again = motcua(tmp_path, "dossiers", "import", str(path))
    assert "0 created, 0 updated, 3 unchanged" in again.stdout
    # 3 + 1 made-up entry for the new status-5 dossier; none for the one first seen finished (0005)
    assert rows(tmp_path, "SELECT count(*) FROM dossier_status_history") == [(4,)]


def test_import_csv_with_a_bom_and_the_history_as_json(tmp_path):
    path = tmp_path / "d.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for item in items():
            writer.writerow([json.dumps(item[c], ensure_ascii=False) if c == "status_history"
                             else ("" if item.get(c) is None else item[c]) for c in COLUMNS])
        writer.writerow(["000.00.22.H26-260302-0006", "1.004194"])  # line 7: too few columns
    result = motcua(tmp_path, "dossiers", "import", str(path))
    assert result.returncode == 1
    assert "d.csv:4: code:" in result.stderr and "d.csv:5: received_at:" in result.stderr
    assert "d.csv:7: (row): 2 cột" in result.stderr
    assert "3 created" in result.stdout
    assert rows(tmp_path, "SELECT status, applicant_name FROM dossiers WHERE code = '000.00.22.H26-260302-0001'") == [
        (4, "Nguyễn Văn An")]
    assert "3 unchanged" in motcua(tmp_path, "dossiers", "import", str(path)).stdout


def test_import_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(json.dumps(dossier(applicant_name="Nguyễn Văn An"), ensure_ascii=False).encode("cp1258", "replace")
                     + b"\xff\xfe\n")
    result = motcua(tmp_path, "dossiers", "import", str(path))
    assert result.returncode != 0 and "UTF-8" in result.stderr and "Traceback" not in result.stderr


def test_demo_spreads_every_case_and_a_scripted_chat_verifies(tmp_path):
    result = motcua(tmp_path, "dossiers", "demo", "--count", "3000", "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert "3000 demo dossiers" in result.stdout
    match = re.search(r"send (\S+), then the last 4 phone digits (\d{4})", result.stdout)
    assert match
    code, digits = match.groups()

    now = datetime.fromisoformat(NOW)
    cal = default_calendar()
    kinds: dict[str, int] = {}
    for status, due, finished, rescheduled in rows(
        tmp_path, "SELECT status, due_at, finished_at, rescheduled_due_at FROM dossiers"
    ):
        v = verdict(status, moment(due), now, cal, finished_at=moment(finished), rescheduled_due_at=moment(rescheduled))
        key = "due_tomorrow" if v.kind == "due_in" and v.days == 1 else v.kind
        kinds[key] = kinds.get(key, 0) + 1
        if rescheduled:
            kinds["rescheduled"] = kinds.get("rescheduled", 0) + 1
    for kind in ("due_in", "due_today", "due_tomorrow", "overdue", "paused", "finished_early", "finished_on_time",
                 "finished_late", "not_started", "not_received", "ended", "rescheduled"):
        assert kinds.get(kind, 0) >= 5, (kind, kinds)
    phones, ids = zip(*rows(tmp_path, "SELECT applicant_phone, applicant_id_number FROM dossiers"))
    assert all(re.fullmatch(r"0\d{9}", p) for p in phones) and all(re.fullmatch(r"\d{12}", i) for i in ids)
    codes = [c for (c,) in rows(tmp_path, "SELECT code FROM dossiers")]
    assert all(re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.H26-\d{6}-\d{4}", c) for c in codes)

    again = motcua(tmp_path, "dossiers", "demo", "--count", "500", "--now", NOW)
    assert again.returncode == 0 and rows(tmp_path, "SELECT count(*) FROM dossiers") == [(500,)]

    code, digits = re.search(r"send (\S+), then the last 4 phone digits (\d{4})", again.stdout).groups()
    session = motcua(tmp_path, "chat", stdin=f"cho hỏi hồ sơ {code.lower()}\n{digits}\n")
    assert session.returncode == 0, session.stderr
    first, second = session.stdout.split("\n\n📁")[:2]
    assert code in first and "4 số cuối" in first and "***" not in first
    assert re.search(r"Người nộp: \S+ \S\*\*\*", second) and "Quá trình xử lý" in second


@pytest.mark.parametrize("bad", [["--count", "0"], ["--now", "yesterday"]])
def test_demo_bad_options(tmp_path, bad):
    result = motcua(tmp_path, "dossiers", "demo", *bad)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_no_demo_dossier_has_a_history_entry_after_now(tmp_path):
    """Issue #13: a dossier received minutes before `--now` was "being processed" hours later."""
    early = "2026-03-11T08:20:00+07:00"  # a morning: several dossiers were received minutes ago
    assert motcua(tmp_path, "dossiers", "demo", "--count", "1500", "--now", early).returncode == 0
    now = datetime.fromisoformat(early)
    history = [moment(at) for (at,) in rows(tmp_path, "SELECT at FROM dossier_status_history")]
    assert sum(at.date() == now.date() for at in history) >= 10  # the case is there to get wrong
    assert max(history) <= now
    for column in ("status_at", "received_at", "finished_at", "returned_at"):
        stored = [moment(m) for (m,) in rows(tmp_path, f"SELECT {column} FROM dossiers WHERE {column} IS NOT NULL")]
        assert max(stored) <= now, column
