"""A live handoff to an official: "gặp cán bộ", "cho tôi nói chuyện với người", "talk to a human",
``/can_bo [việc cần hỏi]``.

- **Who**: the responsible officials of the agency concerned (a dossier code in the request names
  it; else the province level — ``db.feedback_repo.route``, as for feedback), those on duty: in
  their agency's office hours, not muted (``/tat_nhac``), with a chat that can push (Telegram,
  Zalo), not talking with another citizen. Each gets the request with a "Nhận / Take" button.
- **Take**: the first official to tap wins (a conditional UPDATE); the next gets "already taken".
  From then on the citizen's free text goes to that official's chat and the official's to the
  citizen's, through the outbox, prefixed with who wrote it; commands keep working on both sides.
  ``/ket_thuc`` (either side) ends it and tells both; so does the sweep after
  ``MOTCUA_HANDOFF_IDLE_MINUTES`` without a message (``handlers.handoff_sweep``).
- **Nobody**: out of hours, nobody on duty, or a chat that cannot be written to (the web chat, the
  console): the request becomes a PAKN item at once (``handlers.intents.feedback``), with its
  tracking code and deadline — asked for first when the request says nothing of what it is about.
  Nobody taking it within ``MOTCUA_HANDOFF_WAIT_MINUTES``: the sweep files it, with what the
  citizen wrote while waiting.

Both chats carry ``state["handoff"] = id``: the message path looks at the table only for a chat
with that key (and drops it once the handoff is over), so everyone else pays nothing. No message
content is logged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.feedback_repo import province_level, route
from db.handoff_repo import (
    OPEN,
    end,
    handoff,
    live_in_official_chat,
    note_waiting,
    open_for_chat,
    open_handoff,
    relay,
    requested_since,
    serving,
    take,
)
from db.models.handoff import Handoff
from db.models.officials import Official, OfficialChat
from db.officials_repo import OfficialWithChats, active_officials, linked_official
from db.outbox_repo import Planned
from handlers.dossier_view import when
from handlers.feedback_view import CHANNEL_NAMES
from handlers.handoff_view import CANCEL, ended, message, request_notice, state
from handlers.intents.feedback import MIN_WORDS, agency_of, file_content
from handlers.intents.officials import official_only
from handlers.reply_json import replies_to_json
from handlers.router import Context, Pending, Router
from handlers.types import Reply
from knowledge.agency import covers
from knowledge.calendar import WorkingCalendar
from knowledge.channels import PUSH_CHANNELS, capabilities
from knowledge.dossiers.code import find_code
from knowledge.feedback import substance
from knowledge.handoff import asks_official, says_what_about
from knowledge.reminder_windows import in_office_hours, next_opening
from knowledge.text import fold

log = logging.getLogger(__name__)

_ID = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() takes "²"
MAX_PER_DAY = 5  # requests one chat may make in 24 hours: each one rings the officials on duty
_CANCEL = {"huy", "thoi", "khong", "cancel", "stop", "huy bo"}
router = Router(name="handoff")


@dataclass(kw_only=True)
class AskRequest(Pending):
    """No official can talk live: the next message is the PAKN item's content."""

    kind = "handoff_content"


def _where(ctx: Context) -> tuple[str, str]:
    return ctx.incoming.channel, ctx.incoming.chat_id


def on_duty(officials: list[OfficialWithChats], agency: str | None, calendar: WorkingCalendar, now: datetime,
            busy: set[int]) -> tuple[list[tuple[OfficialWithChats, OfficialChat]], bool]:
    """(the officials who may take it now, each with the chat to ring; whether that is the province
    level): ``route``'s officials who are in office hours, not muted, not talking with someone else,
    and reachable unasked."""
    targets, province = route(officials, agency)
    found = []
    for o in targets:
        chat = next((c for c in o.chats if c.channel in PUSH_CHANNELS), None)
        if chat is not None and not o.official.muted and o.official.id not in busy \
                and in_office_hours(calendar, now, o.official.agency_code):
            found.append((o, chat))
    return found, province


def _sees(official: Official, h: Handoff) -> bool:
    """The officials it may have been offered to: their agency covers it (the province level, when
    it names none)."""
    return covers(official.agency_code, h.agency_code) if h.agency_code else province_level(official.agency_code)


