"""Feedback (phản ánh, kiến nghị — PAKN): citizens file it, the agency's officials answer it.

Citizens:
- ``/phan_anh <nội dung>`` files at once when it is clear what it is about (a dossier code in the
  text links that dossier and its agency; a procedure code, that procedure); otherwise the bot
  asks (buttons: dossier, procedure, the service at the desk, other), then files.
- ``/phan_anh`` alone, or "tôi muốn phản ánh …", "góp ý …", "kiến nghị …" (accents optional),
  start it: the bot asks for the content — or, when the message already says what about, asks the
  topic, which doubles as the confirmation (nothing typed in passing is filed unasked).
- "khiếu nại …", "tố cáo …" are other legal processes: the bot points to their procedures in the
  catalogue instead of filing (and offers to file it as feedback all the same when that was asked).
- Sending the ``PA-`` code shows the item's status and the answer — to the chat that filed it and
  to the officials who see it (``db.feedback_repo.sees``); everyone else gets "not found".
- The answer's notice asks for a rating (the dossiers' three levels); rating closes the item.

Officials (linked chats only, ``official_only``):
- ``/tra_loi <mã> <nội dung>`` answers; ``/tra_loi <mã>`` or the notice's "Trả lời" button opens a
  step for the text; ``/tra_loi`` alone lists the open items they see.

Steps waiting for an answer are ``pending`` kinds: ``feedback_content``, ``feedback_topic``,
``feedback_dossier``, ``feedback_legal`` (the citizen's draft lives in the step, nowhere else) and
``feedback_answer`` (the official's).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.dossier_repo import find_dossier
from db.engine import Database
from db.feedback_repo import (
    NewFeedback,
    answer_feedback,
    days_for,
    deadlines,
    feedback_by_code,
    file_feedback,
    filed_since,
    open_for,
    rate_feedback,
    route,
    sees,
)
from db.models.feedback import Feedback
from db.models.officials import Official
from db.officials_repo import active_officials
from db.outbox_repo import Planned
from handlers.citizen_notices import RATING_LEVELS
from handlers.dossier_view import when
from handlers.feedback_view import (
    CHANNEL_NAMES,
    answer_notice,
    citizen_view,
    filed_reply,
    official_notice,
    official_view,
    open_list,
    state,
    topic_buttons,
)
from handlers.intents.officials import current_official, official_only, refusal
from handlers.intents.procedure import answer
from handlers.quiet_hours import allowed_from
from handlers.reminder_settings import ReminderSettings
from handlers.reply_json import replies_to_json
from handlers.router import Context, Pending, Router
from handlers.types import Button, Reply
from knowledge.agency import normalise
from knowledge.calendar import WorkingCalendar
from knowledge.channels import PUSH_CHANNELS
from knowledge.dossiers.code import EXAMPLE as DOSSIER_EXAMPLE
from knowledge.dossiers.code import find_code
from knowledge.duedate import Unit, due_date
from knowledge.feedback import (
    EXAMPLE,
    LEGAL_KEYS,
    TOPICS,
    asks_feedback,
    find_feedback_code,
    legal_kind,
    pick_legal,
    split_code,
    substance,
)
from knowledge.scope import outside, small_talk
from knowledge.search import lookup_code
from knowledge.text import clean, fold

log = logging.getLogger(__name__)

MIN_WORDS = 3  # a content shorter than this cannot be acted on: asked again
MAX_PER_DAY = 5  # items one chat may file in 24 hours (a family's worth, not a flood)
ANSWER_MIN = 10  # characters of an official's answer
DRAFT_FOR = timedelta(minutes=30)  # the core's PENDING_FOR: a button pressed later finds the draft gone
_CANCEL = {"huy", "thoi", "khong", "bo", "cancel", "stop", "huy bo", "thoi khong"}
router = Router(name="feedback")


@dataclass(kw_only=True)
class AskContent(Pending):
    """The next message is the feedback's content."""

    kind = "feedback_content"


