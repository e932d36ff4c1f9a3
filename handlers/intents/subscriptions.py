"""Citizens following their dossiers: ``/theo_doi CODE`` (after the dossier feature's second factor:
the same verification state, ``db.dossier_chat_repo.has_access``), ``/theo_doi`` alone lists what
the chat follows, ``/huy_theo_doi CODE`` stops one, ``/huy_theo_doi tat_ca`` stops them all.
Following is for Telegram and Zalo only: the web chat and the console cannot be sent a notice, so
there ``/theo_doi`` says where to follow instead of promising what can never arrive.
And the satisfaction question's answers (buttons "rt:<dossier id>:<h|b|k>", then an optional comment
as a pending step)."""

from __future__ import annotations

from dataclasses import dataclass

from db.dossier_chat_repo import has_access
from db.dossier_repo import find_dossier
from knowledge.channels import PUSH_CHANNELS
from db.subscriptions_repo import (
    MAX_SUBSCRIPTIONS,
    TooManySubscriptions,
    comment_rating,
    dossier_by_id,
    is_subscribed,
    rate,
    subscribe,
    subscriptions_of,
    unsubscribe,
)
from handlers.citizen_notices import RATING_LEVELS
from handlers.intents.dossier import lookup, lookup_command
from handlers.router import Context, Pending, Router
from handlers.types import Button, Reply
from knowledge.dossiers import status as statuses
from knowledge.dossiers.code import DossierCode, find_code
from knowledge.dossiers.status import FINISHED
from knowledge.scope import small_talk
from knowledge.text import clean, fold

MAX_COMMENT = 1000
ALL = {"tat ca", "tat_ca", "tatca", "all", "het", "tat ca ho so"}

router = Router(name="subscriptions")


@dataclass(kw_only=True)
class RatingComment(Pending):
    """After a rating: the next message may be a comment on this dossier's service."""

    kind = "rating_comment"
    dossier: int


def _say(what: str, **context) -> Reply:
    return Reply(template="subscription", context={"what": what, **context}, kind="subscription")


def _where(ctx: Context) -> tuple[str, str]:
    return ctx.incoming.channel, ctx.incoming.chat_id


async def _listing(ctx: Context) -> list[Reply]:
    followed = await subscriptions_of(ctx.deps.db, *_where(ctx))
    items = [{"code": f.code, "status": statuses.name(f.status)} for f in followed]
    buttons = tuple(Button(f"🔕 {f.code}", payload=f"unsub:{f.code}") for f in followed[:8])
    if followed:
        buttons += (Button("🔕 Ngừng tất cả / Stop all", payload="unsub:*"),)
    return [Reply(template="subscriptions", context={"items": items}, buttons=buttons, kind="subscription")]


async def _follow(ctx: Context, code: DossierCode) -> list[Reply]:
    db = ctx.deps.db
    record = await find_dossier(db, code, with_history=False)
    if record is None:
        return await lookup(ctx, code)  # the dossier feature's answer (limits, backend, not found)
    d = record.dossier
    channel, chat_id = _where(ctx)
    if not await has_access(db, channel, chat_id, d.code, ctx.now()):
        if not (d.applicant_phone or d.applicant_id_number):
            return [_say("cannot_verify", code=d.code)]
        shown = await lookup(ctx, code)  # the public view; asks for the 4 digits (pending "verify")
        follow = Button("🔔 Theo dõi / Follow", payload=f"sub:{d.code}")
        return shown + [Reply(template="subscription", context={"what": "verify_first", "code": d.code},
                              buttons=(follow,), kind="subscription")]
    try:
        new = await subscribe(db, d.id, channel, chat_id, ctx.now())
    except TooManySubscriptions:
        return [_say("too_many", limit=MAX_SUBSCRIPTIONS)]
    return [_say("subscribed" if new else "already", code=d.code)]


def _push_only(ctx: Context) -> list[Reply] | None:
    """The answer on a channel notices cannot reach; None on Telegram and Zalo."""
    if ctx.incoming.channel in PUSH_CHANNELS:
        return None
    code = find_code(ctx.args) if ctx.args else None
    return [_say("push_only", code=code.canonical if code else "")]


