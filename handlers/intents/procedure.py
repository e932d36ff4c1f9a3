"""Procedure questions: search, answer (what was asked first), candidates as buttons, follow-ups
about the last procedure ("phí bao nhiêu?"), sections on request.

State kept per chat: ``procedure`` (the code last answered), ``candidates`` and ``asks`` (while the
citizen chooses among candidates).
"""

from __future__ import annotations

import re

from handlers.intents.smalltalk import talk
from handlers.procedure_view import SECTIONS, build_view, case_groups, shorten, source_link
from handlers.router import Context, Router
from handlers.types import Button, Reply
from knowledge.catalogue.model import Procedure
from knowledge.decision import Decision, decide
from knowledge.query import Query
from knowledge.search import Hit, lookup_code
from knowledge.text import fold

ALTERNATIVES_LEAD = 1.5  # an answer is followed by the next candidates when they score this close
SECTION_LABELS = {
    "documents": "📄 Giấy tờ",
    "fee": "💰 Lệ phí",
    "time": "⏱ Thời hạn",
    "place": "📍 Nơi nộp",
    "all": "📋 Đầy đủ",
}
_MORE = re.compile(r"^(xem )?(chi tiet|day du|them|xem them|chi tiet hon|full)( \w+)?$")

router = Router(name="procedure")


def answer(
    ctx: Context, p: Procedure, asks: list[str] | None = None, *, full: bool = False, only_asked: bool = False,
    case: int | None = None,
) -> list[Reply]:
    """The answer about one procedure: the sections asked about first (only those, for a
    follow-up question), the others in short; the documents of the ``case`` chosen, or the
    question which case, when they differ by case."""
    ctx.state["procedure"] = p.code
    ctx.state.pop("candidates", None)
    ctx.state.pop("asks", None)
    asks = [a for a in (asks or []) if a in SECTIONS]
    if full:
        sections = ["results", "requirements", "documents", "fee", "time", "place", "steps", "legal"]
    elif only_asked and asks:
        sections = asks
    else:
        sections = asks + [s for s in ("documents", "fee", "time", "place") if s not in asks]
    variants = ctx.index.variants(p.code)
    lang = ctx.lang  # the view's composed labels and the template in the same language
    view = build_view(p, variants, full=full, today=ctx.now().date(), case=case, sections=sections, lang=lang)
    context = {"v": view, "sections": sections, "full": full, "lang": lang}
    # Which case: a question about the documents only (a follow-up on the fee has no use for it).
    cases = _case_buttons(p, view.cases) if "documents" in sections else ()
    return [Reply(template="procedure", context=context, buttons=cases + _buttons(p), kind="answer", lang=lang)]


def answer_section(ctx: Context, p: Procedure, section: str) -> list[Reply]:
    if section == "all" or section not in SECTIONS:
        return answer(ctx, p, full=True)
    ctx.state["procedure"] = p.code
    lang = ctx.lang
    view = build_view(p, ctx.index.variants(p.code), full=True, today=ctx.now().date(), lang=lang)
    context = {"v": view, "sections": [section], "full": True, "lang": lang}
    return [Reply(template="procedure", context=context, buttons=_buttons(p), kind="answer", lang=lang)]


def _case_buttons(p: Procedure, shown: list[str]) -> tuple[Button, ...]:
    if not shown:
        return ()
    return tuple(Button(shorten(f"{n}) {title}", 60), payload=f"c:{group}:{p.code}")
                 for n, (group, title) in enumerate(zip(case_groups(p), shown, strict=True), start=1))


def _buttons(p: Procedure) -> tuple[Button, ...]:
    if not p.detailed:
        url, label = source_link(p)
        return (Button("🔗 Xem tại Cổng DVC" if label.startswith("Cổng") else "🔗 Xem nguồn", url=url),)
    return tuple(Button(label, payload=f"s:{section}:{p.code}") for section, label in SECTION_LABELS.items())


def candidates(ctx: Context, hits: list[Hit], asks: list[str], follow_up: bool = False) -> list[Reply]:
    ctx.state["candidates"] = [h.code for h in hits]
    ctx.state["asks"] = asks
    context = {"candidates": [(h.code, h.name) for h in hits], "follow_up": follow_up, "lang": ctx.lang}
    buttons = tuple(Button(_title(h.name), payload=f"p:{h.code}") for h in hits)
    return [Reply(template="candidates", context=context, buttons=buttons, kind="candidates")]


def _title(name: str, limit: int = 60) -> str:
    name = re.sub(r"^Thủ tục:?\s*", "", name).strip()
    return name if len(name) <= limit else name[: limit - 1].rsplit(" ", 1)[0] + "…"


