"""Feedback (PAKN) as replies: what the citizen and the officials see of an item, the notices and
reminders officials get, the answer the citizen gets. Contexts hold JSON values only: most of these
replies are planned in the outbox.

Privacy: the content and the contact (the chat it came from) are in the officials' replies only.
The filing chat sees the status, the deadline and the answer, not the content again (a phone
screen, a shared web session, is seen by others too)."""

from __future__ import annotations

from datetime import date, datetime

from db.models.feedback import Feedback
from handlers.citizen_notices import RATING_LEVELS
from handlers.dossier_view import when
from handlers.types import Button, Reply
from knowledge.calendar import WorkingCalendar
from knowledge.channels import PUSH_CHANNELS

TOPICS = {  # topic → (Vietnamese, English, button)
    "dossier": ("Hồ sơ đã nộp", "a dossier", "📁 Hồ sơ / Dossier"),
    "procedure": ("Thủ tục hành chính", "a procedure", "📋 Thủ tục / Procedure"),
    "desk": ("Việc phục vụ tại bộ phận một cửa", "the service at the desk", "🏢 Phục vụ tại một cửa / At the desk"),
    "other": ("Vấn đề khác", "something else", "💬 Khác / Other"),
}
STATUSES = {
    "open": ("Đang xử lý", "being handled"),
    "answered": ("Đã trả lời", "answered"),
    "closed": ("Đã trả lời, đã đánh giá", "answered and rated"),
}
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "web": "web chat", "console": "console", "test": "test"}
LEVEL_NAMES = {stored: vi for stored, vi, _ in RATING_LEVELS.values()}
EXCERPT = 300  # characters of the content a digest or a topic question repeats


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def item_context(item: Feedback, calendar: WorkingCalendar, now: datetime | None = None, *,
                 private: bool = False) -> dict:
    """What any view shows of the item; ``private`` adds the content and the contact."""
    status_vi, status_en = STATUSES.get(item.status, STATUSES["open"])
    topic_vi, topic_en, _ = TOPICS.get(item.topic, TOPICS["other"])
    context = {
        "code": item.code, "status": item.status, "status_vi": status_vi, "status_en": status_en,
        "topic_vi": topic_vi, "topic_en": topic_en, "dossier": item.dossier_code or "",
        "procedure": item.procedure_code or "", "agency": item.agency_name or item.agency_code or "",
        "province": item.routed_province, "received": when(item.received_at, calendar),
        "due": when(item.due_at, calendar), "due_days": item.due_days,
        "late": item.status == "open" and now is not None and item.due_at < now,
        "answer": item.answer or "", "answered": when(item.answered_at, calendar),
        "answered_by": item.answered_by_name or "", "rating": LEVEL_NAMES.get(item.rating or "", ""),
        "content": "", "contact": "",
    }
    if private:
        context["content"] = item.content
        context["contact"] = f"{CHANNEL_NAMES.get(item.channel, item.channel)}, chat {item.chat_id}"
    return context


def rating_buttons(item: Feedback) -> tuple[Button, ...]:
    return tuple(Button(f"{icon} {vi}", payload=f"pr:{item.code}:{letter}")
                 for (letter, (_, vi, _)), icon in zip(RATING_LEVELS.items(), ("😊", "😐", "☹️")))


def answer_button(code: str) -> Button:
    return Button("✍️ Trả lời / Answer", payload=f"fa:{code}")


def topic_buttons() -> tuple[Button, ...]:
    return tuple(Button(label, payload=f"pa:t:{topic}") for topic, (_, _, label) in TOPICS.items()) + (
        Button("✖️ Hủy / Cancel", payload="pa:x"),)


def filed_reply(item: Feedback, calendar: WorkingCalendar) -> Reply:
    context = item_context(item, calendar)
    context["push"] = item.channel in PUSH_CHANNELS
    return Reply(template="feedback_filed", context=context, kind="feedback")


def citizen_view(item: Feedback, calendar: WorkingCalendar, now: datetime) -> Reply:
    """The filing chat's view of its own item."""
    context = {**item_context(item, calendar, now), "who": "citizen"}
    buttons = rating_buttons(item) if item.status == "answered" else ()
    return Reply(template="feedback_view", context=context, buttons=buttons, kind="feedback")


def official_view(item: Feedback, calendar: WorkingCalendar, now: datetime) -> Reply:
    context = {**item_context(item, calendar, now, private=True), "who": "official"}
    buttons = (answer_button(item.code),) if item.status == "open" else ()
    return Reply(template="feedback_view", context=context, buttons=buttons, kind="feedback")


def official_notice(item: Feedback, kind: str, calendar: WorkingCalendar, now: datetime) -> Reply:
    """To an official: ``kind`` new | due_soon | overdue."""
    context = {**item_context(item, calendar, now, private=True), "kind": kind}
    return Reply(template="feedback_notice", context=context, buttons=(answer_button(item.code),), kind="notice")


def answer_notice(item: Feedback, calendar: WorkingCalendar) -> Reply:
    """To the citizen who filed it: the answer and the rating question."""
    return Reply(template="feedback_answer", context=item_context(item, calendar), buttons=rating_buttons(item),
                 kind="notice")


def open_list(items: list[Feedback], total: int, calendar: WorkingCalendar, now: datetime, *,
              day: date | None = None) -> Reply:
    """The open items an official sees (the daily digest when ``day`` is given, else ``/tra_loi``)."""
    rows = [{"code": i.code, "due": when(i.due_at, calendar), "late": i.due_at < now,
             "topic": TOPICS.get(i.topic, TOPICS["other"])[0], "excerpt": _excerpt(i.content, 80)} for i in items]
    context = {"items": rows, "total": total, "more": max(0, total - len(rows)),
               "day": f"{day:%d/%m/%Y}" if day else ""}
    return Reply(template="feedback_digest", context=context, kind="official" if day is None else "notice")


def state(what: str, **context) -> Reply:
    return Reply(template="feedback_state", context={"what": what, **context}, kind="feedback")
