"""``/bao_cao [MM/YYYY]`` for a linked official: the month's figures of their agencies (the report of
``motcua report``, ``handlers.report``) as text, and its charts as one image. The month under way
by default; the same refusal as every official command for a chat that is not an official's."""

from __future__ import annotations

from db.models.officials import Official
from handlers.intents.officials import official_only
from handlers.report import monthly_report, report_reply
from handlers.router import Context, Router
from handlers.types import Button, Reply
from knowledge.months import Month

MAX_ARGS = 32  # "tháng 03/2026" and some spaces

router = Router(name="report")


@router.command("bao_cao", "baocao", vi="Báo cáo tháng: /bao_cao [MM/YYYY]", en="Monthly report: /bao_cao [MM/YYYY]",
                officials=True)
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
    return [await report_reply(found), *await dashboard_offer(ctx, official)]


async def dashboard_offer(ctx: Context, official: Official) -> list[Reply]:
    """A one-time link to the web view (docs/officials.md, "Dashboard"), when it is configured."""
    auth = ctx.deps.dashboard
    if auth is None:
        return []
    url = await auth.offer(ctx.deps.db, official.id, ctx.deps.clock())  # the server's clock: the link's 15 minutes
    minutes = int(auth.link_ttl.total_seconds() // 60)
    return [Reply(template="official_dashboard_link", context={"url": url, "minutes": minutes}, kind="official",
                  buttons=(Button("🖥 Mở bảng số liệu / Open the dashboard", url=url),))]
