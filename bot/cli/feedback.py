"""``motcua feedback list [--agency CODE] [--json]`` (citizens' feedback, PAKN, and where each
stands) and ``motcua feedback deadline`` (an agency's own handling time in working days).

The list shows no content and no contact: those are for the agency's officials, in the chat.
The database and the settings are imported inside the commands (bot/cli/__init__.py: a --help
imports nothing heavy)."""

from __future__ import annotations

import json

import click

from bot.cli.common import open_database, run
from knowledge.agency import normalise, well_formed
from knowledge.feedback import MAX_DAYS


def _agency(value: str | None) -> str | None:
    if value is None:
        return None
    code = normalise(value)
    if not well_formed(code):
        raise click.BadParameter("mã cơ quan dạng 000.00.22.H26 / an agency code such as 000.00.22.H26",
                                 param_hint="--agency")
    return code


def item_json(item) -> dict:
    """One item as ``--json`` prints it: moments in ISO 8601, Vietnam time."""
    from knowledge.calendar import VN_TZ, to_local

    def iso(moment):
        return to_local(moment, VN_TZ).isoformat() if moment is not None else None

    return {"code": item.code, "status": item.status, "agency_code": item.agency_code,
            "received_at": iso(item.received_at), "due_at": iso(item.due_at), "answered_at": iso(item.answered_at)}


@click.group("feedback")
def feedback_group() -> None:
    """Phản ánh, kiến nghị của người dân / citizens' feedback (PAKN)."""


@feedback_group.command("list")
@click.option("--agency", "agency", default=None,
              help="Chỉ của cơ quan này và các đơn vị trực thuộc / this agency's and the ones it covers.")
@click.option("--json", "as_json", is_flag=True, help="Một dòng JSON mỗi phản ánh / one JSON line per item.")
def list_command(agency: str | None, as_json: bool) -> None:
    """Danh sách phản ánh, kiến nghị / the feedback items, oldest first.

    JSON lines: code, status (open | answered | closed), agency_code, received_at, due_at,
    answered_at (ISO 8601, Vietnam time; null when not answered).
    """
    code = _agency(agency)

    async def go():
        from db.feedback_repo import list_feedback

        async with open_database() as db:
            return [item_json(item) for item in await list_feedback(db, code)]

    rows = run(go())
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        click.echo("Chưa có phản ánh, kiến nghị nào. / No feedback yet.")
        return
    click.echo(f"{'code':<16} {'status':<9} {'agency':<16} {'received':<17} {'due':<17} answered")
    for row in rows:
        click.echo(f"{row['code']:<16} {row['status']:<9} {row['agency_code'] or '—':<16} "
                   f"{row['received_at'][:16]:<17} {row['due_at'][:16]:<17} {(row['answered_at'] or '—')[:16]}")


@feedback_group.command("deadline")
@click.option("--agency", "agency", default=None, help="Mã cơ quan (áp dụng cả cho đơn vị trực thuộc chưa tự đặt).")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=None, help="Số ngày làm việc để trả lời.")
@click.option("--clear", is_flag=True, help="Về mặc định MOTCUA_FEEDBACK_DAYS / back to the default.")
def deadline_command(agency: str | None, days: int | None, clear: bool) -> None:
    """Thời hạn trả lời riêng của cơ quan / an agency's own handling time, in working days.

    Without --agency: every agency's own time and the default. An agency's time applies to the
    agencies it covers too, unless they set their own (the nearest one wins).
    """
    code = _agency(agency)
    if code is None and (days is not None or clear):
        raise click.BadParameter("cần --agency / --agency is required", param_hint="--agency")
    if code is not None and days is None and not clear:
        raise click.UsageError("--days N hoặc --clear / give --days N or --clear")

    async def go():
        from bot.config import get_settings
        from db.feedback_repo import deadlines, set_deadline

        async with open_database() as db:
            if code is not None:
                await set_deadline(db, code, None if clear else days)
            return await deadlines(db), get_settings().feedback_days

    own, default = run(go())
    if code is not None:
        click.echo(f"{code}: {own[code]} ngày làm việc / working days" if code in own
                   else f"{code}: mặc định {default} ngày làm việc / default, {default} working days")
        return
    click.echo(f"Mặc định / default (MOTCUA_FEEDBACK_DAYS): {default} ngày làm việc / working days")
    for agency_code, n in sorted(own.items()):
        click.echo(f"{agency_code}: {n}")
