"""The console channel (``motcua chat``): the pipeline over standard input and output, in the plain
dialect.

Ingress reads one line at a time; each is stored in the inbox and answered at once
(``Pipeline.answer_now``, like a web chat message: the person typing waits for the answer), and
egress (``send``) writes the replies (an image is saved under the data directory and its path shown). Interactively it shows a prompt, and a number presses the
matching button of the last answer. When standard input is not a terminal it reads one message per
line and prints the replies of each, followed by an empty line, so that scripts can drive it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.channels.base import Accepted, Channel
from bot.config import Settings, get_settings
from bot.service import Service
from handlers import Incoming, Reply
from handlers.replies import busy

if TYPE_CHECKING:
    from handlers.deps import Deps

log = logging.getLogger(__name__)


def render(replies: list[Reply], images: dict[int, Path] | None = None) -> str:
    """The replies in plain text; buttons numbered across all of them, as ``say`` reads them; where
    a reply's image was saved (``images``: by the reply's position)."""
    blocks, n = [], 0
    for position, reply in enumerate(replies):
        text = reply.render("plain")
        if images and position in images:
            text = f"🖼 Hình ảnh / image: {images[position]}\n{text}".rstrip()
        labels = []
        for button in reply.buttons:
            n += 1
            labels.append(f"[{n}] {button.title}" + (f" <{button.url}>" if button.url else ""))
        if labels:
            text += "\n" + "  ".join(labels)
        blocks.append(text)
    return "\n\n".join(blocks)


class ConsoleChannel(Channel):
    name = "console"

    def __init__(self, service: Service, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, *,
                 chat_id: str = "local") -> None:
        super().__init__(service)
        self.stdin = stdin
        self.stdout = stdout
        self.chat_id = chat_id
        self.interactive = stdin.isatty()
        self.session = uuid.uuid4().hex  # event keys: this session's line numbers
        self.lines = 0
        self.buttons: list = []  # of the last answer, numbered as render() shows them

    @classmethod
    def over(cls, deps: Deps, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, *,
             settings: Settings | None = None, chat_id: str = "local") -> ConsoleChannel:
        """The console on a service of its own over the core's ``deps``."""
        service = Service(settings or get_settings(), deps)
        channel = cls(service, stdin, stdout, chat_id=chat_id)
        service.channels[channel.name] = channel
        return channel

    # --- ingress ----------------------------------------------------------------------------------
    async def say(self, line: str) -> list[Reply]:
        """One line typed: stored in the inbox and answered."""
        line = line.strip()
        payload = None
        if line.isascii() and line.isdigit() and 1 <= int(line) <= len(self.buttons) and self.buttons[int(line) - 1].payload:
            payload = self.buttons[int(line) - 1].payload
        incoming = Incoming(self.name, self.chat_id, text="" if payload else line, payload=payload, user_id=self.chat_id)
        self.lines += 1
        replies = await self.service.pipeline.answer_now(Accepted(incoming, f"{self.session}:{self.lines}"))
        self.buttons = [b for r in replies for b in r.buttons]
        return replies

    async def start(self) -> None:
        if self.interactive:
            await self.send(self.chat_id, await self.say("/start"))
            self.stdout.write("\n(Gõ câu hỏi; Ctrl+D để thoát / type a question; Ctrl+D to quit)\n")

    async def run(self) -> None:
        """Answer the lines of standard input until it ends."""
        loop = asyncio.get_running_loop()
        while True:
            if self.interactive:
                self.stdout.write("\n> ")
                self.stdout.flush()
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                break
            try:
                replies = await self.say(line.rstrip("\n"))
            except Exception:  # not stored (the database is down): say so, as the web chat does, and go on
                log.exception("console: the message could not be stored")
                replies = [busy()]
            await self.send(self.chat_id, replies)

    # --- egress -----------------------------------------------------------------------------------
    async def send(self, chat_id: str, replies: list[Reply], *, skip_parts: int = 0) -> None:
        images = {n: self.save_image(r.image) for n, r in enumerate(replies) if r.image is not None}
        self.stdout.write(render(replies, images) + "\n" + ("" if self.interactive else "\n"))
        self.stdout.flush()

    def save_image(self, image: bytes) -> Path:
        """A terminal shows no image: it is saved under the data directory, named by its content."""
        folder = self.service.settings.data_dir / "images"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(image).hexdigest()[:16]}.png"
        if not path.exists():
            path.write_bytes(image)
        return path.resolve()


ConsoleChat = ConsoleChannel.over  # ConsoleChat(deps): the console with a service of its own


async def run_console(deps: Deps, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    console = ConsoleChat(deps, stdin, stdout)
    await console.start()
    try:
        await console.run()
    finally:
        await console.stop()
