#!/usr/bin/env python3
"""Set up and run motcua, or its tests, on a fresh machine with only Python 3.11+.

    python3 dev.py run     # virtual environment, dependencies, demo data, then `motcua run`
    python3 dev.py run --catalogue ../shared/catalogue   # the same, on the whole national catalogue
    python3 dev.py test    # virtual environment, test dependencies and Chromium, then pytest

Standard library only: this script is what makes the environment. Everything lives in .venv/ and
data/ under the project directory. `run --catalogue DIR` (or MOTCUA_CATALOGUE_DIR=DIR) imports that
folder with `motcua catalogue import` before serving: idempotent, the next start reports the records
unchanged. Extra arguments after `test` go to pytest; after `run`, to `motcua run`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CHROMIUM = Path("/usr/bin/chromium")


def step(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def sh(*args: str | Path, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"motcua needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    if not PYTHON.exists():
        step(f"creating {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    marker = VENV / f".installed-{extras or 'base'}"
    stamp = str((ROOT / "pyproject.toml").stat().st_mtime_ns)
    if not marker.exists() or marker.read_text() != stamp:
        step("installing dependencies (pip)")
        sh(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        sh(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
        marker.write_text(stamp)


def ensure_chromium() -> None:
    """The web chat is tested in a real headless Chromium (Debian's package; never a download by
    a test tool). Installed here when the machine can (root with apt); otherwise those tests skip
    and say why."""
    if CHROMIUM.exists() or shutil.which("chromium"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        step("installing Chromium for the web chat tests (apt-get)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        try:
            sh("apt-get", "update", "-qq", env=env)
            sh("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", env=env)
        except subprocess.CalledProcessError:
            print("could not install Chromium: the browser tests will be skipped", flush=True)
    else:
        print("Chromium not found and cannot be installed here: the browser tests will be skipped", flush=True)


def catalogue_dir(args: list[str]) -> tuple[Path | None, list[str]]:
    """`--catalogue DIR` / `--catalogue=DIR` taken out of `run`'s arguments, else MOTCUA_CATALOGUE_DIR;
    relative to where dev.py was started. The rest of the arguments are `motcua run`'s."""
    rest: list[str] = []
    value = os.environ.get("MOTCUA_CATALOGUE_DIR") or None
    items = iter(args)
    for arg in items:
        if arg == "--catalogue":
            value = next(items, None)
            if not value:
                sys.exit("dev.py run --catalogue needs a folder, e.g. --catalogue ../shared/catalogue")
        elif arg.startswith("--catalogue="):
            value = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    if value is None:
        return None, rest
    folder = Path(value).expanduser().resolve()
    if not folder.is_dir():
        sys.exit(f"catalogue folder not found: {value} (--catalogue or MOTCUA_CATALOGUE_DIR)")
    return folder, rest


def run(args: list[str]) -> None:
    catalogue, args = catalogue_dir(args)
    ensure_venv("")
    motcua = BIN / "motcua"
    step("database schema, bundled catalogue and demo dossiers")
    sh(motcua, "db", "upgrade")
    if catalogue is not None:
        step(f"national catalogue from {catalogue} (motcua catalogue import: unchanged records stay as they are)")
        sh(motcua, "catalogue", "import", catalogue)
    sh(motcua, "dossiers", "demo", "--count", "300", "--if-empty")
    host = os.environ.get("MOTCUA_HTTP_HOST", "127.0.0.1")
    port = os.environ.get("MOTCUA_HTTP_PORT", "8080")
    step(f"motcua run — open http://{host}:{port} and chat (Ctrl+C to stop)")
    os.execv(motcua, [str(motcua), "run", *args])


def test(args: list[str]) -> None:
    ensure_venv("test")
    ensure_chromium()
    step("pytest")
    os.chdir(ROOT)
    # -rs: each skipped test's reason in the summary (what it needs: PostgreSQL, Chromium, ...).
    os.execv(PYTHON, [str(PYTHON), "-m", "pytest", "-rs", *args])


def main() -> None:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
