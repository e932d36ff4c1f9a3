"""Status changes → notices for the citizens who follow the dossier (and, at status 10, the
satisfaction question). Reads the status-event log with a stored cursor
(``db.subscriptions_repo.feed_status_events``), so a change ingested by any replica, or imported by
``motcua dossiers import``, reaches the subscribers exactly once (dedupe keys per event and chat)."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.engine import Database
from db.models.base import utcnow
from db.outbox_repo import Planned
from db.subscriptions_repo import SubscribedEvent, feed_status_events
from handlers.citizen_notices import rating_ask, status_notice
from handlers.quiet_hours import allowed_from
from handlers.reminder_settings import ReminderSettings
from handlers.reply_json import replies_to_json
from knowledge.calendar import WorkingCalendar


async def plan_status_notices(db: Database, calendar: WorkingCalendar, *, now: datetime | None = None,
                              safety: timedelta = timedelta(seconds=60),
                              settings: ReminderSettings = ReminderSettings()) -> int:
    """Plan the notices of the new status events, to go at once; the rating question after the
    result waits for the citizens' hours (``handlers.quiet_hours``: a nightly import asks at 07:00)."""
    now = now or utcnow()
    rating_from = allowed_from(calendar, settings, "rating", now)

    async def plan(events: list[SubscribedEvent]) -> list[Planned]:
        out = []
        for e in events:
            where = f"{e.channel}:{e.chat_id}"
            out.append(Planned(f"status:{e.event_id}:{where}", "status", e.channel, e.chat_id,
                               replies_to_json([status_notice(e, calendar)]), dossier_id=e.dossier.id))
            if e.status == 10:
                out.append(Planned(f"rating:{e.dossier.id}:{where}", "rating", e.channel, e.chat_id,
                                   replies_to_json([rating_ask(e.dossier)]), dossier_id=e.dossier.id,
                                   not_before=rating_from))
        return out

    return await feed_status_events(db, plan, now=now, safety=safety)
