"""The chat platforms the bot serves and what each can do: the one table every layer reads.

``bot/channels/`` holds one implementation per platform (``Channel.capabilities`` comes from
here); ``db/`` and ``handlers/`` ask this table instead of keeping their own lists of names
("can this channel reach a user unasked?", "may officials use it?"). It lives at the bottom of the
layering (``bot → handlers → db → knowledge``) because ``db`` needs it too; it is data only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dialect = Literal["html", "plain"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    name: str
    dialect: Dialect  # how replies are rendered (handlers/render.py)
    can_push: bool  # can send a message the user did not just ask for (reminders, notices, queued replies)
    hosts_officials: bool  # officials may link a chat and use their commands there
    message_limit: int  # characters of one message; longer replies are split
    buttons: int  # buttons one message can carry (0: none)


CAPABILITIES: dict[str, Capabilities] = {
    c.name: c
    for c in (
        Capabilities("telegram", "html", can_push=True, hosts_officials=True, message_limit=4096, buttons=100),
        Capabilities("zalo", "plain", can_push=True, hosts_officials=True, message_limit=2000, buttons=5),
        Capabilities("web", "html", can_push=False, hosts_officials=False, message_limit=16_000, buttons=20),
        Capabilities("console", "plain", can_push=False, hosts_officials=True, message_limit=100_000, buttons=100),
        # bot/channels/test.py: the conversation tests drive the whole pipeline through it, so it
        # is like Telegram (HTML, its replies go through the outbox), but no official links there.
        Capabilities("test", "html", can_push=True, hosts_officials=False, message_limit=100_000, buttons=100),
    )
}

# Where a message can reach a user unasked, in the order officials' reminders prefer them
# (Telegram first: Zalo only answers within 7 days of the user's last message).
PUSH_CHANNELS = tuple(c.name for c in CAPABILITIES.values() if c.can_push)
OFFICIAL_CHANNELS = tuple(c.name for c in CAPABILITIES.values() if c.hosts_officials)


def capabilities(name: str) -> Capabilities:
    """The channel's capabilities; an unknown name can do nothing unasked."""
    return CAPABILITIES.get(name) or Capabilities(name, "plain", False, False, 2000, 0)
