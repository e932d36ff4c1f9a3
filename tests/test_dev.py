"""``dev.py``, the two commands of the README, as a newcomer runs them (issue #13): what `run` says
on the first and on the next start, and what `test` says about the tests it skips."""

from __future__ import annotations

import os
import re
import subprocess

import aiohttp
import pytest

import dev


class Served(Exception):
    """Raised instead of replacing the process (os.execv): `run` and `test` end by doing that."""


@pytest.fixture
def execs(monkeypatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def execv(path, argv):
        calls.append(list(argv))
        raise Served

    monkeypatch.setattr(dev, "ensure_venv", lambda extras: None)  # this environment is the one it makes
    monkeypatch.setattr(dev, "ensure_chromium", lambda: None)
    monkeypatch.setattr(os, "execv", execv)
    return calls


def test_run_says_schema_created_then_up_to_date_and_prints_the_demo_codes_every_time(tmp_path, monkeypatch, capfd, execs):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'motcua.db'}")
    monkeypatch.setenv("MOTCUA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MOTCUA_BACKEND_URL", raising=False)
    outputs = []
    for _ in range(2):
        with pytest.raises(Served):
            dev.run([])
        outputs.append(capfd.readouterr().out)
    first, second = outputs
    assert "schema created" in first and "up to date" not in first
    assert "schema up to date" in second and "created" not in second
    codes = [re.findall(r"^  (\S+-\d{6}-\d{4})  ", out, re.M) for out in outputs]
    try_line = [re.search(r"send (\S+), then the last 4 phone digits (\d{4})", out) for out in outputs]
    assert len(codes[0]) >= 5 and codes[0] == codes[1]  # the same demo, and its codes shown again
    assert try_line[0] and try_line[1] and try_line[0].groups() == try_line[1].groups()
    assert "đã có hồ sơ" in second
    assert execs[-1][1:] == ["run"]  # then it serves


def test_test_shows_each_skip_and_its_reason_says_what_that_test_needs(monkeypatch, execs):
    wanted = ["tests/test_migrations.py::test_postgres_schema_matches_the_models_and_migrations_round_trip",
              "tests/test_inbox.py::test_two_replicas_on_postgresql_claim_each_row_once_in_order"]
    monkeypatch.chdir(dev.ROOT)
    with pytest.raises(Served):
        dev.test(wanted)
    argv = execs[-1]
    assert "-rs" in argv
    env = {k: v for k, v in os.environ.items() if k != "MOTCUA_TEST_POSTGRES_URL"}
    done = subprocess.run(argv + ["-p", "no:cacheprovider"], capture_output=True, text=True, env=env, timeout=300,
                          cwd=dev.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    skipped = "\n".join(line for line in done.stdout.splitlines() if line.startswith("SKIPPED"))
    assert skipped.count("SKIPPED") == 2, done.stdout
    assert "needs PostgreSQL (set MOTCUA_TEST_POSTGRES_URL) to check: postgres schema matches the models" in skipped
    assert "needs PostgreSQL (set MOTCUA_TEST_POSTGRES_URL) to check: two replicas on postgresql claim each row" in skipped
    assert "multi-replica" not in done.stdout


def test_run_catalogue_folder_comes_from_the_argument_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("MOTCUA_CATALOGUE_DIR", raising=False)
    assert dev.catalogue_dir(["--port", "9000"]) == (None, ["--port", "9000"])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cat").mkdir()
    assert dev.catalogue_dir(["--catalogue", "cat", "--port", "9000"]) == (tmp_path / "cat", ["--port", "9000"])
    assert dev.catalogue_dir(["--catalogue=cat"]) == (tmp_path / "cat", [])
    monkeypatch.setenv("MOTCUA_CATALOGUE_DIR", str(tmp_path / "cat"))
    assert dev.catalogue_dir([]) == (tmp_path / "cat", [])
    with pytest.raises(SystemExit, match="catalogue folder not found: nowhere"):
        dev.catalogue_dir(["--catalogue", "nowhere"])  # the argument wins over the environment
    with pytest.raises(SystemExit, match="needs a folder"):
        dev.catalogue_dir(["--catalogue"])


@pytest.mark.shared
async def test_run_with_the_national_catalogue_imports_it_once_then_serves_all_of_it(tmp_path, monkeypatch, capfd,
                                                                                      execs, shared_dir):
    """`dev.py run --catalogue ../shared/catalogue` (issue #13): imported before serving, unchanged on
    the next start (MOTCUA_CATALOGUE_DIR this time), and the service it starts answers from it."""
    from tests.fakes.motcua_process import MotcuaProcess

    env = {"MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'motcua.db'}", "MOTCUA_DATA_DIR": str(tmp_path)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MOTCUA_BACKEND_URL", raising=False)
    monkeypatch.delenv("MOTCUA_CATALOGUE_DIR", raising=False)
    monkeypatch.chdir(dev.ROOT)
    with pytest.raises(Served):
        dev.run(["--catalogue", os.path.relpath(shared_dir / "catalogue", dev.ROOT)])  # ../shared/catalogue
    first = capfd.readouterr().out
    monkeypatch.setenv("MOTCUA_CATALOGUE_DIR", str(shared_dir / "catalogue"))
    with pytest.raises(Served):
        dev.run([])
    second = capfd.readouterr().out
    assert execs[0][1:] == ["run"] and execs[1][1:] == ["run"]  # --catalogue is dev.py's, not motcua run's
    inserted = re.search(r"inserted (\d+), .* unchanged (\d+)", first)
    assert inserted and int(inserted[1]) > 5000 and inserted[2] == "0", first
    again = re.search(r"inserted (\d+), .*updated (\d+), .* unchanged (\d+)", second)
    assert again and again.groups()[:2] == ("0", "0") and int(again[3]) == int(inserted[1]), second
    assert re.search(r"3\d{3} chi tiết / detailed", second)

    server = MotcuaProcess(env, tmp_path / "run.log")
    try:
        await server.start(timeout=120)
        async with aiohttp.ClientSession() as http:
            async with http.get(server.url + "/healthz") as response:
                health = await response.json()
    finally:
        await server.stop()
    assert health["status"] == "ok" and health["catalogue"]["procedures"] > 3000, health