@dataclass(kw_only=True)
class _Draft(Pending):
    """A citizen's feedback not filed yet: it lives in the step, nowhere else."""

    content: str
    topic: str | None = None
    dossier: str | None = None
    procedure: str | None = None

    def draft(self) -> dict:
        return {k: v for k, v in self.to_dict().items() if k != "kind"}


@dataclass(kw_only=True)
class AskTopic(_Draft):
    """Which topic (it doubles as the confirmation)."""

    kind = "feedback_topic"


@dataclass(kw_only=True)
class AskDossier(_Draft):
    """The dossier code the feedback is about (or "skip")."""

    kind = "feedback_dossier"


@dataclass(kw_only=True)
class OfferFeedback(_Draft):
    """A complaint was pointed to its procedure; its buttons may still file it as feedback."""

    kind = "feedback_legal"


@dataclass(kw_only=True)
class AskAnswer(Pending):
    """An official's next message is the answer to this item."""

    kind = "feedback_answer"
    code: str


_TOPIC_WORDS = {"1": "dossier", "2": "procedure", "3": "desk", "4": "other", "ho so": "dossier",
                "thu tuc": "procedure", "mot cua": "desk", "phuc vu": "desk", "thai do": "desk", "khac": "other"}


def _where(ctx: Context) -> tuple[str, str]:
    return ctx.incoming.channel, ctx.incoming.chat_id


def _draft(ctx: Context) -> dict | None:
    """The citizen's draft (the pending step holding it), unless it lapsed."""
    pending = ctx.state.get("pending")
    step = next((s for kind in (AskTopic, AskDossier, OfferFeedback) if (s := kind.from_dict(pending))), None)
    if step is None:
        return None
    try:
        if ctx.now() - datetime.fromisoformat(pending["since"]) > DRAFT_FOR:
            return None
    except (KeyError, TypeError, ValueError):
        pass  # set by this very message: not dated yet
    return step.draft()


def _cancelled(text: str) -> bool:
    return fold(text).strip(" .!") in _CANCEL or small_talk(text) in ("deny", "goodbye")


def _links(ctx: Context, content: str) -> dict:
    """What the content names by itself: a dossier (its code), else a procedure (its code)."""
    if (code := find_code(content)) is not None:
        return {"topic": "dossier", "dossier": code.canonical}
    if (p := lookup_code(ctx.index, content)) is not None:
        return {"topic": "procedure", "procedure": p.code}
    return {}


# --- citizens: starting, the content, the topic ----------------------------------------------------
async def _limited(ctx: Context) -> Reply | None:
    channel, chat_id = _where(ctx)
    if await filed_since(ctx.deps.db, channel, chat_id, ctx.now() - timedelta(hours=24)) >= MAX_PER_DAY:
        ctx.state.pop("pending", None)
        return state("too_many", limit=MAX_PER_DAY)
    return None


async def _ask_content(ctx: Context) -> list[Reply]:
    if (limited := await _limited(ctx)) is not None:
        return [limited]
    ctx.wait_for(AskContent())
    return [Reply(template="feedback_ask", context={"what": "content"}, kind="feedback")]


async def _take_content(ctx: Context, content: str, *, confirm: bool) -> list[Reply]:
    """The content is known: file it when clear (and not ``confirm``), else ask the topic."""
    content = clean(content)
    if substance(content) < MIN_WORDS:
        ctx.wait_for(AskContent())
        return [Reply(template="feedback_ask", context={"what": "short", "min_words": MIN_WORDS}, kind="feedback")]
    if (limited := await _limited(ctx)) is not None:
        return [limited]
    draft = {"content": content, **_links(ctx, content)}
    if (kind := legal_kind(content)) is not None and not confirm:
        # Asked for feedback, but it reads as a complaint or a denunciation: say which procedure is
        # meant for it, and let the citizen still send it as feedback.
        ctx.wait_for(OfferFeedback(**draft))
        return _legal(ctx, kind, content, offer=True)
    if draft.get("topic") and not confirm:
        return await _file(ctx, draft)
    return _ask_topic(ctx, draft)


