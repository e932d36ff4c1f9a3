"""What the bot would send for one message, on one channel: the contract behind ``motcua ask``.

Each message is answered in a fresh conversation that leaves nothing behind; the replies are
rendered and split exactly as the channel sends them (Telegram HTML at 4,096 characters, Zalo
plain text at 2,000 with at most five buttons a message, the web chat's HTML whole, the console's
plain text whole).
"""

from __future__ import annotations

import uuid

from telegram.constants import MessageLimit

from bot.split import split_text
from bot.channels.zalo import PAYLOAD_PREFIX, messages_for
from handlers import Incoming, Reply, handle
from handlers.deps import Deps
from handlers.replies import intent_of
from handlers.state import forget_state


def _button(title: str, payload: str | None, url: str | None) -> dict:
    return {"label": title, "payload": payload if payload is not None else (url or "")}


def _whole(reply: Reply, dialect: str) -> list[dict]:
    return [{"text": reply.render(dialect), "buttons": [_button(b.title, b.payload, b.url) for b in reply.buttons]}]


def _telegram(reply: Reply) -> list[dict]:
    parts = split_text(reply.render("html").strip() or "…", MessageLimit.MAX_TEXT_LENGTH, html=True)
    messages = [{"text": part, "buttons": []} for part in parts]
    messages[-1]["buttons"] = [_button(b.title, b.payload, b.url) for b in reply.buttons]
    return messages


def _zalo(reply: Reply) -> list[dict]:
    messages = []
    for message in messages_for(reply):
        buttons = message.get("attachment", {}).get("payload", {}).get("buttons", [])
        messages.append({"text": message["text"], "buttons": [
            _button(b["title"], b["payload"].removeprefix(PAYLOAD_PREFIX) if isinstance(b["payload"], str) else None,
                    b["payload"].get("url") if isinstance(b["payload"], dict) else None)
            for b in buttons
        ]})
    return messages


RENDER = {
    "console": lambda r: _whole(r, "plain"),
    "web": lambda r: _whole(r, "html"),
    "telegram": _telegram,
    "zalo": _zalo,
}


def procedures_of(replies: list[Reply]) -> list[str]:
    """The procedures the replies answer (the one answered first) or offer, in order."""
    codes: list[str] = []
    for reply in replies:
        if reply.kind == "answer" and "v" in reply.context and hasattr(reply.context["v"], "code"):
            codes.append(reply.context["v"].code)
        codes.extend(code for code, _ in reply.context.get("candidates", ()))
    return list(dict.fromkeys(codes))


async def preview(deps: Deps, message: str, channel: str = "console", *, chat_id: str | None = None,
                  payload: str | None = None) -> dict:
    """The turn as ``motcua ask --json`` prints it; ``payload``: a button tapped instead of text."""
    chat_id = f"preview-{uuid.uuid4().hex}" if chat_id is None else f"preview-{chat_id}-{uuid.uuid4().hex[:8]}"
    try:
        replies = await handle(Incoming(channel, chat_id, text=message, payload=payload, user_id=chat_id), deps)
    finally:
        await forget_state(deps.db, channel, chat_id)
    intent = intent_of(replies)
    procedures = procedures_of(replies)
    return {
        "message": message,
        "intent": intent,
        "procedures": procedures if intent in ("procedure", "choices") else [],
        "replies": [m for r in replies for m in RENDER[channel](r)],
    }
