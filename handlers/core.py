"""``handle``: one incoming message in, the replies out. Platform-neutral: no channel code here."""

from __future__ import annotations

import copy
import logging
import re
from datetime import datetime, timedelta

from handlers.deps import Deps
from handlers.intents import router
from handlers.i18n import localise
from handlers.replies import busy, empty_message, truncated_notice, unknown_command, welcome
from handlers.router import Context
from handlers.state import load_state, save_state
from handlers.types import Incoming, Reply
from knowledge.text import clean

log = logging.getLogger(__name__)

MAX_TEXT = 1000  # characters of a message that are read; the rest is ignored, with a notice
# A step waiting for an answer (the 4 digits, a rating comment, an apology's new reason) lapses:
# a message typed much later is a new question, not that answer.
PENDING_FOR = timedelta(minutes=30)
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


async def handle(incoming: Incoming, deps: Deps) -> list[Reply]:
    text = clean(incoming.text)
    truncated = len(text) > MAX_TEXT
    text = text[:MAX_TEXT]
    try:
        state = await load_state(deps.db, incoming.channel, incoming.chat_id)
    except Exception:
        log.exception("conversation state unavailable (channel=%s)", incoming.channel)
        return [busy()]
    before = copy.deepcopy(state)
    ctx = Context(incoming=incoming, deps=deps, state=state, text=text)
    try:
        replies = localise(await _dispatch(ctx), ctx)
    except Exception:
        log.exception("handler failed (channel=%s)", incoming.channel)
        return [busy()]
    pending = ctx.state.get("pending")
    if isinstance(pending, dict) and pending != before.get("pending"):
        pending["since"] = ctx.now().isoformat()
    if truncated:
        replies.insert(0, truncated_notice(MAX_TEXT, ctx.lang))
    if ctx.state != before:
        try:
            await save_state(deps.db, incoming.channel, incoming.chat_id, ctx.state, before)
        except Exception:
            log.exception("could not save conversation state (channel=%s)", incoming.channel)
    return replies


async def _dispatch(ctx: Context) -> list[Reply]:
    incoming = ctx.incoming
    if incoming.event == "follow":
        return [welcome(ctx.lang)]
    if incoming.payload:
        prefix, _, rest = incoming.payload.partition(":")
        handler = router.payloads.get(prefix)
        if handler is not None:
            ctx.args = rest
            replies = await handler(ctx)
            if replies is not None:
                return replies
        return [unknown_command(ctx.lang)]
    if not ctx.text:
        return [empty_message(ctx.lang)]
    match = _COMMAND.match(ctx.text)
    if match:
        ctx.command, ctx.args = match.group(1).lower(), (match.group(2) or "").strip()
        # A command cancels whatever step was waiting for an answer (an apology reason being
        # edited, the 4 digits being asked): its handler sets a new one if it needs one.
        ctx.state.pop("pending", None)
        command = router.commands.get(ctx.command)
        if command is None:
            return [unknown_command(ctx.lang)]
        replies = await command.handler(ctx)
        return replies if replies is not None else [unknown_command(ctx.lang)]
    return await dispatch_text(ctx, ctx.text)


async def dispatch_text(ctx: Context, text: str) -> list[Reply]:
    """Free text: a pending step, then the detectors, then the procedure question."""
    ctx.text, ctx.command, ctx.args = text, None, ""
    pending = ctx.state.get("pending")
    if isinstance(pending, dict) and _lapsed(pending, ctx.now()):
        ctx.state.pop("pending", None)
        pending = None
    if pending is not None:
        name = pending.get("kind") if isinstance(pending, dict) else None
        kind, handler = router.pendings.get(name if isinstance(name, str) else "", (None, None))
        step = kind.from_dict(pending) if kind is not None else None
        if step is None:  # a kind no feature has (any longer), or its fields garbled: dropped
            log.warning("dropped a pending step no feature can read (kind=%.40r)", name)  # never its content
            ctx.state.pop("pending", None)
        elif (replies := await handler(ctx, step)) is not None:
            return replies
    for _, predicate, handler in router.detectors:
        if predicate(ctx):
            replies = await handler(ctx)
            if replies is not None:
                return replies
    assert router.fallback_handler is not None, "the procedure intent registers the fallback"
    return await router.fallback_handler(ctx) or [empty_message(ctx.lang)]


def _lapsed(pending: dict, now: datetime) -> bool:
    try:
        return now - datetime.fromisoformat(pending["since"]) > PENDING_FOR
    except (KeyError, TypeError, ValueError):
        return False  # undated (set before steps were dated): kept