def _ask_topic(ctx: Context, draft: dict) -> list[Reply]:
    ctx.wait_for(AskTopic(**draft))
    excerpt = draft["content"] if len(draft["content"]) <= 300 else draft["content"][:299].rsplit(" ", 1)[0] + "…"
    return [Reply(template="feedback_topic", context={"excerpt": excerpt}, buttons=topic_buttons(), kind="feedback")]


async def _topic_chosen(ctx: Context, draft: dict, topic: str) -> list[Reply]:
    draft = {**draft, "topic": topic}
    if topic == "dossier" and not draft.get("dossier"):
        ctx.wait_for(AskDossier(**draft))
        return [Reply(template="feedback_ask", context={"what": "dossier", "example": DOSSIER_EXAMPLE},
                      buttons=(Button("⏭ Bỏ qua / Skip", payload="pa:s"),), kind="feedback")]
    if topic == "procedure" and not draft.get("procedure") and ctx.state.get("procedure"):
        draft["procedure"] = ctx.state["procedure"]  # the procedure this chat was just reading about
    return await _file(ctx, draft)


@router.command("phan_anh", "phananh", "kien_nghi", "kiennghi", "gop_y", "gopy", "pakn",
                vi="Phản ánh, kiến nghị: /phan_anh nội dung", en="Send feedback to the agency: /phan_anh text")
async def feedback_command(ctx: Context) -> list[Reply]:
    if not ctx.args:
        return await _ask_content(ctx)
    return await _take_content(ctx, ctx.args, confirm=False)


@router.detect(3, lambda ctx: legal_kind(ctx.text) is not None)
async def legal_in_text(ctx: Context) -> list[Reply] | None:
    if outside(ctx.text) is not None:
        return None  # "tố cáo tội phạm", "khiếu nại nhà mạng": another body's, the scope answers
    kind = legal_kind(ctx.text)
    offer = asks_feedback(ctx.text) is not None
    if offer:
        ctx.wait_for(OfferFeedback(content=ctx.text, **_links(ctx, ctx.text)))
    return _legal(ctx, kind, ctx.text, offer=offer)


@router.detect(4, lambda ctx: asks_feedback(ctx.text) is not None)
async def feedback_in_text(ctx: Context) -> list[Reply] | None:
    if outside(ctx.text) is not None:
        return None  # feedback about a bank or a phone company is theirs to hear
    ask = asks_feedback(ctx.text)
    if not ask.has_content:
        return await _ask_content(ctx)
    return await _take_content(ctx, ctx.text, confirm=True)  # the whole message, as written


@router.pending(AskContent)
async def content_step(ctx: Context, step: AskContent) -> list[Reply] | None:
    if find_feedback_code(ctx.text) is not None:
        ctx.state.pop("pending", None)
        return None  # a tracking code: its status, not a new item
    if _cancelled(ctx.text):
        ctx.state.pop("pending", None)
        return [state("cancelled")]
    return await _take_content(ctx, ctx.text, confirm=False)


@router.pending(AskTopic)
async def topic_step(ctx: Context, step: AskTopic) -> list[Reply] | None:
    """Channels without buttons (or a citizen who prefers typing): the topic by number or word."""
    draft = step.draft()
    typed = fold(ctx.text).strip(" .!")
    if _cancelled(ctx.text):
        ctx.state.pop("pending", None)
        return [state("cancelled")]
    if typed in _TOPIC_WORDS:
        return await _topic_chosen(ctx, draft, _TOPIC_WORDS[typed])
    ctx.state.pop("pending", None)  # something else: let it through
    return None


