"""A real ``motcua run`` in a child process (what an operator starts), on a free port, with the
environment a test gives it; waits until /healthz answers."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotcuaProcess:
    def __init__(self, env: dict[str, str], log: Path, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.env = {**os.environ, **env, "MOTCUA_HTTP_HOST": "127.0.0.1", "MOTCUA_HTTP_PORT": str(self.port)}
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, timeout: float = 60.0) -> MotcuaProcess:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli import main; main()", "run"],
            cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
        )
        out.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as http:
            while loop.time() < deadline:
                if self.process.poll() is not None:
                    raise AssertionError(f"motcua run exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
                try:
                    async with http.get(self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            return self
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"motcua run did not become healthy:\n{self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        """SIGKILL: no cleanup, no graceful shutdown, whatever is in flight stays in flight."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)

    async def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # aiohttp's graceful shutdown
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.process.poll() is None and loop.time() < deadline:
            await asyncio.sleep(0.1)
        if self.process.poll() is None:
            self.kill9()
            self.process.wait()

    async def wait_exit(self) -> int:
        assert self.process is not None
        while self.process.poll() is None:
            await asyncio.sleep(0.05)
        return self.process.returncode
