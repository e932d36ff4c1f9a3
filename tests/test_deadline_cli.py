"""``motcua deadline`` and ``motcua calendar show`` run as real subprocesses: the worked examples of
vn-rules.md in the flag form and the stdin JSON-lines form (a contract external checks rely on),
bad lines, and an administrator's override file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

MOTCUA = str(Path(sys.executable).with_name("motcua"))

# (flags, JSON line, due date, a fragment of the explanation)
EXAMPLES = [
    (["--received", "2026-11-19T10:00", "--days", "3"],
     {"received": "2026-11-19T10:00", "days": 3},
     "2026-11-25", "bỏ qua 24/11 (Ngày Văn hóa Việt Nam)"),
    (["--received", "2025-01-24T09:00", "--days", "5"],
     {"received": "2025-01-24T09:00", "days": 5, "unit": "working"},
     "2025-02-07", "27/01–31/01 (Tết Nguyên đán)"),
    (["--received", "2025-04-26T09:00", "--days", "1"],
     {"received": "2025-04-26T09:00", "days": 1},
     "2025-04-28", "ngày làm bù"),
    (["--received", "2025-04-29T10:00", "--days", "3"],
     {"received": "2025-04-29T10:00", "days": 3, "unit": "WORKING_DAY"},
     "2025-05-07", "tính từ 05/05"),
    (["--received", "2026-11-23T16:10", "--days", "0", "--unit", "same_day"],
     {"received": "2026-11-23T16:10", "days": 0, "unit": "same_day"},
     "2026-11-25", "sau 15:00"),
    (["--received", "2026-03-02T09:00", "--days", "5", "--pause", "2026-03-05T10:00/2026-03-09T15:00"],
     {"received": "2026-03-02T09:00", "days": 5, "pauses": [["2026-03-05T10:00", "2026-03-09T15:00"]]},
     "2026-03-12", "tính lại từ 10/03"),
]


def run(*args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None):
    environ = {k: v for k, v in os.environ.items() if k != "MOTCUA_CALENDAR_FILE"}
    environ.update(env or {})
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([MOTCUA, *args], input=data, capture_output=True, env=environ, timeout=120)


def lines(proc) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.decode().splitlines()]


@pytest.mark.parametrize(("flags", "line", "due", "fragment"), EXAMPLES, ids=[e[2] for e in EXAMPLES])
def test_flag_form_json(flags, line, due, fragment):
    proc = run("deadline", *flags, "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    [out] = lines(proc)
    assert out["due_date"] == due
    assert out["due_at"] == f"{due}T17:00:00+07:00"
    assert fragment in out["explanation"]


def test_flag_form_text_shows_the_due_date_and_the_reason():
    proc = run("deadline", "--received", "2026-11-19T10:00", "--days", "3")
    assert proc.returncode == 0
    text = proc.stdout.decode()
    assert "25/11/2026" in text and "(2026-11-25)" in text
    assert "tính từ 20/11" in text and "bỏ qua 24/11 (Ngày Văn hóa Việt Nam)" in text


def test_stdin_json_lines_give_every_worked_example():
    stdin = "\n".join(json.dumps(line) for _, line, _, _ in EXAMPLES) + "\n"
    proc = run("deadline", stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    results = lines(proc)
    assert [r["due_date"] for r in results] == [due for _, _, due, _ in EXAMPLES]
    for result, (_, _, due, fragment) in zip(results, EXAMPLES):
        assert result["due_at"] == f"{due}T17:00:00+07:00"
        assert fragment in result["explanation"]


def test_bad_lines_get_an_error_and_the_others_still_run():
    good = json.dumps({"received": "2026-11-19T10:00", "days": 3})
    unit = unicodedata.normalize("NFD", "Ngày làm việc")  # macOS/Windows "tổ hợp" input, UTC time
    nfd_unit = json.dumps({"received": "2026-11-19T03:00:00Z", "days": 3, "unit": unit}, ensure_ascii=False)
    bad = [
        "garbage",
        "[]",
        json.dumps({"days": 3}),
        json.dumps({"received": "<script>alert(1)</script>", "days": 3}),
        json.dumps({"received": "2026-11-19T10:00", "days": "3; DROP TABLE dossiers; --"}),
        json.dumps({"received": "2026-11-19T10:00", "days": 1e308}),
        '{"received": "2026-11-19T10:00", "days": NaN}',
        json.dumps({"received": "2026-11-19T10:00", "days": -2}),
        json.dumps({"received": "2026-11-19T10:00", "days": 3, "unit": "🙂"}),
        json.dumps({"received": "1899-01-01T10:00", "days": 3}),
        json.dumps({"received": "2026-11-19T10:00", "days": 3, "pauses": [["2026-11-18T10:00", None]]}),
        json.dumps({"received": "2026-11-19T10:00", "days": 3, "pauses": "soon"}),
    ]
    stdin = "\n".join([good, *bad, "", nfd_unit]).encode() + b"\n\xff\xfe{not utf-8}\n"
    proc = run("deadline", stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    results = lines(proc)
    assert len(results) == 2 + len(bad) + 1  # the blank line is skipped
    assert results[0]["due_date"] == "2026-11-25"
    for result in results[1:-2]:
        assert set(result) == {"line", "error"}, result
        assert result["error"]
    assert results[-2]["due_date"] == "2026-11-25"  # NFD unit, UTC time
    assert "UTF-8" in results[-1]["error"]


def test_every_line_failing_is_a_non_zero_exit_and_ids_are_echoed():
    proc = run("deadline", stdin='{"id": "a1", "received": "yesterday", "days": 3}\nnot json\n')
    assert proc.returncode != 0
    results = lines(proc)
    assert results[0]["id"] == "a1" and "error" in results[0]
    assert "error" in results[1]


def test_open_pause_and_hours_through_stdin():
    stdin = "\n".join(
        json.dumps(x)
        for x in (
            {"received": "2026-03-02T09:00", "days": 5, "pauses": [["2026-03-05T10:00", None]]},
            {"received": "2026-03-02T09:00", "days": 8, "unit": "HOUR"},
            {"received": "2026-11-23T16:10", "unit": "SAME_DAY", "same_day_cutoff": False},
        )
    )
    paused, hours, no_cutoff = lines(run("deadline", stdin=stdin))
    assert paused["due_date"] is None and paused["paused"] and paused["remaining"] == 3
    assert hours["due_at"] == "2026-03-03T09:30:00+07:00"
    assert no_cutoff["due_date"] == "2026-11-23"


def test_flag_form_errors_are_clear():
    proc = run("deadline", "--received", "tomorrow", "--days", "3")
    assert proc.returncode == 2 and "2026-11-19T10:00" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
    proc = run("deadline", "--days", "3")
    assert proc.returncode == 2 and "--received" in proc.stderr.decode()


EXTRA_DAY = """
[years.2026]
complete = false
days_off = [ { date = 2026-11-20, name = "Ngày nghỉ thử nghiệm" } ]
"""


def test_override_file_changes_the_due_date_and_check_reports_it(tmp_path):
    override = tmp_path / "lich.toml"
    override.write_text(EXTRA_DAY, encoding="utf-8")
    env = {"MOTCUA_CALENDAR_FILE": str(override)}

    [out] = lines(run("deadline", "--received", "2026-11-19T10:00", "--days", "3", "--json", env=env))
    assert out["due_date"] == "2026-11-26"
    assert "Ngày nghỉ thử nghiệm" in out["explanation"]
    [out] = lines(run("deadline", stdin='{"received": "2026-11-19T10:00", "days": 3}', env=env))
    assert out["due_date"] == "2026-11-26"
    [out] = lines(run("deadline", "--calendar-file", str(override), "--received", "2026-11-19T10:00",
                      "--days", "3", "--json"))
    assert out["due_date"] == "2026-11-26"

    check = run("calendar", "show", "2026", "--check", env=env)
    assert check.returncode == 0
    text = check.stdout.decode()
    assert "20/11/2026  Ngày nghỉ thử nghiệm" in text
    assert "+ 2026-11-20" in text and "only in the calendar file" in text


def test_calendar_show_lists_days_off_and_makeup_days():
    proc = run("calendar", "show", "2025", "--check")
    assert proc.returncode == 0
    text = proc.stdout.decode()
    for day in ("27/01/2025  Tết Nguyên đán", "07/04/2025  Giỗ Tổ Hùng Vương", "02/09/2025  Quốc khánh"):
        assert day in text
    assert "thứ Bảy   26/04/2025" in text
    assert "No differences" in text
    future = run("calendar", "show", "2027", "--check").stdout.decode()
    assert "holidays only" in future and "Tết Nguyên đán" in future


def test_malformed_override_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[years.2026]\ndays_off = [ { date = 2026-13-01, name = 'x' } ]\n", encoding="utf-8")
    proc = run("calendar", "show", "2026", env={"MOTCUA_CALENDAR_FILE": str(bad)})
    assert proc.returncode == 1
    assert "bad.toml" in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()
    proc = run("calendar", "show", "1800")
    assert proc.returncode == 1 and "1800" in proc.stderr.decode()
