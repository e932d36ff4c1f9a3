"""Dossier status by code: a message that contains a dossier code (inside a sentence, lower case,
with spaces, a local short form), or ``/tra_cuu CODE``.

What is shown before the second factor: procedure, receiving agency, received date, status, due date
and the verdict — nothing personal. The bot then asks for the last 4 digits of the phone or ID number
registered with the dossier (pending step "verify"); a right answer unlocks, for this chat and for
``ACCESS_FOR``, the masked name and the status history.

Limits, kept in the database (every replica counts the same): per chat ``MAX_CODES`` distinct codes
per hour (against enumeration) and ``MAX_FAILURES`` wrong answers per hour; per client network (the
web chat's IPv4 /24 or IPv6 /64, whatever the session or channel) ``MAX_CLIENT_FAILURES`` wrong
answers per hour; per dossier code across all chats (a new chat or web session does not start from
zero) a growing delay: after ``FREE_CODE_FAILURES`` wrong answers in ``CODE_WINDOW`` the next try
must wait ``CODE_DELAY``, doubling with each further wrong answer up to ``MAX_CODE_DELAY``. A delay,
not a lock-out: a stranger guessing cannot lock the citizen out for a day (docs/dossiers.md).

A code not in the database is asked of ``deps.backend`` (if the deployment has one) within
``BACKEND_BUDGET`` seconds; whatever happens there, the citizen gets the status or "busy, try again".
A dossier that came from the backend is asked again once its record is older than ``REFRESH_AFTER``
(same budget); when that fails, the stored record is shown with the time it was last updated.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from dataclasses import dataclass
from datetime import timedelta

from db.dossier_chat_repo import (
    client_failures_since,
    code_failures_since,
    last_code_failure_since,
    codes_asked_since,
    failures_since,
    grant_access,
    has_access,
    oldest_failure_since,
    record_failure,
    record_lookup,
)
from db.dossier_repo import (
    DossierBatchError,
    DossierRecord,
    find_dossier,
    get_dossier,
    mark_refreshed,
    upsert_dossiers,
)
from handlers.backend import BackendUnavailable
from handlers.dossier_view import build_view, has_clock, recompute, when
from handlers.replies import busy
from handlers.router import Context, Pending, Router
from handlers.types import Button, Reply
from knowledge.dossiers.code import EXAMPLE, DossierCode, find_code, find_impossible_code
from knowledge.dossiers.privacy import matches, second_factor

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
MAX_CODES = 20  # distinct dossier codes per chat per hour
MAX_FAILURES = 5  # wrong second-factor answers per chat per hour
MAX_CLIENT_FAILURES = 20  # wrong answers per client network (IPv4 /24, IPv6 /64) per hour
FREE_CODE_FAILURES = 5  # wrong answers for one dossier from all chats within CODE_WINDOW, then a delay:
CODE_WINDOW = timedelta(hours=24)
CODE_DELAY = timedelta(minutes=1)  # after the last wrong answer, doubled with each further one ...
MAX_CODE_DELAY = timedelta(hours=1)  # ... up to this
ACCESS_FOR = timedelta(minutes=30)
BACKEND_BUDGET = 2.8  # seconds: with the database and the reply, the citizen hears back within 3 s
REFRESH_AFTER = timedelta(minutes=5)  # a dossier pulled from the backend is asked again after this
_PROCEDURE_CODE = re.compile(r"(?<![\w.])\d\.\d{6}(?:\.[0-9A-Za-z.]+)?(?![\w])")

router = Router(name="dossier")


@dataclass(kw_only=True)
class Verify(Pending):
    """The last 4 digits of the phone or ID number registered with this dossier."""

    kind = "verify"
    code: str


def _where(ctx: Context) -> tuple[str, str]:
    return ctx.incoming.channel, ctx.incoming.chat_id


async def _within_limit(ctx: Context, code: str) -> bool:
    """Count this code for the chat; False when it is one distinct code too many this hour."""
    channel, chat_id = _where(ctx)
    now = ctx.now()
    asked = await codes_asked_since(ctx.deps.db, channel, chat_id, now - WINDOW)
    if code not in asked and len(asked) >= MAX_CODES:
        return False
    await record_lookup(ctx.deps.db, channel, chat_id, code, now)
    return True


def _not_found(code: DossierCode) -> list[Reply]:
    return [Reply(template="dossier_not_found", context={"code": code.canonical, "example": EXAMPLE}, kind="not_found")]


def _invalid(code: DossierCode) -> list[Reply]:
    """A code whose date part is no date: it names no dossier, and is not a question either."""
    context = {"code": code.canonical, "day": code.day, "example": EXAMPLE}
    return [Reply(template="dossier_invalid", context=context, kind="invalid_code")]


def _limited_codes(ctx: Context) -> list[Reply]:
    return [Reply(template="dossier_limited", context={"what": "codes", "limit": MAX_CODES}, kind="limited")]


async def _fetch(ctx: Context, code: DossierCode, ask: str) -> DossierRecord | None:
    """Ask the backend for ``ask`` (the code typed, or the stored full one); raises
    BackendUnavailable when it cannot answer in time."""
    backend = ctx.deps.backend
    now = ctx.now()
    try:
        fetched = await asyncio.wait_for(backend.fetch(ask), BACKEND_BUDGET)
    except TimeoutError:
        raise BackendUnavailable("no answer within the budget") from None
    if fetched is None:
        return None
    try:
        await upsert_dossiers(ctx.deps.db, [fetched], calendar=ctx.deps.calendar, procedures=ctx.index.get,
                              source="backend", now=now)
    except DossierBatchError as exc:
        raise BackendUnavailable(f"the backend's dossier cannot be stored: {exc.errors}") from None
    await mark_refreshed(ctx.deps.db, fetched.code, now)
    return await find_dossier(ctx.deps.db, code)


def _due_for_refresh(ctx: Context, record: DossierRecord) -> bool:
    d = record.dossier
    return d.source == "backend" and ctx.now() - d.updated_at > REFRESH_AFTER


async def lookup(ctx: Context, code: DossierCode) -> list[Reply]:
    if not await _within_limit(ctx, code.canonical):
        return _limited_codes(ctx)
    record = await find_dossier(ctx.deps.db, code)
    stale = False  # shown from the database after the backend failed to refresh it
    if ctx.deps.backend is not None and (record is None or _due_for_refresh(ctx, record)):
        try:
            fetched = await _fetch(ctx, code, record.dossier.code if record is not None else code.canonical)
        except BackendUnavailable as exc:
            log.warning("dossier backend unavailable: %s", exc)
            if record is None:
                return [busy()]
            stale = True
        else:
            stale = fetched is None and record is not None  # no longer known there: what we had, dated
            record = fetched or record
    if record is None:
        return _not_found(code)
    if record.dossier.code != code.canonical and not await _within_limit(ctx, record.dossier.code):
        return _limited_codes(ctx)
    return await show(ctx, record, stale=stale)


async def show(ctx: Context, record: DossierRecord, *, stale: bool = False) -> list[Reply]:
    d = record.dossier
    channel, chat_id = _where(ctx)
    now = ctx.now()
    verified = await has_access(ctx.deps.db, channel, chat_id, d.code, now)
    procedure = ctx.index.get(d.procedure_code) if d.procedure_code else None
    view = build_view(record, procedure, ctx.deps.calendar, now, verified=verified)
    if stale:
        view["updated"] = when(d.updated_at, ctx.deps.calendar)
    if not verified and view["can_verify"] and (wait := await _code_wait(ctx, d.code)):
        view.update(can_verify=False, locked=True, wait=wait)
    if not verified and (view["can_verify"] or view["locked"]):  # digits sent in the delay get its answer
        ctx.wait_for(Verify(code=d.code))
    elif Verify.from_dict(ctx.state.get("pending")) is not None:
        ctx.state.pop("pending")
    buttons = []
    if has_clock(d.status) and (d.due_at is not None or d.processing_unit is not None):
        buttons.append(Button("❓ Vì sao hạn này? / Why this date?", payload=f"dx:{d.code}"))
    return [Reply(template="dossier", context={"v": view}, buttons=tuple(buttons), kind="dossier")]


@router.detect(5, lambda ctx: find_code(ctx.text) is not None or find_impossible_code(ctx.text) is not None)
async def dossier_in_text(ctx: Context) -> list[Reply] | None:
    code = find_code(ctx.text)
    if code is not None:
        return await lookup(ctx, code)
    impossible = find_impossible_code(ctx.text)
    return _invalid(impossible) if impossible is not None else None


# /ho_so is the officials' full view (handlers.intents.officials)
@router.command("tra_cuu", "tracuu", vi="Tra cứu hồ sơ: /tra_cuu mã hồ sơ", en="Dossier status: /tra_cuu dossier code")
async def lookup_command(ctx: Context) -> list[Reply]:
    code = find_code(ctx.args)
    if code is not None:
        return await lookup(ctx, code)
    if (impossible := find_impossible_code(ctx.args)) is not None:
        return _invalid(impossible)
    procedure = _PROCEDURE_CODE.search(ctx.args or "")
    context = {"example": EXAMPLE, "given": bool(ctx.args), "procedure": procedure.group(0) if procedure else ""}
    buttons = (Button("📋 Xem thủ tục / See the procedure", payload=f"p:{procedure.group(0)[:8]}"),) if procedure else ()
    return [Reply(template="dossier_format", context=context, buttons=buttons, kind="help")]


@router.pending(Verify)
async def verify(ctx: Context, step: Verify) -> list[Reply] | None:
    digits = second_factor(ctx.text) if len(ctx.text) <= 40 else None
    if digits is None or find_code(ctx.text) is not None:
        ctx.state.pop("pending", None)  # something else: let it through
        return None
    channel, chat_id = _where(ctx)
    now = ctx.now()
    db = ctx.deps.db
    client = ctx.incoming.client
    if await failures_since(db, channel, chat_id, now - WINDOW) >= MAX_FAILURES:
        ctx.state.pop("pending", None)
        return [await _limited_failures(ctx)]
    if client and await client_failures_since(db, client, now - WINDOW) >= MAX_CLIENT_FAILURES:
        ctx.state.pop("pending", None)
        return [Reply(template="dossier_limited", context={"what": "client", "limit": MAX_CLIENT_FAILURES},
                      kind="limited")]
    record = await get_dossier(db, step.code)
    if record is None:
        ctx.state.pop("pending", None)
        return None
    d = record.dossier
    if wait := await _code_wait(ctx, d.code):  # checked before comparing: a guess in the delay is no use
        ctx.state.pop("pending", None)
        return [_code_waiting(wait)]
    if matches(digits, d.applicant_phone, d.applicant_id_number):
        await grant_access(db, channel, chat_id, d.code, now + ACCESS_FOR)
        ctx.state.pop("pending", None)
        return await show(ctx, record)
    await record_failure(db, channel, chat_id, d.code, now, client=client)
    left = MAX_FAILURES - await failures_since(db, channel, chat_id, now - WINDOW)
    if left <= 0:
        ctx.state.pop("pending", None)
        return [await _limited_failures(ctx)]
    if wait := await _code_wait(ctx, d.code):
        ctx.state.pop("pending", None)
        return [_code_waiting(wait)]
    return [Reply(template="dossier_wrong", context={"left": left}, kind="wrong")]


async def _code_wait(ctx: Context, code: str) -> int:
    """Minutes before this dossier's second factor may be tried again (0: now)."""
    now = ctx.now()
    failures = await code_failures_since(ctx.deps.db, code, now - CODE_WINDOW)
    if failures < FREE_CODE_FAILURES:
        return 0
    last = await last_code_failure_since(ctx.deps.db, code, now - CODE_WINDOW)
    delay = min(MAX_CODE_DELAY, CODE_DELAY * 2 ** (failures - FREE_CODE_FAILURES))
    left = (last + delay - now).total_seconds() if last is not None else 0
    return 0 if left <= 0 else math.ceil(left / 60)


