"""Replies as JSON, for the outbox: a message is planned now and rendered when it is sent, in the
dialect of the channel it finally goes through (a fallback may change the channel). Contexts must
hold JSON values only (strings, numbers, lists, dicts). An image travels as base64 (``"image"``)."""

from __future__ import annotations

import base64

from handlers.types import Button, Reply


def reply_to_json(reply: Reply) -> dict:
    return {
        "template": reply.template,
        "context": reply.context,
        "text": reply.text,
        "buttons": [{"title": b.title, "payload": b.payload, "url": b.url} for b in reply.buttons],
        "kind": reply.kind,
        **({"rendered": reply.rendered} if reply.rendered else {}),
        **({"image": base64.b64encode(reply.image).decode("ascii")} if reply.image else {}),
        **({"lang": reply.lang} if reply.lang else {}),
    }


def reply_from_json(data: dict) -> Reply:
    return Reply(
        template=data.get("template"),
        context=dict(data.get("context") or {}),
        text=data.get("text"),
        buttons=tuple(Button(b["title"], payload=b.get("payload"), url=b.get("url")) for b in data.get("buttons") or ()),
        kind=data.get("kind") or "notice",
        rendered=dict(data["rendered"]) if data.get("rendered") else None,
        image=base64.b64decode(data["image"]) if data.get("image") else None,
        lang=data.get("lang"),
    )


def replies_to_json(replies: list[Reply]) -> list[dict]:
    return [reply_to_json(r) for r in replies]


def replies_from_json(data: list[dict]) -> list[Reply]:
    return [reply_from_json(d) for d in data]
