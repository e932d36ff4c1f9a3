"""How sending to a chat platform can fail, the same for every channel.

``send(chat_id, replies)`` of each channel (``TelegramChannel.send``, ``ZaloChannel.send``) returns
when every part was accepted by the platform, or raises one of these:

- ``PermanentDeliveryError``: retrying will not help for this message/recipient (bot blocked,
  chat not found, Zalo user silent for more than 7 days, user not following, a malformed message).
  Record it as undeliverable and fall back to another channel.
- ``TransientDeliveryError``: try again later (network, platform 5xx, rate limit still in force,
  quota, token refresh failing). ``retry_after`` is a hint in seconds when the platform gave one.

A multi-part reply may have been delivered in part when an error is raised: ``parts_sent`` is how
many leading parts were (``send(..., skip_parts=n)`` sends only the parts after the first n).
"""

from __future__ import annotations


class DeliveryError(Exception):
    def __init__(self, channel: str, reason: str, *, code: str | int | None = None, parts_sent: int = 0) -> None:
        super().__init__(f"{channel}: {reason}" + (f" (code {code})" if code is not None else ""))
        self.channel = channel
        self.reason = reason
        self.code = code
        self.parts_sent = parts_sent


class PermanentDeliveryError(DeliveryError):
    """Do not retry this message to this recipient."""


class TransientDeliveryError(DeliveryError):
    """Retry later (after ``retry_after`` seconds when known)."""

    def __init__(self, channel: str, reason: str, *, code: str | int | None = None, parts_sent: int = 0,
                 retry_after: float | None = None) -> None:
        super().__init__(channel, reason, code=code, parts_sent=parts_sent)
        self.retry_after = retry_after
