"""The console channel: the same core over standard input and output (plain-text dialect).

Interactively it shows a prompt; a number presses the matching button of the last answer. When
standard input is not a terminal it reads one message per line and prints the replies of each,
followed by an empty line, so that scripts can drive it.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from handlers import Incoming, Reply, handle
from handlers.deps import Deps

CHANNEL = "console"


def render(replies: list[Reply]) -> str:
    """The replies in plain text; buttons numbered across all of them, as ``say`` reads them."""
    blocks, n = [], 0
    for reply in replies:
        text = reply.render("plain")
        labels = []
        for button in reply.buttons:
            n += 1
            labels.append(f"[{n}] {button.title}" + (f" <{button.url}>" if button.url else ""))
        if labels:
            text += "\n" + "  ".join(labels)
        blocks.append(text)
    return "\n\n".join(blocks)


class ConsoleChat:
    def __init__(self, deps: Deps, chat_id: str = "local") -> None:
        self.deps = deps
        self.chat_id = chat_id
        self.buttons: list = []

    async def say(self, line: str) -> list[Reply]:
        line = line.strip()
        payload = None
        if line.isdigit() and 1 <= int(line) <= len(self.buttons) and self.buttons[int(line) - 1].payload:
            payload = self.buttons[int(line) - 1].payload
        incoming = Incoming(CHANNEL, self.chat_id, text="" if payload else line, payload=payload, user_id=self.chat_id)
        replies = await handle(incoming, self.deps)
        self.buttons = [b for r in replies for b in r.buttons]  # numbered as render() shows them
        return replies


async def run_console(deps: Deps, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    chat = ConsoleChat(deps)
    interactive = stdin.isatty()
    if interactive:
        stdout.write(render(await chat.say("/start")) + "\n\n(Gõ câu hỏi; Ctrl+D để thoát / type a question; Ctrl+D to quit)\n")
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            stdout.write("\n> ")
            stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        replies = await chat.say(line.rstrip("\n"))
        stdout.write(render(replies) + "\n" + ("" if interactive else "\n"))
        stdout.flush()