def _code_waiting(minutes: int) -> Reply:
    return Reply(template="dossier_limited", context={"what": "code_wait", "minutes": minutes}, kind="limited")


async def _limited_failures(ctx: Context) -> Reply:
    channel, chat_id = _where(ctx)
    now = ctx.now()
    oldest = await oldest_failure_since(ctx.deps.db, channel, chat_id, now - WINDOW)
    minutes = max(1, int(((oldest + WINDOW) - now).total_seconds() // 60) + 1) if oldest else 60
    return Reply(template="dossier_limited", context={"what": "failures", "limit": MAX_FAILURES, "minutes": minutes},
                 kind="limited")


@router.payload("dx")
async def explain(ctx: Context) -> list[Reply] | None:
    code = find_code(ctx.args)
    if code is None:
        return None
    if not await _within_limit(ctx, code.canonical):
        return _limited_codes(ctx)
    record = await find_dossier(ctx.deps.db, code)
    if record is None:
        return _not_found(code)
    d = record.dossier
    procedure = ctx.index.get(d.procedure_code) if d.procedure_code else None
    derived = recompute(record, ctx.deps.calendar, procedure)
    cal = ctx.deps.calendar
    verified = await has_access(ctx.deps.db, *_where(ctx), d.code, ctx.now())
    context = {
        "code": d.code,
        "explanation": derived.due.explanation if derived is not None and derived.due is not None else "",
        "given": when(d.due_at_given, cal),
        "computed": when(d.due_at_computed, cal),
        "mismatch": d.due_mismatch,
        "rescheduled": when(d.rescheduled_due_at, cal),
        "reason": (d.rescheduled_reason or "") if verified else "",  # after the second factor only
    }
    return [Reply(template="dossier_explain", context=context, kind="answer")]
