"""``/bao_cao [MM/YYYY]`` for a linked official: the month's figures of their agencies (the report of
``motcua report``, ``handlers.report``) as text, and its charts as one image. The month under way
by default; the same refusal as every official command for a chat that is not an official's."""

from __future__ import annotations

from db.models.officials import Official
from handlers.intents.officials import official_only
from handlers.report import monthly_report, report_reply
from handlers.router import Context, router
from handlers.types import Reply
from knowledge.months import Month

MAX_ARGS = 32  # "tháng 03/2026" and some spaces


@router.command("bao_cao", "baocao")
@official_only
async def report(ctx: Context, official: Official) -> list[Reply]:
    now = ctx.now()
    tz = ctx.deps.calendar.tz
    current = Month.of(now, tz)
    typed = ctx.args.strip()
    month = Month.parse(typed[:MAX_ARGS]) if typed else current
    if month is None or month > current:
        return [Reply(template="official_report_help", context={"example": current.shifted(-1).label,
                                                                "future": month is not None}, kind="help")]
    found = await monthly_report(ctx.deps.db, month, now=now, agency=official.agency_code, tz=tz)
    return [await report_reply(found)]
