"""How long ``motcua`` takes to start, as a ratio to a bare ``python -c "import click"``.

    .venv/bin/python bench/cli_start.py [--runs 10] [COMMAND ...]

Runs the baseline and each command ``--runs`` times, interleaved (baseline, command, baseline, ...)
so that a machine getting busier weighs on both alike, and prints the median wall time of each and
its ratio to the baseline's median. Issue #13 asks for ``motcua --help`` and the light commands
within 3x. Default commands: ``--help``, ``deadline --help``, ``calendar show 2026`` and
``deadline --received 2026-11-19T10:00 --days 3``. The commands run through the console script
``.venv/bin/motcua`` (what a user types), with the environment's MOTCUA_* as they are.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

PYTHON = Path(sys.executable)
MOTCUA = PYTHON.with_name("motcua")
DEFAULT = ["--help", "deadline --help", "calendar show 2026", "deadline --received 2026-11-19T10:00 --days 3"]


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(commands: list[str], runs: int) -> tuple[float, dict[str, float]]:
    baseline_argv = [str(PYTHON), "-c", "import click"]
    argvs = {c: [str(MOTCUA), *shlex.split(c)] for c in commands}
    for argv in [baseline_argv, *argvs.values()]:  # warm the file cache: not part of the figure
        wall(argv)
    base: list[float] = []
    times: dict[str, list[float]] = {c: [] for c in commands}
    for _ in range(runs):
        for command, argv in argvs.items():
            base.append(wall(baseline_argv))
            times[command].append(wall(argv))
    return statistics.median(base), {c: statistics.median(t) for c, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("commands", nargs="*", help='motcua arguments, one string each (default: "--help" ...)')
    args = parser.parse_args()
    base, medians = measure(args.commands or DEFAULT, args.runs)
    print(f"python -c 'import click'  {base * 1000:7.1f} ms  (baseline, median of {len(args.commands or DEFAULT) * args.runs})")
    for command, median in medians.items():
        print(f"motcua {command:<50} {median * 1000:7.1f} ms  {median / base:5.2f}x")


if __name__ == "__main__":
    main()
