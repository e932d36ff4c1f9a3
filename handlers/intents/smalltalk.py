"""Small talk (greet, thank, goodbye, affirm, deny, who, insult, help), /help, /start, language.

What counts as small talk is vocabulary (``knowledge/scope.py``): a message made only of such
phrases. In context, a yes or a no answers the step waiting for it: "không" while candidates are
offered means none of them, "có" asks which one.
"""

from __future__ import annotations

from handlers.intents.officials import can_be_officials
from handlers.replies import HELP_BUTTONS, dossier_help, help_reply, welcome
from handlers.router import Context, Router
from handlers.types import Reply
from knowledge.channels import PUSH_CHANNELS
from knowledge.scope import small_talk

router = Router(name="smalltalk")


def _help(ctx: Context) -> Reply:
    return help_reply(ctx.lang, officials=can_be_officials(ctx), follow=ctx.incoming.channel in PUSH_CHANNELS)


@router.detect(10, lambda ctx: small_talk(ctx.text) is not None)
async def chat(ctx: Context) -> list[Reply]:
    return talk(ctx, small_talk(ctx.text))


def talk(ctx: Context, kind: str) -> list[Reply]:
    """The answer to small talk of ``kind`` (also for a message the search found mostly small talk)."""
    if kind == "greet":
        return [Reply(template="welcome", context={"lang": ctx.lang}, buttons=HELP_BUTTONS, kind="greet")]
    if kind == "help":
        return [_help(ctx)]
    offered = ctx.state.get("candidates")
    if kind == "deny" and offered:
        ctx.state.pop("candidates", None)  # none of those: the next question starts afresh
    context = {"kind": kind, "offered": bool(offered), "lang": ctx.lang}
    return [Reply(template="small_talk", context=context, buttons=HELP_BUTTONS if kind in ("who", "insult") else (),
                  kind=kind)]


@router.payload("help")
async def help_button(ctx: Context) -> list[Reply]:
    """"help:dossier" is the "Tra cứu hồ sơ" button: how to look a dossier up, not the whole help."""
    return [dossier_help() if ctx.args == "dossier" else _help(ctx)]


@router.command("start", vi="Bắt đầu", en="Start")
async def start(ctx: Context) -> list[Reply]:
    """/start, with an optional deep-link payload (a dossier code, a procedure code or a question):
    answered as if the citizen had typed it. Telegram allows only [A-Za-z0-9_-] there, so "_"
    stands for "." ("1_001193" is 1.001193)."""
    if not ctx.args:
        return [welcome(ctx.lang)]
    from handlers.core import dispatch_text

    return await dispatch_text(ctx, ctx.args.replace("_", "."))


@router.command("help", "huong_dan", "tro_giup", vi="Hướng dẫn", en="Help")
async def help_command(ctx: Context) -> list[Reply]:
    return [_help(ctx)]


@router.command("lang", "ngon_ngu")
async def language(ctx: Context) -> list[Reply]:
    from knowledge.text import fold

    choice = fold(ctx.args)[:2]
    ctx.state["lang"] = "en" if choice == "en" else "vi"
    if choice == "en":  # pinned until /lang vi: every answer, whatever language a message is in
        return [Reply(text="Switched to English: answers, labels and buttons are in English; official details stay "
                           "quoted in Vietnamese. /lang vi switches back. (Đã chuyển sang tiếng Anh.)", lang="en")]
    return [Reply(text="Đã chuyển sang tiếng Việt. /lang en để chuyển sang tiếng Anh. (Switched to Vietnamese.)",
                  lang="vi")]
