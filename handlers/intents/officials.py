"""Officials in the chat: ``/lienket CODE`` links the chat; then ``/tre_han``, ``/sap_den_han``,
``/ho_so CODE``, ``/thong_ke``, ``/nhac CODE``, ``/tat_nhac``, ``/bat_nhac`` (and ``/xin_loi``, in
``handlers.intents.apology``).

A chat that is not linked to an active official gets the same polite refusal for every official
command and button, whatever it asked about: it learns nothing (not even whether a dossier exists).
Only a one-to-one Telegram or Zalo chat (or the operator's console) can be linked or act as an
official's; the web chat and Telegram groups get that refusal, ``/lienket`` included.
Every dossier query goes through ``db.scoped_dossiers``, which takes the official and keeps to
their scope.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time

from db.apology_repo import apology_for
from db.dossier_repo import DossierRecord
from db.models.officials import Official
from db.officials_repo import active_officials, official_for_chat, redeem_invite, responsible, set_muted
from db.outbox_repo import Planned
from db.reminder_repo import plan_reminders, reminder_at
from db.report_repo import month_stats_for
from db.scoped_dossiers import dossier_for, due_for, overdue_for
from db.subscriptions_repo import subscribers
from handlers.official_view import detail_reply, dossier_item, list_reply, month_view, nudge_reply, stats_reply
from handlers.quiet_hours import allowed_from
from handlers.reply_json import replies_to_json
from handlers.router import Context, Router
from handlers.types import Reply
from knowledge.calendar import to_local
from knowledge.channels import OFFICIAL_CHANNELS
from knowledge.dossiers.code import EXAMPLE, find_code
from knowledge.reminder_windows import day_of, windows

OfficialHandler = Callable[[Context, Official], Awaitable[list[Reply] | None]]
_INTS = re.compile(r"\d{1,4}")
MAX_WITHIN = 10

router = Router(name="officials")


# Where a chat can be an official's: Telegram and Zalo (reminders reach them), one-to-one, and the
# console (``motcua chat``: the operator's own terminal, which holds the database credentials
# anyway). Never the web chat — a browser session anyone can open would show personal data through
# /ho_so — nor a Telegram group, where everyone in it would read along.


def can_be_officials(ctx: Context) -> bool:
    return ctx.incoming.channel in OFFICIAL_CHANNELS and ctx.incoming.private


def refusal() -> Reply:
    return Reply(template="official_refusal", kind="refused")


async def current_official(ctx: Context) -> Official | None:
    """The active official of this chat; None for every chat that cannot be an official's, even if
    it was linked before that rule (the same refusal follows)."""
    if not can_be_officials(ctx):
        return None
    return await official_for_chat(ctx.deps.db, ctx.incoming.channel, ctx.incoming.chat_id, seen_at=ctx.now())


def official_only(handler: OfficialHandler):
    """Run the handler with the chat's official, or refuse — before looking at anything it asked."""
    async def wrapped(ctx: Context) -> list[Reply] | None:
        official = await current_official(ctx)
        if official is None:
            ctx.state.pop("pending", None)
            return [refusal()]
        return await handler(ctx, official)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def scope_label(official: Official) -> str:
    return official.agency_code


def code_needed(command: str) -> Reply:
    return Reply(template="official_code_needed", context={"command": command, "example": EXAMPLE}, kind="help")


def not_in_scope(official: Official, code: str) -> Reply:
    return Reply(template="official_not_found", context={"code": code, "scope": scope_label(official)}, kind="not_found")


async def dossier_named(ctx: Context, official: Official, typed: str, command: str) -> DossierRecord | Reply:
    """The dossier whose code ``typed`` holds, within the official's scope — or the reply that says
    the code is missing, or not found there (the same answer for both: nothing leaks)."""
    code = find_code(typed)
    if code is None:
        return code_needed(command)
    record = await dossier_for(ctx.deps.db, official, code)
    return record if record is not None else not_in_scope(official, code.canonical)


@router.command("lienket", "lien_ket", vi="Liên kết tài khoản cán bộ: /lienket mã", en="Link an official's account: /lienket code",
                officials=True)
