"""When the bot may send a message on its own — one rule for planning a message and for the
outbox's later attempts (a retry, a message deferred at send time), so that nothing planned by day
goes out at night:

- officials' digests, /nhac pushes and the notices and reminders of citizens' feedback: within
  the official's agency's office hours on a working day (``knowledge.reminder_windows.next_opening``);
- what the bot asks or reminds citizens of on its own initiative (the rating question, "due
  soon"): within ``ReminderSettings.citizen_hours`` (07:00–21:00 Vietnam time by default), any day;
- anything else at once — above all the news of the citizen's own dossier they follow (a status
  change, the result, the apology letter with its new date) and the answer to their feedback, at
  any hour, as a bank's transaction notices are; and operators' test messages.

``ReminderSettings.ignore_quiet_hours`` (``MOTCUA_REMINDERS_IGNORE_QUIET_HOURS``) sends at any hour.
"""

from __future__ import annotations

from datetime import datetime

from handlers.reminder_settings import ReminderSettings
from knowledge.calendar import WorkingCalendar
from knowledge.reminder_windows import next_in_daily_hours, next_opening

CITIZEN_KINDS = frozenset({"rating", "citizen_due_soon"})
OFFICIAL_KINDS = frozenset({"due_soon", "due_today", "overdue", "escalation", "nudge",
                            # feedback (PAKN): the new item's notice, its reminders, the daily digest
                            "feedback_new", "feedback_due_soon", "feedback_overdue", "feedback_digest"})


def allowed_from(calendar: WorkingCalendar, settings: ReminderSettings, kind: str, at: datetime,
                 agency: str | None = None, *, ignore: bool | None = None) -> datetime:
    """The first moment at or after ``at`` when a message of ``kind`` may be sent (``agency``: the
    official's, for their office hours). ``ignore`` overrides the setting (``--ignore-quiet-hours``)."""
    if settings.ignore_quiet_hours if ignore is None else ignore:
        return at
    if kind in CITIZEN_KINDS:
        opens, closes = settings.citizen_hours
        return next_in_daily_hours(calendar, at, opens, closes)
    if kind in OFFICIAL_KINDS:
        return next_opening(calendar, at, agency)
    return at
