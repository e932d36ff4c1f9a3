"""The reminder sweep's part for feedback (PAKN): run by ``handlers.sweep`` in the same pass, under
its lock and its office-hours rule, so there is one scheduler, not two.

- **Reminders, once each per item**: "due soon" when its deadline falls before the end of the N-th
  working day after today (the dossiers' window, ``MOTCUA_REMINDER_DUE_WITHIN_DAYS``), "overdue"
  once it has passed — to the officials ``db.feedback_repo.route`` names now (an official linked
  since filing hears of it too). The item's ``reminded_*_at`` column and the outbox rows are
  written in one transaction, keys ``feedback_due_soon:<item>:<official>`` /
  ``feedback_overdue:<item>:<official>``: a second sweep plans nothing again.
- **The daily digest**: one message per official per working day listing the open items they see
  (``digest:<day>:<official>:feedback``, like the dossier digests; not for muted officials).
"""

from __future__ import annotations

from datetime import date, datetime

from db.engine import Database
from db.feedback_repo import open_for, remind, route, to_remind
from db.officials_repo import OfficialWithChats
from db.outbox_repo import Planned, enqueue, existing_keys
from handlers.feedback_view import official_notice, open_list
from handlers.quiet_hours import allowed_from
from handlers.reminder_settings import ReminderSettings
from handlers.reply_json import replies_to_json
from knowledge.calendar import WorkingCalendar
from knowledge.reminder_windows import windows

DIGEST_KIND = "feedback"  # the digest key's kind: digest:<day>:<official>:feedback


async def plan_feedback(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime,
                        day: date, awake: list[OfficialWithChats], everyone: list[OfficialWithChats], *,
                        digest_key, ignore_quiet_hours: bool) -> tuple[int, int]:
    """Plan today's feedback reminders and digests; (reminders planned, digests planned)."""
    reminders = await _reminders(db, calendar, settings, now, everyone, ignore_quiet_hours)
    digests = await _digests(db, calendar, settings, now, day, awake, digest_key, ignore_quiet_hours)
    return reminders, digests


async def _reminders(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime,
                     everyone: list[OfficialWithChats], ignore_quiet_hours: bool) -> int:
    w = windows(calendar, now, settings.due_within_days)
    soon, late = await to_remind(db, w.now, w.soon_end)
    planned = 0
    for kind, items in (("due_soon", soon), ("overdue", late)):
        for item in items:
            targets, _ = route(everyone, item.agency_code)
            if not targets:
                continue  # nobody to tell yet: an official linked later still gets it
            reply = replies_to_json([official_notice(item, kind, calendar, now)])
            messages = [Planned(f"feedback_{kind}:{item.id}:{o.official.id}", f"feedback_{kind}", o.chats[0].channel,
                                o.chats[0].chat_id, reply, official_id=o.official.id,
                                not_before=allowed_from(calendar, settings, f"feedback_{kind}", now,
                                                        o.official.agency_code, ignore=ignore_quiet_hours or None),
                                any_hour=ignore_quiet_hours)
                        for o in targets]
            if await remind(db, item, kind, messages, now):
                planned += len(messages)
    return planned


async def _digests(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime, day: date,
                   awake: list[OfficialWithChats], digest_key, ignore_quiet_hours: bool) -> int:
    wanted = {digest_key(o.official.id, DIGEST_KIND, day): o for o in awake if not o.official.muted}
    done = await existing_keys(db, wanted)
    messages = []
    for key, o in wanted.items():
        if key in done:
            continue
        total, first = await open_for(db, o.official, limit=settings.digest_list)
        if not total:
            continue
        chat = o.chats[0]
        messages.append(Planned(key, "feedback_digest", chat.channel, chat.chat_id,
                                replies_to_json([open_list(first, total, calendar, now, day=day)]),
                                official_id=o.official.id, any_hour=ignore_quiet_hours))
    return await enqueue(db, messages, now)