# --- the citizen asks ------------------------------------------------------------------------------
async def _request(ctx: Context, text: str) -> list[Reply]:
    db, calendar, settings, now = ctx.deps.db, ctx.deps.calendar, ctx.deps.reminders, ctx.now()
    channel, chat_id = _where(ctx)
    ctx.state.pop("pending", None)
    current = await open_for_chat(db, channel, chat_id)
    if current is not None:
        ctx.state["handoff"] = current.id
        return [state("already", status=current.status, official=current.official_name, buttons=(CANCEL,))]
    code = find_code(text)
    dossier, agency, agency_name = await agency_of(db, code.canonical if code else None)
    if not capabilities(channel).can_push:
        return await _fall_back(ctx, text, "no_push", agency)
    if await requested_since(db, channel, chat_id, now - timedelta(hours=24)) >= MAX_PER_DAY:
        return [state("too_many", limit=MAX_PER_DAY)]
    available, province = on_duty(await active_officials(db), agency, calendar, now, await serving(db))
    if not available:
        return await _fall_back(ctx, text, "busy" if in_office_hours(calendar, now, agency) else "closed", agency,
                                agency_name)
    wait = settings.handoff_wait_minutes

    def notices(h: Handoff) -> list[Planned]:
        reply = replies_to_json([request_notice(h, agency_name or agency or "", province, wait, calendar)])
        return [Planned(f"handoff_request:{h.id}:{o.official.id}", "handoff_request", chat.channel, chat.chat_id,
                        reply, official_id=o.official.id) for o, chat in available]

    h = await open_handoff(db, channel=channel, chat_id=chat_id, lang=ctx.lang or "vi", agency_code=agency,
                           dossier_code=dossier, request=text, now=now, plan=notices)
    if h is None:  # another message of this chat opened one a moment ago
        current = await open_for_chat(db, channel, chat_id)
        if current is not None:
            ctx.state["handoff"] = current.id
        return [state("already", status=current.status if current else "waiting",
                      official=current.official_name if current else "", buttons=(CANCEL,))]
    ctx.state["handoff"] = h.id
    log.info("handoff #%s requested (agency=%s, officials rung=%d%s)", h.id, agency or "-", len(available),
             ", province level" if province else "")
    return [state("requested", officials=len(available), agency=agency_name or agency or "", wait=wait,
                  topic=says_what_about(text), buttons=(CANCEL,))]


async def _fall_back(ctx: Context, text: str, reason: str, agency: str | None, agency_name: str = "") -> list[Reply]:
    """Nobody can talk live: a PAKN item now, or once the citizen said what it is about."""
    opens = when(next_opening(ctx.deps.calendar, ctx.now(), agency), ctx.deps.calendar) if reason == "closed" else ""
    context = {"agency": agency_name or agency or "", "opens": opens}
    if not says_what_about(text):
        ctx.wait_for(AskRequest())
        return [state(reason, ask=True, **context)]
    log.info("handoff not possible (%s): filed as feedback", reason)
    return [state(reason, ask=False, **context), *await file_content(ctx, text)]


@router.command("can_bo", "canbo", "gap_can_bo", "gapcanbo", vi="Trò chuyện trực tiếp với cán bộ: /can_bo",
                en="Talk with an official: /can_bo")
async def official_command(ctx: Context) -> list[Reply]:
    return await _request(ctx, ctx.args)


@router.detect(1, lambda ctx: asks_official(ctx.text))
async def official_in_text(ctx: Context) -> list[Reply]:
    return await _request(ctx, ctx.text)


@router.pending(AskRequest)
async def content_step(ctx: Context, step: AskRequest) -> list[Reply] | None:
    if fold(ctx.text).strip(" .!") in _CANCEL:
        ctx.state.pop("pending", None)
        return [state("cancel_ask")]
    if substance(ctx.text) < MIN_WORDS:
        ctx.wait_for(AskRequest())
        return [state("short", min_words=MIN_WORDS)]
    return await file_content(ctx, ctx.text)


