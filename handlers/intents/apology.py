"""``/xin_loi CODE``: the apology letter (form 04) before the responsible official — the sweep's
draft, or one drafted now — with three buttons: send, edit the reason, change the new date (the
edits are pending steps: the next message is the new reason or date; any command cancels).

Sending approves the draft the official saw: the Send button carries a mark of its reason and new
date, and a draft edited since (by another official, or in another chat) is shown again instead of
being sent. In one transaction the approval is recorded (who, when, the text as sent), the new date
is stored on the dossier (once only, enforced by the database) and the letter is queued in the
outbox to every chat that follows the dossier. Officials only, their scope only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from db.apology_repo import apology_by_id, apology_for, approve, draft_apologies, update_draft
from db.dossier_repo import AlreadyRescheduled, get_dossier
from db.models.dossiers import Dossier
from db.models.officials import Official
from db.models.reminders import Apology
from db.officials_repo import active_officials, responsible
from db.outbox_repo import Planned
from db.scoped_dossiers import dossier_by_id_for
from db.subscriptions_repo import subscribers
from handlers.apology_letter import (
    REASON_MAX,
    REASON_MIN,
    check_reason,
    draft_row,
    letter_reply,
    needs_apology,
    parse_new_date,
)
from handlers.dossier_view import when
from handlers.intents.officials import current_official, dossier_named, official_only, refusal
from handlers.reply_json import replies_to_json
from handlers.router import Context, Pending, Router
from handlers.types import Button, Reply
from knowledge.reminder_windows import windows

router = Router(name="apology")


@dataclass(kw_only=True)
class NewReason(Pending):
    """The next message is the new reason of this draft apology."""

    kind = "apology_reason"
    apology: int


@dataclass(kw_only=True)
class NewDate(Pending):
    """The next message is the new date of this draft apology."""

    kind = "apology_date"
    apology: int


def _state(what: str, **context) -> Reply:
    return Reply(template="apology_state", context={"what": what, **context}, kind="apology")


def _procedure(ctx: Context, d: Dossier) -> str:
    procedure = ctx.index.get(d.procedure_code) if d.procedure_code else None
    return procedure.name if procedure else ""


def _letter(ctx: Context, d: Dossier, apology: Apology, *, signed_by: str = "", signed_at=None) -> Reply:
    return letter_reply(d, procedure=_procedure(ctx, d), reason=apology.reason, new_due_at=apology.new_due_at,
                        calendar=ctx.deps.calendar, dated=signed_at or ctx.now(), signed_by=signed_by,
                        signed_at=signed_at)


def draft_mark(apology: Apology) -> str:
    """What the Send button approves: this reason and this new date (8 hex digits fit the 64-byte
    callback data)."""
    seen = f"{apology.reason}\x1f{apology.new_due_at.isoformat()}"
    return hashlib.blake2s(seen.encode(), digest_size=4).hexdigest()


async def _view(ctx: Context, d: Dossier, apology: Apology) -> list[Reply]:
    followers = len(await subscribers(ctx.deps.db, d.id))
    cal = ctx.deps.calendar
    header = Reply(template="apology_draft", context={
        "state": apology.status, "code": d.code, "subscribers": followers, "approved_by": apology.approved_by_name,
        "approved_at": when(apology.approved_at, cal), "recipients": apology.recipients, "letter": "",
    }, kind="apology")
    if apology.status == "sent":
        return [header, Reply(text=apology.text or "", kind="apology")]
    buttons = (
        Button("✅ Gửi / Send", payload=f"ap:s:{apology.id}:{draft_mark(apology)}"),
        Button("✏️ Sửa lý do / Edit reason", payload=f"ap:r:{apology.id}"),
        Button("📅 Đổi ngày hẹn / Change date", payload=f"ap:d:{apology.id}"),
    )
    letter = _letter(ctx, d, apology)
    return [header, Reply(template=letter.template, context=letter.context, buttons=buttons, kind="apology")]


async def _open(ctx: Context, official: Official, d: Dossier) -> list[Reply]:
    db = ctx.deps.db
    apology = await apology_for(db, d.id)
    if apology is None:
        cal, now = ctx.deps.calendar, ctx.now()
        needed, why, why_en = needs_apology(d, windows(cal, now, ctx.deps.reminders.due_within_days), cal)
        if not needed:
            if d.rescheduled_due_at is not None:
                return [_state("rescheduled", code=d.code, date=when(d.rescheduled_due_at, cal))]
            return [_state("not_needed", code=d.code, why=why, why_en=why_en)]
        owner = responsible([o for o in await active_officials(db)], d.agency_code)
        owner_id = owner[0].official.id if owner else official.id
        await draft_apologies(db, [draft_row(d, owner_id, cal, now, ctx.deps.reminders.apology_extra_days)], now)
        apology = await apology_for(db, d.id)
        if apology is None:
            return [_state("gone")]
    return await _view(ctx, d, apology)


@router.command("xin_loi", "xinloi", vi="Thư xin lỗi, hẹn lại ngày trả: /xin_loi mã hồ sơ",
                en="Apology letter and new date: /xin_loi code", officials=True)
@official_only
async def apology_command(ctx: Context, official: Official) -> list[Reply]:
    record = await dossier_named(ctx, official, ctx.args, "/xin_loi")
    if isinstance(record, Reply):
        return [record]
    return await _open(ctx, official, record.dossier)


async def _in_scope(ctx: Context, official: Official, apology_id: int) -> tuple[Apology, Dossier] | None:
    apology = await apology_by_id(ctx.deps.db, apology_id)
    if apology is None:
        return None
    record = await dossier_by_id_for(ctx.deps.db, official, apology.dossier_id)
    return (apology, record.dossier) if record is not None else None


@router.payload("ap")
@official_only
async def apology_button(ctx: Context, official: Official) -> list[Reply] | None:
    action, _, rest = ctx.args.partition(":")
    number, _, mark = rest.partition(":")
    if not (number.isascii() and number.isdigit()) or len(number) > 12:  # "²" is a digit to isdigit(), not to int()
        return None
    if action == "v":  # from /ho_so: by dossier id
        record = await dossier_by_id_for(ctx.deps.db, official, int(number))
        return await _open(ctx, official, record.dossier) if record is not None else [_state("gone")]
    found = await _in_scope(ctx, official, int(number))
    if found is None:
        return [_state("gone")]
    apology, d = found
    if apology.status != "draft":
        return [_state("already_sent", code=d.code, by=apology.approved_by_name)]
    cal = ctx.deps.calendar
    if action == "r":
        ctx.wait_for(NewReason(apology=apology.id))
        return [_state("ask_reason", min=REASON_MIN, max=REASON_MAX, reason=apology.reason)]
    if action == "d":
        ctx.wait_for(NewDate(apology=apology.id))
        return [_state("ask_date", due=when(d.due_at, cal), date=when(apology.new_due_at, cal))]
    if action == "s":
        if mark != draft_mark(apology):  # edited since this button was shown: show what would be sent
            return [_state("changed", code=d.code), *await _view(ctx, d, apology)]
        return await _send(ctx, official, apology, d)
    return None


async def _send(ctx: Context, official: Official, apology: Apology, d: Dossier) -> list[Reply]:
    db, cal, now = ctx.deps.db, ctx.deps.calendar, ctx.now()
    if apology.new_due_at <= now:
        return [_state("bad_date", problem="Ngày hẹn mới đã qua: hãy đổi ngày hẹn trước khi gửi.",
                       problem_en="The new date has passed: change it before sending.")]
    letter = _letter(ctx, d, apology, signed_by=official.name, signed_at=now)
    text = letter.render("plain")
    letters = [Planned(f"apology:{d.id}:{channel}:{chat_id}", "apology", channel, chat_id, replies_to_json([letter]),
                       dossier_id=d.id) for channel, chat_id in await subscribers(db, d.id)]
    try:
        approved = await approve(db, apology, d.code, official, text, letters, now)
    except AlreadyRescheduled:  # the one-stop system moved the date meanwhile: that date stands
        fresh = await get_dossier(db, d.code, with_history=False)
        return [_state("rescheduled", code=d.code, date=when(fresh.dossier.rescheduled_due_at if fresh else None, cal))]
    except ValueError as exc:
        return [_state("bad_date", problem=str(exc), problem_en=str(exc))]
    if not approved:
        fresh = await apology_by_id(db, apology.id)
        if fresh is not None and fresh.status == "draft":  # edited between reading and approving
            return [_state("changed", code=d.code), *await _view(ctx, d, fresh)]
        return [_state("already_sent", code=d.code, by=fresh.approved_by_name if fresh else "")]
    return [_state("sent", code=d.code, date=when(apology.new_due_at, cal), recipients=len(letters))]


async def _pending_draft(ctx: Context, step: NewReason | NewDate) -> tuple[Apology, Dossier] | list[Reply]:
    """The draft an edit step is about, still a draft and still the linked official's to edit."""
    official = await current_official(ctx)
    if official is None:
        ctx.state.pop("pending", None)
        return [refusal()]
    found = await _in_scope(ctx, official, step.apology)
    if found is None or found[0].status != "draft":
        ctx.state.pop("pending", None)
        return [_state("gone")]
    return found


