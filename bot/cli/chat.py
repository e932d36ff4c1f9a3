from __future__ import annotations

import click

from bot.cli.common import run


@click.command("chat")
def chat() -> None:
    """Chat with the bot in the terminal / Trò chuyện với trợ lý ngay trên dòng lệnh.

    When standard input is not a terminal, reads one message per line and prints the replies
    (plain text), each followed by an empty line.
    """
    from bot.channels.console import run_console
    from bot.wiring import core_deps

    async def go() -> None:
        async with core_deps() as deps:
            await run_console(deps)

    run(go())