@router.pending(AskDossier)
async def dossier_step(ctx: Context, step: AskDossier) -> list[Reply] | None:
    draft = step.draft()
    if (code := find_code(ctx.text)) is not None:
        return await _file(ctx, {**draft, "dossier": code.canonical})
    typed = fold(ctx.text).strip(" .!")
    if typed in ("bo qua", "skip", "khong co", "khong", "khong nho", "khong biet"):  # no code to give
        return await _file(ctx, draft)
    if find_feedback_code(ctx.text) is not None or _cancelled(ctx.text):
        ctx.state.pop("pending", None)
        return None if find_feedback_code(ctx.text) else [state("cancelled")]
    return [Reply(template="feedback_ask", context={"what": "dossier_again", "example": DOSSIER_EXAMPLE},
                  buttons=(Button("⏭ Bỏ qua / Skip", payload="pa:s"),), kind="feedback")]


@router.pending(OfferFeedback)
async def legal_step(ctx: Context, step: OfferFeedback) -> None:
    ctx.state.pop("pending", None)  # the buttons answer this step; a message is something new
    return None


@router.payload("pa")
async def feedback_button(ctx: Context) -> list[Reply] | None:
    """pa:t:<topic> (the topic), pa:s (no dossier code), pa:l (send as feedback after all), pa:x (cancel)."""
    action, _, rest = ctx.args.partition(":")
    if action == "x":
        ctx.state.pop("pending", None)
        return [state("cancelled")]
    draft = _draft(ctx)
    if draft is None or "content" not in draft:
        ctx.state.pop("pending", None)
        return [state("expired")]
    if action == "t" and rest in TOPICS:
        return await _topic_chosen(ctx, draft, rest)
    if action == "s":
        return await _file(ctx, draft)
    if action == "l":
        return await _file(ctx, draft) if draft.get("topic") else _ask_topic(ctx, draft)
    return None


# --- filing ----------------------------------------------------------------------------------------
async def agency_of(db: Database, dossier: str | None) -> tuple[str | None, str | None, str]:
    """(the dossier's stored code, its agency, the agency's name): the stored dossier's when it is
    known, else the agency part of the code as typed."""
    code = find_code(dossier) if dossier else None
    if code is None:
        return None, None, ""
    record = await find_dossier(db, code, with_history=False)
    if record is not None:
        d = record.dossier
        return d.code, d.agency_code, d.agency_name or ""
    return code.canonical, normalise(code.agency), ""


async def prepare(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime, channel: str,
                  chat_id: str, draft: dict) -> tuple[NewFeedback, Callable[[Feedback], list[Planned]], list]:
    """An item of ``draft`` (content, topic, dossier, procedure) ready to file: (the item, its
    officials' notices, the officials told) — its agency, routing and deadline."""
    dossier, agency, agency_name = await agency_of(db, draft.get("dossier"))
    targets, province = route(await active_officials(db), agency)
    days = days_for(await deadlines(db), agency, settings.feedback_days)
    due = due_date(now, days, Unit.WORKING, calendar=calendar, office_hours=calendar.office_hours(agency)).due_at
    topic = draft.get("topic") if draft.get("topic") in TOPICS else "other"

    def notices(item: Feedback) -> list[Planned]:
        reply = replies_to_json([official_notice(item, "new", calendar, now)])
        return [Planned(f"feedback_new:{item.id}:{o.official.id}", "feedback_new", o.chats[0].channel,
                        o.chats[0].chat_id, reply, official_id=o.official.id,
                        not_before=allowed_from(calendar, settings, "feedback_new", now, o.official.agency_code))
                for o in targets]

    new = NewFeedback(
        channel=channel, chat_id=chat_id, topic=topic, content=draft["content"], received_at=now, due_days=days,
        due_at=due, routed_province=province, dossier_code=dossier, procedure_code=draft.get("procedure"),
        agency_code=agency, agency_name=agency_name,
    )
    return new, notices, targets


async def _file(ctx: Context, draft: dict) -> list[Reply]:
    if (limited := await _limited(ctx)) is not None:
        return [limited]
    now = ctx.now()
    new, notices, targets = await prepare(ctx.deps.db, ctx.deps.calendar, ctx.deps.reminders, now, *_where(ctx), draft)
    item = await file_feedback(ctx.deps.db, new, notices, now)
    topic = new.topic
    ctx.state.pop("pending", None)
    # No content, no contact in the log: the code, the topic and who was told.
    log.info("feedback %s filed (topic=%s, agency=%s, officials told=%d%s)", item.code, topic, item.agency_code or "-",
             len(targets), ", province level" if new.routed_province else "")
    if not targets:
        log.warning("feedback %s: no linked official to tell (agency=%s)", item.code, item.agency_code or "-")
    return [filed_reply(item, ctx.deps.calendar)]


