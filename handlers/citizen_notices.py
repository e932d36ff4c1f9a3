"""Messages a subscribed citizen receives without asking: a status change (the result notice when
it is 9 or 10), the working day before the due date, the satisfaction question after status 10.
No personal data in them: the chat proved the second factor when it subscribed, but a phone screen
is seen by others too — so not the one-stop system's free-text note either (it often names people);
/tra_cuu shows it after the second factor."""

from __future__ import annotations

from db.models.dossiers import Dossier
from db.subscriptions_repo import SubscribedEvent
from handlers.dossier_view import when
from handlers.types import Button, Reply
from knowledge.calendar import WorkingCalendar
from knowledge.dossiers import status as statuses

RATING_LEVELS = {  # payload letter → (stored level, Vietnamese, English)
    "h": ("satisfied", "Hài lòng", "satisfied"),
    "b": ("neutral", "Bình thường", "neutral"),
    "k": ("unsatisfied", "Không hài lòng", "not satisfied"),
}


def status_notice(event: SubscribedEvent, calendar: WorkingCalendar) -> Reply:
    d = event.dossier
    return Reply(template="citizen_status", context={
        "code": d.code, "status": event.status, "status_vi": statuses.name(event.status),
        "status_en": statuses.english(event.status), "at": when(event.at, calendar),
        "agency": d.agency_name or d.agency_code,
    }, kind="notice")


def due_soon_notice(d: Dossier, calendar: WorkingCalendar) -> Reply:
    """The working day before the due date — the new appointment, once an apology set one."""
    return Reply(template="citizen_due_soon", context={
        "code": d.code, "due": when(d.rescheduled_due_at or d.due_at, calendar), "agency": d.agency_name or d.agency_code,
        "rescheduled": d.rescheduled_due_at is not None,
    }, kind="notice")


def rating_ask(d: Dossier) -> Reply:
    buttons = tuple(Button(f"{icon} {vi}", payload=f"rt:{d.id}:{letter}")
                    for (letter, (_, vi, _)), icon in zip(RATING_LEVELS.items(), ("😊", "😐", "☹️")))
    return Reply(template="rating_ask", context={"code": d.code, "agency": d.agency_name or ""}, buttons=buttons,
                 kind="rating")