async def link(ctx: Context) -> list[Reply]:
    if not can_be_officials(ctx):
        return [refusal()]  # the code is not even looked at: it stays usable where it belongs
    if not ctx.args:
        return [Reply(template="official_link_help", kind="help")]
    official = await redeem_invite(ctx.deps.db, ctx.args[:64], ctx.incoming.channel, ctx.incoming.chat_id,
                                   ctx.now())
    if official is None:
        return [Reply(template="official_link_invalid", kind="refused")]
    return [Reply(template="official_linked", context={"name": official.name, "agency": official.agency_code,
                                                       "role": official.role}, kind="official")]


def _ints(args: str) -> list[int]:
    return [int(n) for n in _INTS.findall(args or "")]


async def _clamped(read, page_no: int, size: int):
    """The page asked for, or the last one when it asked beyond the end."""
    page_no = max(1, page_no)
    page = await read(page_no)
    last = max(1, -(-page.total // size))
    if page_no > last:
        page_no = last
        page = await read(page_no)
    return page, page_no


async def _overdue_page(ctx: Context, official: Official, page_no: int) -> list[Reply]:
    settings = ctx.deps.reminders
    now = ctx.now()

    async def read(n: int):
        return await overdue_for(ctx.deps.db, official, now, limit=settings.page_size, offset=(n - 1) * settings.page_size)

    page, page_no = await _clamped(read, page_no, settings.page_size)
    return [list_reply("overdue", page, page_no, settings, scope_label(official), ctx.deps.calendar, now)]


async def _due_page(ctx: Context, official: Official, within: int, page_no: int) -> list[Reply]:
    settings = ctx.deps.reminders
    within = min(MAX_WITHIN, max(0, within))
    now = ctx.now()
    w = windows(ctx.deps.calendar, now, within)

    async def read(n: int):
        return await due_for(ctx.deps.db, official, w.now, w.soon_end, limit=settings.page_size,
                             offset=(n - 1) * settings.page_size)

    page, page_no = await _clamped(read, page_no, settings.page_size)
    return [list_reply("due", page, page_no, settings, scope_label(official), ctx.deps.calendar, now, within=within)]


@router.command("tre_han", "trehan", "qua_han", vi="Hồ sơ trễ hạn", en="Overdue dossiers", officials=True)
@official_only
async def overdue(ctx: Context, official: Official) -> list[Reply]:
    """/tre_han [page]: running dossiers in scope past their due time, by code."""
    numbers = _ints(ctx.args)
    return await _overdue_page(ctx, official, numbers[0] if numbers else 1)


@router.command("sap_den_han", "sapdenhan", vi="Hồ sơ sắp đến hạn: /sap_den_han [số ngày]",
                en="Dossiers due soon: /sap_den_han [days]", officials=True)
@official_only
async def due_soon(ctx: Context, official: Official) -> list[Reply]:
    """/sap_den_han [N] [page]: due today and within N working days (default from the settings)."""
    numbers = _ints(ctx.args)
    within = numbers[0] if numbers else ctx.deps.reminders.due_within_days
    return await _due_page(ctx, official, within, numbers[1] if len(numbers) > 1 else 1)


@router.payload("ol")
@official_only
async def list_page(ctx: Context, official: Official) -> list[Reply] | None:
    what, _, rest = ctx.args.partition(":")
    numbers = _ints(rest)
    if len(numbers) != 2:
        return None
    if what == "o":
        return await _overdue_page(ctx, official, numbers[1])
    return await _due_page(ctx, official, numbers[0], numbers[1])


@router.command("ho_so", "hoso", vi="Hồ sơ đầy đủ: /ho_so mã hồ sơ", en="A dossier in full: /ho_so code", officials=True)
@official_only
async def dossier_detail(ctx: Context, official: Official) -> list[Reply]:
    """/ho_so CODE: the whole dossier (personal data, history), for the official's scope only."""
    record = await dossier_named(ctx, official, ctx.args, "/ho_so")
    if isinstance(record, Reply):
        return [record]
    d = record.dossier
    procedure = ctx.index.get(d.procedure_code) if d.procedure_code else None
    apology = await apology_for(ctx.deps.db, d.id)
    apology_text = ""
    if apology is not None:
        apology_text = (f"đã gửi ({apology.approved_by_name})" if apology.status == "sent"
                        else f"dự thảo chờ duyệt — /xin_loi {d.code}")
    followers = len(await subscribers(ctx.deps.db, d.id))
    return [detail_reply(record, procedure, ctx.deps.calendar, ctx.now(), apology=apology_text, subscribers=followers)]


def _month_start(moment: datetime, months: int = 0) -> datetime:
    """The first moment of the month ``months`` after (negative: before) the month of ``moment``."""
    index = moment.year * 12 + moment.month - 1 + months
    return datetime.combine(date(index // 12, index % 12 + 1, 1), time(0), moment.tzinfo)


@router.command("thong_ke", "thongke", vi="Thống kê tháng này và tháng trước", en="This month's and last month's figures",
                officials=True)
@official_only
async def statistics(ctx: Context, official: Official) -> list[Reply]:
    """/thong_ke: this month and last month in the official's scope."""
    now = to_local(ctx.now(), ctx.deps.calendar.tz)
    this_start, last_start, next_start = _month_start(now), _month_start(now, -1), _month_start(now, 1)
    months = []
    for label, start, end, current in (
        (f"Tháng {this_start:%m/%Y} (đến nay)", this_start, next_start, True),
        (f"Tháng {last_start:%m/%Y}", last_start, this_start, False),
    ):
        stats = await month_stats_for(ctx.deps.db, official, start, end, now)
        months.append(month_view(label, stats, current=current))
    return [stats_reply(scope_label(official), months)]


@router.command("tat_nhac", "tatnhac", vi="Tắt nhắc việc", en="Mute reminders", officials=True)
@official_only
async def mute(ctx: Context, official: Official) -> list[Reply]:
    await set_muted(ctx.deps.db, official.id, True)
    return [Reply(template="official_mute", context={"muted": True, "head": official.role == "head"}, kind="official")]


@router.command("bat_nhac", "batnhac", vi="Bật lại nhắc việc", en="Unmute reminders", officials=True)
@official_only
async def unmute(ctx: Context, official: Official) -> list[Reply]:
    await set_muted(ctx.deps.db, official.id, False)
    return [Reply(template="official_mute", context={"muted": False, "head": False}, kind="official")]


async def _nudge(ctx: Context, official: Official, typed: str) -> list[Reply]:
    record = await dossier_named(ctx, official, typed, "/nhac")
    if isinstance(record, Reply):
        return [record]
    db = ctx.deps.db
    d = record.dossier
    now = ctx.now()
    calendar = ctx.deps.calendar
    day = day_of(calendar, now)
    targets = [o for o in responsible([o for o in await active_officials(db) if o.chats], d.agency_code)]
    item = dossier_item(d, calendar, now)
    sent, already = [], []
    for target in targets:
        oid = target.official.id
        chat = target.chats[0]
        # Outside the recipient's office hours it waits for the next opening.
        not_before = allowed_from(calendar, ctx.deps.reminders, "nudge", now, target.official.agency_code)
        message = Planned(f"nudge:{day.isoformat()}:{d.id}:{oid}", "nudge", chat.channel, chat.chat_id,
                          replies_to_json([nudge_reply(item, official.name)]), official_id=oid, dossier_id=d.id,
                          not_before=not_before)
        if await plan_reminders(db, message, official_id=oid, kind="nudge", day=day, dossier_ids=[d.id], now=now):
            sent.append(target.official.name)
        else:
            at = await reminder_at(db, d.id, oid, "nudge", day)
            already.append(target.official.name + (f" ({to_local(at, calendar.tz):%H:%M})" if at else ""))
    return [Reply(template="official_nudged", context={"code": d.code, "sent": sent, "already": already,
                                                       "nobody": not targets}, kind="official")]


@router.command("nhac", vi="Nhắc cán bộ xử lý hồ sơ: /nhac mã hồ sơ", en="Remind who handles a dossier: /nhac code",
                officials=True)
@official_only
async def nudge(ctx: Context, official: Official) -> list[Reply]:
    """/nhac CODE: remind the dossier's responsible official(s) now (once per working day each)."""
    return await _nudge(ctx, official, ctx.args)


@router.payload("nh")
@official_only
async def nudge_button(ctx: Context, official: Official) -> list[Reply]:
    return await _nudge(ctx, official, ctx.args)