async def file_content(ctx: Context, content: str) -> list[Reply]:
    """File ``content`` as written, at once (a handoff that falls back to PAKN): about the dossier
    or procedure it names, else "other"."""
    return await _file(ctx, {"content": clean(content), **_links(ctx, content)})


# --- complaints and denunciations ------------------------------------------------------------------
def legal_procedures(ctx: Context, kind: str, text: str) -> list[tuple[str, str]]:
    """The catalogue's procedures for a complaint (denunciation) that fit the message
    (``knowledge.feedback.pick_legal``), from the search for "giải quyết khiếu nại" with the
    message's own words, then alone."""
    phrase, _ = LEGAL_KEYS[kind]
    found: dict[str, str] = {}
    for query in (f"{phrase} {text}", phrase):
        for hit in ctx.index.search(query, top=20):
            found.setdefault(hit.code, hit.name)
    return pick_legal(kind, text, list(found.items()))


def _legal(ctx: Context, kind: str, text: str, *, offer: bool) -> list[Reply]:
    """What a complaint (denunciation) is, and its procedure: the one that fits answered at once
    (its documents, place, time — what the citizen needs next), several offered as buttons, none
    found: the catalogue's search for the citizen to choose from."""
    procedures = legal_procedures(ctx, kind, text)
    single = ctx.index.get(procedures[0][0]) if len(procedures) == 1 else None
    buttons: tuple[Button, ...] = ()
    if single is None:
        buttons = tuple(Button(name if len(name) <= 60 else name[:59].rsplit(" ", 1)[0] + "…", payload=f"p:{code}")
                        for code, name in procedures)
    if not procedures:  # none fits the message: the catalogue's list, for the citizen to choose from
        buttons += (Button("🔎 Tìm trong danh mục / Search the catalogue", payload=f"q:{LEGAL_KEYS[kind][0]}"),)
    if offer:
        buttons += (Button("📝 Gửi như phản ánh / Send as feedback", payload="pa:l"),)
    note = Reply(template="feedback_legal", context={"kind": kind, "names": [name for _, name in procedures],
                                                     "single": single is not None, "offer": offer},
                 buttons=buttons, kind="complaint")
    if single is None:
        return [note]
    return [note, *answer(ctx, single, ctx.index.analyse(text).asks)]


# --- the tracking code: status and answer ----------------------------------------------------------
@router.detect(2, lambda ctx: find_feedback_code(ctx.text) is not None)
async def code_in_text(ctx: Context) -> list[Reply]:
    code = find_feedback_code(ctx.text)
    item = await feedback_by_code(ctx.deps.db, code)
    if item is not None:
        official = await current_official(ctx)
        if official is not None and sees(official, item):
            return [official_view(item, ctx.deps.calendar, ctx.now())]
        if (item.channel, item.chat_id) == _where(ctx):
            return [citizen_view(item, ctx.deps.calendar, ctx.now())]
    return [state("not_found", code=code)]  # the same words whether it exists or not


@router.payload("pr")
async def rating_button(ctx: Context) -> list[Reply] | None:
    code, _, letter = ctx.args.rpartition(":")
    if letter not in RATING_LEVELS or find_feedback_code(code) != code:
        return None
    item = await feedback_by_code(ctx.deps.db, code)
    if item is None or (item.channel, item.chat_id) != _where(ctx) or item.status not in ("answered", "closed"):
        return [state("rate_refused")]
    level, vi, en = RATING_LEVELS[letter]
    await rate_feedback(ctx.deps.db, item.id, level, ctx.now())
    return [state("rated", level_vi=vi, level_en=en)]


