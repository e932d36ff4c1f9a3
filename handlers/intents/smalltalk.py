"""Greetings, thanks, help, /start, language."""

from __future__ import annotations

import re

from handlers.replies import help_reply, welcome
from handlers.router import Context, router
from handlers.types import Reply
from knowledge.text import fold

_GREETING = re.compile(r"^(xin chao|chao|hello|hi|hey|alo|a lo|chao ban|chao ad|chao admin|good (morning|afternoon|evening))\b")
_THANKS = re.compile(r"\b(cam on|thank|thanks|tks|thanks you|thank you|ok cam on)\b")
_HELP = re.compile(r"^(help|huong dan|tro giup|giup toi|giup minh|ban lam duoc gi|menu)\b")


def _short(ctx: Context, limit: int = 6) -> bool:
    return len(ctx.text.split()) <= limit


@router.detect(10, lambda ctx: _short(ctx) and bool(_GREETING.match(fold(ctx.text))))
async def greeting(ctx: Context) -> list[Reply]:
    return [welcome(ctx.lang)]


@router.detect(11, lambda ctx: _short(ctx, 8) and bool(_THANKS.search(fold(ctx.text))))
async def thanks(ctx: Context) -> list[Reply]:
    return [Reply(template="thanks", kind="help")]


@router.detect(12, lambda ctx: _short(ctx) and bool(_HELP.match(fold(ctx.text))))
async def help_text(ctx: Context) -> list[Reply]:
    return [help_reply(ctx.lang)]


@router.payload("help")
async def help_button(ctx: Context) -> list[Reply]:
    return [help_reply(ctx.lang)]


@router.command("help", "huong_dan", "tro_giup")
async def help_command(ctx: Context) -> list[Reply]:
    return [help_reply(ctx.lang)]


@router.command("start")
async def start(ctx: Context) -> list[Reply]:
    """/start, with an optional deep-link payload (a dossier code, a procedure code or a question):
    answered as if the citizen had typed it. Telegram allows only [A-Za-z0-9_-] there, so "_"
    stands for "." ("1_001193" is 1.001193)."""
    if not ctx.args:
        return [welcome(ctx.lang)]
    from handlers.core import dispatch_text

    return await dispatch_text(ctx, ctx.args.replace("_", "."))


@router.command("lang", "ngon_ngu")
async def language(ctx: Context) -> list[Reply]:
    choice = fold(ctx.args)[:2]
    ctx.state["lang"] = "en" if choice == "en" else "vi"
    return [Reply(text="Đã chuyển sang tiếng Anh cho các hướng dẫn. / Help texts now in English." if choice == "en" else "Đã chuyển sang tiếng Việt. / Switched to Vietnamese.")]
