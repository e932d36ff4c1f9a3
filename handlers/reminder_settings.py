"""The knobs of reminders, apology letters, feedback deadlines and live handoffs (``MOTCUA_*`` settings, bot/config.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class ReminderSettings:
    due_within_days: int = 1  # "sắp đến hạn": due within N working days after today
    escalate_after_days: int = 2  # a head hears of dossiers overdue by MORE than M working days
    apology_extra_days: int = 3  # default new appointment: this many working days after the later of due date and today
    digest_list: int = 15  # codes listed in one digest (the rest: a count and the command)
    page_size: int = 20  # dossiers per page of /tre_han and /sap_den_han
    citizen_hours: tuple[time, time] = (time(7), time(21))  # citizens hear from the bot unasked only then (Vietnam time)
    feedback_days: int = 10  # working days to answer a citizen's feedback (PAKN), unless the agency set its own
    handoff_wait_minutes: int = 3  # a live handoff nobody takes within this becomes a PAKN item
    handoff_idle_minutes: int = 15  # a live handoff without a message for this long ends
    ignore_quiet_hours: bool = False  # send at any hour (demonstrations, tests): officials' and citizens' quiet hours