def not_found(ctx: Context, decision: Decision | None = None) -> list[Reply]:
    """No procedure fits: where to go instead when the subject is another body's, and the
    catalogue's related procedure when there is one ("… đơn khởi kiện …" for a lawsuit)."""
    if decision is not None and decision.small_talk is not None:
        return talk(ctx, decision.small_talk)  # "dạ em cảm ơn anh Tuấn ạ": small talk but for a name
    ctx.state.pop("candidates", None)
    if decision is not None and decision.outside is not None:
        related = decision.related
        context = {"outside": decision.outside, "related": related, "lang": ctx.lang}
        buttons = (Button(_title(related.name), payload=f"p:{related.code}"),) if related else ()
        return [Reply(template="outside", context=context, buttons=buttons, kind="not_found")]
    return [Reply(template="not_found", context={"lang": ctx.lang}, kind="not_found")]


def _is_follow_up(ctx: Context, query: Query) -> bool:
    """A short question about what was just answered: it asks something (fee, time, place,
    documents) and names nothing new."""
    if not ctx.state.get("procedure") or not query.asks:
        return False
    content = [k for k in query.weights if " " not in k]
    return len(content) <= 1


async def answer_text(ctx: Context, text: str) -> list[Reply]:
    index = ctx.index
    if (p := lookup_code(index, text)) is not None:
        return answer(ctx, p, index.analyse(text).asks)  # "1.001193 mất bao lâu": the time first
    if ctx.state.get("procedure") and _MORE.match(fold(text)):
        if (p := index.get(ctx.state["procedure"])) is not None:
            return answer(ctx, p, full=True)
    query = index.analyse(text)
    if _is_follow_up(ctx, query) and (p := index.get(ctx.state["procedure"])) is not None:
        return answer(ctx, p, query.asks, only_asked=True)
    decision = decide(index, query)
    hits = decision.offered
    if decision.decision == "none":
        return not_found(ctx, decision)
    if decision.decision == "answer":
        replies = answer(ctx, index.get(hits[0].code), query.asks)
        others = [h for h in decision.hits[1:3] if h.score * ALTERNATIVES_LEAD >= hits[0].score]
        if others:
            replies.append(alternatives(others))
        return replies
    return candidates(ctx, hits, query.asks)


def alternatives(hits: list[Hit]) -> Reply:
    """After a direct answer whose runners-up were close: the way to the others."""
    buttons = tuple(Button(_title(h.name), payload=f"p:{h.code}") for h in hits)
    return Reply(template="alternatives", context={"names": [h.name for h in hits]}, buttons=buttons, kind="alternatives")


@router.fallback
async def question(ctx: Context) -> list[Reply]:
    return await answer_text(ctx, ctx.text)


@router.command("thu_tuc", "thutuc", "tim", vi="Tìm thủ tục: /thu_tuc câu hỏi", en="Find a procedure: /thu_tuc question")
async def question_command(ctx: Context) -> list[Reply]:
    if not ctx.args:
        return [Reply(template="empty", context={"lang": ctx.lang}, kind="help")]
    return await answer_text(ctx, ctx.args)


@router.detect(50, lambda ctx: bool(ctx.state.get("candidates")) and ctx.text.strip() in {"1", "2", "3", "4", "5"})
async def choose_by_number(ctx: Context) -> list[Reply] | None:
    """Channels without buttons (or a citizen who prefers typing) choose a candidate by number."""
    codes = ctx.state["candidates"]
    n = int(ctx.text.strip())
    if n > len(codes) or (p := ctx.index.get(codes[n - 1])) is None:
        return None
    return answer(ctx, p, ctx.state.get("asks"))


@router.payload("p")
async def chosen(ctx: Context) -> list[Reply] | None:
    p = ctx.index.get(ctx.args)
    if p is None:
        return not_found(ctx)
    return answer(ctx, p, ctx.state.get("asks"))


@router.payload("s")
async def section(ctx: Context) -> list[Reply] | None:
    name, _, code = ctx.args.partition(":")
    p = ctx.index.get(code)
    if p is None:
        return not_found(ctx)
    return answer_section(ctx, p, name)


@router.payload("c")
async def chosen_case(ctx: Context) -> list[Reply] | None:
    """A case of the procedure chosen: its documents (with what applies to every case)."""
    group, _, code = ctx.args.partition(":")
    p = ctx.index.get(code)
    if p is None or not (group.isascii() and group.isdigit()) or int(group) not in case_groups(p):
        return not_found(ctx)
    return answer(ctx, p, ["documents"], case=int(group))


@router.payload("q")
async def suggested_question(ctx: Context) -> list[Reply]:
    return await answer_text(ctx, ctx.args)
