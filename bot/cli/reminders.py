"""``motcua reminders sweep`` (plan today's reminders now and exit; ``motcua run`` delivers them) and
``motcua reminders outbox`` (what is waiting, what failed)."""

from __future__ import annotations

from datetime import datetime

import click

from bot.cli.calendar import load_calendar
from bot.cli.common import open_database, run


@click.group("reminders")
def reminders_group() -> None:
    """Nhắc việc cán bộ và thông báo công dân / reminders and notices."""


@reminders_group.command("sweep")
@click.option("--ignore-quiet-hours", is_flag=True,
              help="Lập nhắc việc để gửi ngay, kể cả ngoài giờ làm việc / plan for immediate delivery whatever the clock says.")
@click.option("--now", "now_text", default=None, help="ISO 8601 moment to sweep as (default: now).")
def sweep_command(ignore_quiet_hours: bool, now_text: str | None) -> None:
    """Quét một lần: lập nhắc việc, phiếu xin lỗi, tin cho công dân vào hộp thư đi / one sweep now.

    Running it twice the same working day plans nothing new. A running `motcua run` delivers what
    was planned within seconds.
    """
    from bot.config import get_settings
    from bot.wiring import reminder_settings
    from handlers.sweep import run_sweep
    from knowledge.calendar import to_local

    settings = get_settings()
    calendar = load_calendar(None)
    try:
        now = to_local(datetime.fromisoformat(now_text), calendar.tz) if now_text else datetime.now(calendar.tz)
    except ValueError:
        raise click.BadParameter("ISO 8601, e.g. 2026-03-11T10:00+07:00", param_hint="--now") from None
    reminders = reminder_settings(settings)

    async def go():
        async with open_database(settings) as db:
            return await run_sweep(db, calendar, reminders, now,
                                   ignore_quiet_hours=ignore_quiet_hours or settings.reminders_ignore_quiet_hours)

    report = run(go())
    click.echo(report.summary())
    click.echo(f"planned: {report.planned}")


@reminders_group.command("outbox")
@click.option("--failed", "show_failed", type=int, default=10, show_default=True, help="How many recent failures to show.")
def outbox_command(show_failed: int) -> None:
    """Hộp thư đi: số tin theo trạng thái, các lỗi gần nhất / the outbox by status, recent failures."""
    from sqlalchemy import func, select

    from db.models.outbox import OutboxMessage

    async def go():
        async with open_database() as db:
            async with db.session() as session:
                counts = dict((await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
                failed = list(await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.status == "failed")
                    .order_by(OutboxMessage.id.desc()).limit(show_failed)))
            return counts, failed

    counts, failed = run(go())
    click.echo("  ".join(f"{status}: {counts.get(status, 0)}" for status in ("planned", "sending", "sent", "failed")))
    for row in failed:
        click.echo(f"#{row.id} {row.kind} → {row.channel}:{row.chat_id} after {row.attempts} attempt(s): {row.last_error}")
