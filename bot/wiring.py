"""Build the conversation core's dependencies from the settings (one place for every entry point)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.backend import backend_from_settings
from bot.config import Settings, get_settings
from bot.dashboard import auth_from_settings
from db.engine import Database
from handlers.catalogue import Catalogue, IndexCache
from handlers.deps import Deps
from handlers.reminder_settings import ReminderSettings
from knowledge.calendar import OfficeHours, WorkingCalendar


@asynccontextmanager
async def core_deps(settings: Settings | None = None) -> AsyncIterator[Deps]:
    """The database (migrated), the catalogue index (seeded with the bundled catalogue when the
    database has none), the working-day calendar (with the administrator's file, if any)."""
    settings = settings or get_settings()
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        catalogue = await Catalogue.load(db, cache=IndexCache(settings.data_dir, settings.search_curated),
                                         curated=settings.search_curated)
        calendar = WorkingCalendar.load(settings.calendar_file)
        backend = backend_from_settings(settings)  # MOTCUA_BACKEND_URL: pull unknown dossiers
        try:
            yield Deps(db=db, catalogue=catalogue, calendar=calendar, backend=backend,
                       reminders=reminder_settings(settings), dashboard=auth_from_settings(settings))
        finally:
            if backend is not None:
                await backend.close()
    finally:
        await db.dispose()


def reminder_settings(settings: Settings) -> ReminderSettings:
    """The officials' reminder knobs from ``MOTCUA_*`` (docs/officials.md)."""
    try:
        citizen = OfficeHours.parse(settings.citizen_notify_hours, None)
    except ValueError as exc:
        raise ValueError(f"MOTCUA_CITIZEN_NOTIFY_HOURS: {exc}") from None
    return ReminderSettings(
        due_within_days=settings.reminder_due_within_days,
        escalate_after_days=settings.reminder_escalate_after_days,
        apology_extra_days=settings.apology_extra_days,
        feedback_days=settings.feedback_days,
        handoff_wait_minutes=settings.handoff_wait_minutes,
        handoff_idle_minutes=settings.handoff_idle_minutes,
        citizen_hours=(citizen.opens, citizen.closes),
        ignore_quiet_hours=settings.reminders_ignore_quiet_hours,
    )
