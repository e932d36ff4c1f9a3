"""The command-line contracts, as real subprocesses: ``motcua officials invite`` prints the one-time
code alone on its last line, ``/lienket`` with it links a chat, ``motcua reminders sweep`` plans and a
second run the same day plans nothing new; list and revoke; bad input answered clearly."""

import os
import re
import subprocess
import sys
from pathlib import Path

MOTCUA = str(Path(sys.executable).with_name("motcua"))


def motcua(tmp_path: Path, *args: str, stdin: str | None = None, **more_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
           "MOTCUA_DATA_DIR": str(tmp_path)}
    env.pop("MOTCUA_BACKEND_URL", None)
    env.pop("MOTCUA_REMINDERS_IGNORE_QUIET_HOURS", None)
    env.pop("MOTCUA_CALENDAR_FILE", None)
    env.update(more_env)
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, env=env, input=stdin, timeout=300)


def test_invite_link_sweep_twice_list_revoke(tmp_path):
    demo = motcua(tmp_path, "dossiers", "demo", "--count", "400", "--seed", "3")  # relative to now: some overdue
    assert demo.returncode == 0, demo.stderr
    invited = motcua(tmp_path, "officials", "invite", "--agency", "000.31.22.H26", "--name", "Lê Văn Hùng")
    assert invited.returncode == 0, invited.stderr
    code = invited.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)

    chat = motcua(tmp_path, "chat", stdin=f"/lienket {code}\n/tre_han\n")
    assert "Đã liên kết: Lê Văn Hùng" in chat.stdout
    assert re.search(r"000\.31\.22\.H26-\d{6}-\d{4}", chat.stdout.split("Đã liên kết")[1])  # overdue, by code

    first = motcua(tmp_path, "reminders", "sweep", "--ignore-quiet-hours")
    assert first.returncode == 0, first.stderr
    assert int(first.stdout.strip().splitlines()[-1].split()[-1]) > 0
    second = motcua(tmp_path, "reminders", "sweep", "--ignore-quiet-hours")
    assert second.stdout.strip().splitlines()[-1] == "planned: 0"

    listed = motcua(tmp_path, "officials", "list")
    assert "Lê Văn Hùng" in listed.stdout and "console:local" in listed.stdout and "active" in listed.stdout
    official_id = re.search(r"^\s*(\d+)\s+000\.31\.22\.H26", listed.stdout, re.M).group(1)
    assert motcua(tmp_path, "officials", "revoke", official_id).returncode == 0
    assert "revoked" in motcua(tmp_path, "officials", "list").stdout
    again = motcua(tmp_path, "officials", "revoke", official_id)
    assert again.returncode == 1 and "No active official" in again.stderr
    outbox = motcua(tmp_path, "reminders", "outbox")
    assert outbox.returncode == 0 and "planned:" in outbox.stdout


def test_bad_invites_are_refused_clearly(tmp_path):
    for args in (["--agency", "", "--name", "A"], ["--agency", "<script>", "--name", "A"],
                 ["--agency", "000.31.22.H26", "--name", "  "], ["--official", "99"]):
        result = motcua(tmp_path, "officials", "invite", *args)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr and result.stderr.strip()


def test_a_code_for_an_existing_official_says_so_and_similar_names_stay_apart(tmp_path):
    first = motcua(tmp_path, "officials", "invite", "--agency", "000.31.22.H26", "--name", "Lê Văn Hùng",
                   "--new-agency")  # no dossier yet: the agency is new; from now on an official names it
    assert first.returncode == 0 and "— mới" in first.stdout and "Lưu ý" not in first.stdout
    official_id = re.search(r"Cán bộ #(\d+)", first.stdout).group(1)
    again = motcua(tmp_path, "officials", "invite", "--agency", "000.31.22.H26", "--name", "Lê Văn Hùng")
    assert again.returncode == 0 and f"cán bộ #{official_id} đã có từ trước" in again.stdout
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", again.stdout.strip().splitlines()[-1])
    other = motcua(tmp_path, "officials", "invite", "--agency", "000.31.22.H26", "--name", "Lê Văn Hưng")
    assert other.returncode == 0 and "— mới" in other.stdout
    assert re.search(r"Cán bộ #(\d+)", other.stdout).group(1) != official_id


def test_an_agency_no_dossier_official_or_calendar_names_is_refused(tmp_path):
    """Issue #13: `--agency BOGUS` made an official no reminder would ever reach. An agency is known
    when it received a dossier (or covers agencies that did), an official has it, or the calendar
    file lists its office hours; `--new-agency` for one whose dossiers are still to come."""
    malformed = motcua(tmp_path, "officials", "invite", "--agency", "BOGUS", "--name", "Lê Văn Hùng")
    assert malformed.returncode == 2 and "000.00.22.H26" in malformed.stderr and "Traceback" not in malformed.stderr
    assert motcua(tmp_path, "dossiers", "demo", "--count", "200").returncode == 0
    unknown = motcua(tmp_path, "officials", "invite", "--agency", "000.99.22.H26", "--name", "Lê Văn Hùng")
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    vi, en = unknown.stderr.index("không biết cơ quan 000.99.22.H26"), unknown.stderr.index("unknown agency 000.99.22.H26")
    assert vi < en and "000.31.22.H26" in unknown.stderr and "--new-agency" in unknown.stderr  # what it could have meant
    assert "Chưa có cán bộ nào" in motcua(tmp_path, "officials", "list").stdout  # nothing was made

    for agency in ("000.31.22.H26", "000.00.00.H26"):  # received demo dossiers; covers the whole province
        assert motcua(tmp_path, "officials", "invite", "--agency", agency, "--name", "Lê Văn Hùng").returncode == 0
    new = motcua(tmp_path, "officials", "invite", "--agency", "000.99.22.H26", "--name", "Phạm Thu", "--new-agency")
    assert new.returncode == 0 and "— mới" in new.stdout
    again = motcua(tmp_path, "officials", "invite", "--agency", "000.99.22.H26", "--name", "Đỗ Minh")  # an official has it now
    assert again.returncode == 0, again.stderr

    calendar = tmp_path / "lich.toml"
    calendar.write_text('[office_hours.agencies."000.77.22.H26"]\nmorning = "07:00-11:30"\n', encoding="utf-8")
    listed = motcua(tmp_path, "officials", "invite", "--agency", "000.77.22.H26", "--name", "Vũ Lan",
                    MOTCUA_CALENDAR_FILE=str(calendar))
    assert listed.returncode == 0, listed.stderr
