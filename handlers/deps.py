"""What the conversation core needs from the outside, handed in by whoever runs it (the service,
the console, a test) — never imported as globals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from db.engine import Database
from handlers.catalogue import Catalogue
from handlers.reminder_settings import ReminderSettings
from knowledge.calendar import VN_TZ, WorkingCalendar, default_calendar


def vietnam_now() -> datetime:
    return datetime.now(VN_TZ)


@dataclass
class Deps:
    db: Database
    catalogue: Catalogue
    calendar: WorkingCalendar = field(default_factory=default_calendar)
    clock: Callable[[], datetime] = vietnam_now  # aware, Vietnam time; tests pass a fixed one
    backend: Any = None  # a one-stop system to pull dossiers from (optional per deployment)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)  # officials' reminders, apologies
    # The officials' web view: signs and stores one-time links (handlers.dashboard); None when not configured.
    dashboard: Any = None