# --- officials: the answer -------------------------------------------------------------------------
async def _in_scope(ctx: Context, official: Official, code: str) -> Feedback | Reply:
    item = await feedback_by_code(ctx.deps.db, code)
    if item is None or not sees(official, item):
        return state("not_found", code=code)
    return item


def _already(item: Feedback, ctx: Context) -> Reply:
    return state("already_answered", code=item.code, at=when(item.answered_at, ctx.deps.calendar),
                 by=item.answered_by_name)


async def _ask_answer(ctx: Context, official: Official, code: str) -> list[Reply]:
    item = await _in_scope(ctx, official, code)
    if isinstance(item, Reply):
        return [item]
    if item.status != "open":
        return [_already(item, ctx)]
    ctx.wait_for(AskAnswer(code=item.code))
    return [state("ask_answer", code=item.code, min=ANSWER_MIN)]


async def _answer(ctx: Context, official: Official, code: str, text: str) -> list[Reply]:
    item = await _in_scope(ctx, official, code)
    if isinstance(item, Reply):
        ctx.state.pop("pending", None)
        return [item]
    if item.status != "open":
        ctx.state.pop("pending", None)
        return [_already(item, ctx)]
    answer = clean(text)
    if len(answer) < ANSWER_MIN:
        ctx.wait_for(AskAnswer(code=item.code))
        return [state("answer_short", code=item.code, min=ANSWER_MIN)]
    calendar, now = ctx.deps.calendar, ctx.now()
    pushed = item.channel in PUSH_CHANNELS

    def notice(answered: Feedback) -> list[Planned]:
        # The citizen's own news: at once, at any hour (handlers.quiet_hours). A web chat or the
        # console cannot be written to: the citizen sees it by sending the code.
        if not pushed:
            return []
        return [Planned(f"feedback_answer:{answered.id}", "feedback_answer", answered.channel, answered.chat_id,
                        replies_to_json([answer_notice(answered, calendar)]))]

    ctx.state.pop("pending", None)
    answered = await answer_feedback(ctx.deps.db, item, official, answer, now, notice)
    if answered is None:  # another official answered meanwhile
        return [_already(await feedback_by_code(ctx.deps.db, item.code) or item, ctx)]
    log.info("feedback %s answered by official #%s", item.code, official.id)
    return [state("answered_ok", code=item.code, pushed=pushed, channel=CHANNEL_NAMES.get(item.channel, item.channel))]


@router.command("tra_loi", "traloi", vi="Trả lời phản ánh: /tra_loi mã PA nội dung",
                en="Answer feedback: /tra_loi code text", officials=True)
@official_only
async def answer_command(ctx: Context, official: Official) -> list[Reply]:
    """/tra_loi <mã> <nội dung>; /tra_loi <mã> asks for the text; /tra_loi alone lists."""
    if not ctx.args:
        total, items = await open_for(ctx.deps.db, official, limit=ctx.deps.reminders.digest_list)
        return [open_list(items, total, ctx.deps.calendar, ctx.now())]
    code = find_feedback_code(ctx.args)
    if code is None:
        return [state("answer_usage", example=EXAMPLE)]
    _, before, text = split_code(ctx.args)
    if before or not text:  # the code first, then the answer
        return await _ask_answer(ctx, official, code)
    return await _answer(ctx, official, code, text)


@router.payload("fa")
@official_only
async def answer_button(ctx: Context, official: Official) -> list[Reply] | None:
    code = find_feedback_code(ctx.args)
    return await _ask_answer(ctx, official, code) if code is not None and code == ctx.args else None


@router.pending(AskAnswer)
async def answer_step(ctx: Context, step: AskAnswer) -> list[Reply] | None:
    code = step.code
    if find_feedback_code(ctx.text) is not None and substance(ctx.text) < MIN_WORDS:
        ctx.state.pop("pending", None)
        return None  # a tracking code sent to look at it, not an answer
    official = await current_official(ctx)
    if official is None:
        ctx.state.pop("pending", None)
        return [refusal()]
    return await _answer(ctx, official, code, ctx.text)