async def _store_edit(ctx: Context, apology: Apology, d: Dossier, **edit) -> list[Reply]:
    """The step is answered: store the edit and show the draft as it now stands."""
    ctx.state.pop("pending", None)
    if not await update_draft(ctx.deps.db, apology.id, **edit):
        return [_state("gone")]
    return await _view(ctx, d, await apology_by_id(ctx.deps.db, apology.id))


@router.pending(NewReason)
async def new_reason(ctx: Context, step: NewReason) -> list[Reply]:
    found = await _pending_draft(ctx, step)
    if not isinstance(found, tuple):
        return found
    apology, d = found
    reason = check_reason(ctx.text)
    if reason is None:
        return [_state("bad_reason", min=REASON_MIN, max=REASON_MAX)]
    return await _store_edit(ctx, apology, d, reason=reason)


@router.pending(NewDate)
async def new_date(ctx: Context, step: NewDate) -> list[Reply]:
    found = await _pending_draft(ctx, step)
    if not isinstance(found, tuple):
        return found
    apology, d = found
    parsed = parse_new_date(ctx.text, ctx.deps.calendar, d, apology.new_due_at, ctx.now())
    if isinstance(parsed, tuple):
        return [_state("bad_date", problem=parsed[0], problem_en=parsed[1])]
    return await _store_edit(ctx, apology, d, new_due_at=parsed)
