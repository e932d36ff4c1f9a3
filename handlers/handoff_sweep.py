"""The handoffs' clock (``handlers.intents.handoff``), run by ``bot.scheduler`` every
``MOTCUA_HANDOFF_SWEEP_SECONDS``:

- a request nobody took within ``handoff_wait_minutes`` becomes a PAKN item — its content the
  request and what the citizen wrote while waiting, routed and dated as any item — and the citizen
  is told its code and deadline (``db.handoff_repo.fall_back``: the handoff closed, the item filed
  and the notices planned in one transaction);
- a live one without a message for ``handoff_idle_minutes`` ends, and both sides are told.

No lock is needed across replicas: each change is a conditional UPDATE, so a second sweep of the
same handoff changes nothing and plans nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.engine import Database
from db.handoff_repo import end, fall_back, stale
from db.models.feedback import Feedback
from db.models.handoff import Handoff
from db.outbox_repo import Planned
from handlers.feedback_view import filed_reply
from handlers.handoff_view import state
from handlers.intents.feedback import prepare
from handlers.intents.handoff import end_notices
from handlers.reminder_settings import ReminderSettings
from handlers.reply_json import replies_to_json
from handlers.types import Reply
from knowledge.calendar import WorkingCalendar

log = logging.getLogger(__name__)
EMPTY = "(Yêu cầu trò chuyện với cán bộ, không kèm nội dung / a request to talk with an official, without a text)"


@dataclass
class HandoffSweep:
    filed: int = 0  # requests nobody took: PAKN items now
    ended: int = 0  # live ones ended for being idle

    @property
    def changed(self) -> int:
        return self.filed + self.ended


async def sweep_handoffs(db: Database, calendar: WorkingCalendar, settings: ReminderSettings,
                         now: datetime) -> HandoffSweep:
    wait, idle = settings.handoff_wait_minutes, settings.handoff_idle_minutes
    waiting, quiet = await stale(db, now - timedelta(minutes=wait), now - timedelta(minutes=idle))
    report = HandoffSweep()
    for h in waiting:
        if (code := await _file(db, calendar, settings, now, h)) is not None:
            report.filed += 1
            log.info("handoff #%s: nobody took it within %d minutes: feedback %s", h.id, wait, code)
    for h in quiet:
        if await end(db, h.id, "idle", now, end_notices(idle), idle_before=now - timedelta(minutes=idle)):
            report.ended += 1
            log.info("handoff #%s ended: idle %d minutes", h.id, idle)
    return report


async def _file(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime,
                h: Handoff) -> str | None:
    content = h.request.strip() or EMPTY
    draft = {"content": content, "dossier": h.dossier_code, "topic": "dossier" if h.dossier_code else "other"}
    new, notices, _ = await prepare(db, calendar, settings, now, h.channel, h.chat_id, draft)

    def plan(item: Feedback) -> list[Planned]:
        told = [state("no_taker", wait=settings.handoff_wait_minutes, lang=h.lang),
                _in(filed_reply(item, calendar), h.lang)]
        return [*notices(item), Planned(f"handoff_fallback:{h.id}", "handoff_notice", h.channel, h.chat_id,
                                        replies_to_json(told))]

    item = await fall_back(db, h.id, new, plan, now)
    return item.code if item is not None else None


def _in(reply: Reply, lang: str) -> Reply:
    return dataclasses.replace(reply, lang=lang)
