from __future__ import annotations

import json
import sys

import click

from bot.cli.common import run

CHANNELS = ("console", "telegram", "zalo", "web")


@click.command("ask")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.option("--channel", type=click.Choice(CHANNELS), default="console", show_default=True,
              help="Render and split the replies as this channel sends them.")
def ask(as_json: bool, channel: str) -> None:
    """Preview the bot's answers / Xem trước câu trả lời của trợ lý.

    Reads one message per line from standard input; each is answered in a fresh conversation.
    With --json, writes one line per message: {"message", "intent", "procedures": [code, ...],
    "replies": [{"text", "buttons": [{"label", "payload"}]}]}, the replies exactly as the channel
    would send them (after splitting). Without it, the replies as plain text, then an empty line.
    """
    from bot.preview import preview
    from bot.wiring import core_deps

    async def go() -> None:
        async with core_deps() as deps:
            for n, line in enumerate(sys.stdin):
                message = line.rstrip("\r\n")
                result = await preview(deps, message, channel, chat_id=f"ask-{n}")
                if as_json:
                    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
                else:
                    sys.stdout.write("\n\n".join(r["text"] for r in result["replies"]) + "\n\n")
                sys.stdout.flush()

    run(go())
