"""``motcua --help`` and the light commands start without the heavy libraries (issue #13, item 4).

What makes them fast is structural, so that is what is tested: a fresh interpreter builds the CLI,
runs the command, and none of the libraries that made every command take ~1 s is imported. The
time itself is measured by bench/cli_start.py (a ratio to a bare ``import click``; bench/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bot.cli import COMMANDS, main

MOTCUA = str(Path(sys.executable).with_name("motcua"))
HEAVY = ("sqlalchemy", "numpy", "telegram", "aiohttp", "jinja2", "pydantic", "pydantic_settings", "alembic",
         "rich", "faker", "holidays", "asyncio", "knowledge.search", "handlers", "db")
PROBE = f"""
import json, sys
from bot.cli import main
try:
    main(sys.argv[1:], prog_name="motcua")
except SystemExit:
    pass
print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
"""


def imported(*args: str) -> tuple[str, list[str]]:
    """The command's output and which heavy modules it imported, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "MOTCUA_DATA_DIR": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    *output, modules = done.stdout.rstrip("\n").split("\n")
    return "\n".join(output), json.loads(modules)


@pytest.mark.parametrize("args", [
    ["--help"],
    ["deadline", "--received", "2026-11-19T10:00", "--days", "3"],
    ["calendar", "show", "2026"],
    *([name, "--help"] for name in COMMANDS),  # every command's own --help
    *(["catalogue", sub, "--help"] for sub in ("import", "sync", "check")),
], ids=" ".join)
def test_help_and_the_light_commands_import_nothing_heavy(args):
    output, heavy = imported(*args)
    assert output.strip()
    assert heavy == []


def test_the_light_commands_still_answer():
    output, _ = imported("deadline", "--received", "2026-11-19T10:00", "--days", "3")
    assert "Hạn / Due: 17:00 thứ Tư 25/11/2026" in output and "Ngày Văn hóa Việt Nam" in output
    output, _ = imported("calendar", "show", "2026")
    assert "Năm 2026" in output and "Quốc khánh" in output


def test_the_help_lists_every_command_with_its_own_summary():
    """The summaries kept beside the module paths (so the list imports nothing) are the commands' own."""
    listed = subprocess.run([MOTCUA, "--help"], capture_output=True, text=True, timeout=60).stdout
    ctx = click.Context(main)
    for name, (_, summary) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert click.Command(name, help=summary).get_short_help_str(1000) == command.get_short_help_str(1000), name
        assert f"  {name} " in listed
    assert main.list_commands(ctx) == sorted(COMMANDS)


@pytest.mark.parametrize("env", [{}, {"MOTCUA_CALENDAR_FILE": "/etc/motcua/lich.toml"},
                                 {"motcua_calendar_file": "lich.toml"}, {"MOTCUA_CALENDAR_FILE": ""}])
def test_the_calendar_commands_read_the_calendar_file_as_the_settings_do(monkeypatch, env):
    """They read MOTCUA_CALENDAR_FILE without pydantic-settings (most of their start): the same value."""
    from bot.cli.calendar import calendar_file_setting
    from bot.config import Settings

    for name in [n for n in os.environ if n.lower() == "motcua_calendar_file"]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert calendar_file_setting() == Settings().calendar_file