# --- an official takes it --------------------------------------------------------------------------
@router.payload("hn")
@official_only
async def take_button(ctx: Context, official: Official) -> list[Reply] | None:
    if not _ID.fullmatch(ctx.args):
        return None
    h = await handoff(ctx.deps.db, int(ctx.args))
    if h is None or not _sees(official, h):
        return [state("take_gone", by="", code="")]  # the same words as for one that ended
    channel, chat_id = _where(ctx)
    if not capabilities(channel).can_push:
        return [state("take_here")]

    def notice(live: Handoff) -> list[Planned]:
        reply = state("taken", name=official.name, agency=official.agency_code, lang=live.lang)
        return [Planned(f"handoff_taken:{live.id}", "handoff_notice", live.channel, live.chat_id,
                        replies_to_json([reply]))]

    result, row = await take(ctx.deps.db, h.id, official, channel, chat_id, ctx.now(), notice)
    if result == "busy":
        return [state("take_busy")]
    if result == "gone":
        return [state("take_gone", by=row.official_name if row and row.status == "live" else "",
                      code=(row.feedback_code or "") if row else "")]
    ctx.state.pop("pending", None)
    ctx.state["handoff"] = row.id
    log.info("handoff #%s taken by official #%s", row.id, official.id)
    return [state("take_ok", channel=CHANNEL_NAMES.get(row.channel, row.channel), dossier=row.dossier_code or "",
                  request=row.request, name=official.name, idle=ctx.deps.reminders.handoff_idle_minutes)]


# --- while it lasts: the relay ---------------------------------------------------------------------
@router.detect(0, lambda ctx: "handoff" in ctx.state)
async def relayed(ctx: Context) -> list[Reply] | None:
    """Free text of a chat in a handoff: to the other side (None: it is over, answer as usual)."""
    db = ctx.deps.db
    ident = ctx.state.get("handoff")
    h = await handoff(db, ident) if isinstance(ident, int) else None
    here = _where(ctx)
    if h is None or h.status not in OPEN:
        ctx.state.pop("handoff", None)
        return None
    if (h.channel, h.chat_id) == here:
        if h.status == "waiting":
            await note_waiting(db, h.id, ctx.text)
            return [state("noted", wait=ctx.deps.reminders.handoff_wait_minutes, buttons=(CANCEL,))]
        to, official_id, reply = (h.official_channel, h.official_chat_id), h.official_id, message("citizen", ctx.text)
    elif h.status == "live" and (h.official_channel, h.official_chat_id) == here:
        if h.official_id is None or await linked_official(db, h.official_id, *here) is None:
            ctx.state.pop("handoff", None)  # unlinked or revoked since: their words no longer go out
            return None
        to, official_id = (h.channel, h.chat_id), None
        reply = message("official", ctx.text, name=h.official_name, lang=h.lang)
    else:
        ctx.state.pop("handoff", None)
        return None

    def planned(number: int) -> list[Planned]:
        return [Planned(f"handoff_msg:{h.id}:{number}", "handoff_message", to[0], to[1], replies_to_json([reply]),
                        official_id=official_id)]

    if not await relay(db, h.id, ctx.now(), planned):
        ctx.state.pop("handoff", None)
        return [state("over")]
    return []  # nothing to say back: the message went on


# --- ending ----------------------------------------------------------------------------------------
def end_notices(idle: int):
    """The notices of an ended handoff: to the side that did not end it (both, when idle)."""
    def plan(h: Handoff) -> list[Planned]:
        out = []
        if h.ended_by != "citizen":
            out.append(Planned(f"handoff_end:{h.id}:citizen", "handoff_notice", h.channel, h.chat_id,
                               replies_to_json([ended(h, "citizen", idle)])))
        if h.ended_by != "official" and h.official_chat_id is not None and h.taken_at is not None:
            out.append(Planned(f"handoff_end:{h.id}:official", "handoff_notice", h.official_channel,
                               h.official_chat_id, replies_to_json([ended(h, "official", idle)]),
                               official_id=h.official_id))
        return out

    return plan


async def _end(ctx: Context) -> list[Reply]:
    db, here = ctx.deps.db, _where(ctx)
    ctx.state.pop("handoff", None)
    h, side = await open_for_chat(db, *here), "citizen"
    if h is None:
        h, side = await live_in_official_chat(db, *here), "official"
    if h is None:
        return [state("none")]
    idle = ctx.deps.reminders.handoff_idle_minutes
    done = await end(db, h.id, side, ctx.now(), end_notices(idle))
    if done is None:
        return [state("none")]
    log.info("handoff #%s ended by the %s", h.id, side)
    if done.taken_at is None:
        return [state("cancelled")]
    return [ended(done, side, idle)]


@router.command("ket_thuc", "ketthuc")  # not in the menu: every message of a handoff names it
async def end_command(ctx: Context) -> list[Reply]:
    return await _end(ctx)


@router.payload("hx")
async def end_button(ctx: Context) -> list[Reply]:
    return await _end(ctx)