@router.command("theo_doi", "theodoi", vi="Nhận thông báo khi hồ sơ thay đổi: /theo_doi mã hồ sơ",
                en="Get notified when a dossier changes: /theo_doi code")
async def follow_command(ctx: Context) -> list[Reply]:
    if (refused := _push_only(ctx)) is not None:
        return refused
    if not ctx.args:
        return await _listing(ctx)
    code = find_code(ctx.args)
    if code is None:
        return await lookup_command(ctx)  # explains the code format (and a procedure code given by mistake)
    return await _follow(ctx, code)


@router.payload("sub")
async def follow_button(ctx: Context) -> list[Reply] | None:
    if (refused := _push_only(ctx)) is not None:
        return refused
    code = find_code(ctx.args)
    return await _follow(ctx, code) if code is not None else None


async def _stop(ctx: Context, typed: str) -> list[Reply]:
    db = ctx.deps.db
    channel, chat_id = _where(ctx)
    if typed.strip() == "*" or fold(typed).strip() in ALL:
        return [_say("all_stopped", count=await unsubscribe(db, channel, chat_id))]
    code = find_code(typed)
    if code is None:
        return await _listing(ctx)
    record = await find_dossier(db, code, with_history=False)
    if record is None or not await unsubscribe(db, channel, chat_id, record.dossier.id):
        return [_say("not_following", code=record.dossier.code if record else code.canonical)]
    return [_say("unsubscribed", code=record.dossier.code)]


@router.command("huy_theo_doi", "huytheodoi", "bo_theo_doi", vi="Thôi nhận thông báo về hồ sơ",
                en="Stop dossier notifications")
async def unfollow_command(ctx: Context) -> list[Reply]:
    return await _stop(ctx, ctx.args) if ctx.args else await _listing(ctx)


@router.payload("unsub")
async def unfollow_button(ctx: Context) -> list[Reply]:
    return await _stop(ctx, ctx.args)


@router.payload("rt")
async def rating_button(ctx: Context) -> list[Reply] | None:
    number, _, letter = ctx.args.partition(":")
    if not (number.isascii() and number.isdigit()) or len(number) > 12:  # "²" is a digit to isdigit(), not to int()
        return None
    dossier_id = int(number)
    if letter == "skip":
        ctx.state.pop("pending", None)
        return [Reply(template="rating_done", context={"comment": False}, kind="rating")]
    if letter not in RATING_LEVELS:
        return None
    db = ctx.deps.db
    channel, chat_id = _where(ctx)
    d = await dossier_by_id(db, dossier_id)
    # Only a chat that follows the dossier (it proved the second factor) rates it, once it is finished.
    if d is None or d.status not in FINISHED or not await is_subscribed(db, dossier_id, channel, chat_id):
        return [Reply(text="Chỉ người theo dõi hồ sơ đã có kết quả mới đánh giá được. / "
                           "Only a follower of a finished dossier can rate it.", kind="rating")]
    level, vi, en = RATING_LEVELS[letter]
    await rate(db, d, channel, chat_id, level, ctx.now())
    ctx.wait_for(RatingComment(dossier=dossier_id))
    return [Reply(template="rating_thanks", context={"level_vi": vi, "level_en": en, "limit": MAX_COMMENT},
                  buttons=(Button("Bỏ qua / Skip", payload=f"rt:{dossier_id}:skip"),), kind="rating")]


@router.pending(RatingComment)
async def rating_comment(ctx: Context, step: RatingComment) -> list[Reply] | None:
    ctx.state.pop("pending", None)
    if find_code(ctx.text) is not None:
        return None  # a dossier code: let the dossier feature answer it
    if small_talk(ctx.text) in ("deny", "thank", "goodbye", "affirm"):
        # "không", "cảm ơn", "ok": no comment to add (not a comment to store)
        return [Reply(template="rating_done", context={"comment": False}, kind="rating")]
    comment = " ".join(clean(ctx.text).split())[:MAX_COMMENT]
    if not comment:
        return None
    channel, chat_id = _where(ctx)
    await comment_rating(ctx.deps.db, step.dossier, channel, chat_id, comment)
    return [Reply(template="rating_done", context={"comment": True}, kind="rating")]
