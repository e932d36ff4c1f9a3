"""Live handoffs as replies: the states each side is told, the officials' request notice with its
"take" button, a relayed message. Contexts hold JSON values only: most are planned in the outbox.
A reply planned for the citizen carries the language the citizen asked in (``Handoff.lang``)."""

from __future__ import annotations

from db.models.handoff import Handoff
from handlers.dossier_view import when
from handlers.feedback_view import CHANNEL_NAMES
from handlers.types import Button, Reply
from knowledge.calendar import WorkingCalendar

CANCEL = Button("✖️ Hủy / Cancel", payload="hx")


def state(what: str, *, lang: str | None = None, buttons: tuple[Button, ...] = (), **context) -> Reply:
    return Reply(template="handoff", context={"what": what, **context}, buttons=buttons, kind="handoff", lang=lang)


def take_button(handoff_id: int) -> Button:
    return Button("🙋 Nhận / Take", payload=f"hn:{handoff_id}")


def request_notice(h: Handoff, agency: str, province: bool, wait: int, calendar: WorkingCalendar) -> Reply:
    context = {"agency": agency, "province": province, "dossier": h.dossier_code or "", "request": h.request,
               "channel": CHANNEL_NAMES.get(h.channel, h.channel), "at": when(h.requested_at, calendar), "wait": wait}
    return Reply(template="handoff_request", context=context, buttons=(take_button(h.id),), kind="notice")


def message(side: str, text: str, *, name: str = "", lang: str | None = None) -> Reply:
    """``text`` as the other side receives it, prefixed with who wrote it (``side``: citizen | official)."""
    return Reply(template="handoff_message", context={"side": side, "text": text, "name": name}, kind="handoff",
                 lang=lang)


def ended(h: Handoff, side: str, idle: int) -> Reply:
    """What ``side`` is told once ``h`` ended (by ``h.ended_by``)."""
    return state("ended", by=h.ended_by or "", side=side, other=h.official_name, idle=idle,
                 lang=h.lang if side == "citizen" else None)
