"""Push-ingest API: the one-stop system sends dossiers as they change.

``setup_ingest(app, deps, settings)`` adds to an aiohttp application:

- ``POST /api/v1/dossiers`` — ``Authorization: Bearer <MOTCUA_INGEST_TOKEN>`` (compared in constant
  time; 401 without it or with a wrong one; 503 while no token is configured). Body: a JSON list of
  dossiers in the shape of ``knowledge.dossiers.schema`` (at most ``MAX_BODY`` bytes → 413, at most
  ``MAX_ITEMS`` items). The batch is applied in ONE transaction, all or nothing: a batch with any
  invalid item is rejected with 422 listing every error (``index``, ``field``, ``message``; a date
  the working calendar cannot count from, outside 2000–2100, is one) and nothing is applied — the
  sender fixes the items and re-sends the batch, with no half-applied state to reason about.
  Re-sending a batch is harmless (idempotent): the same status twice records nothing new. 200:
  ``{"received", "created", "updated", "unchanged", "history_added", "status_changes"}``. A status
  change calls the listeners of ``db.dossier_repo.on_status_change``.
- ``GET /api/v1/openapi.json`` — this contract as OpenAPI 3.1.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.channels.base import MAX_DEPTH, Rejected, load_json
from db.dossier_repo import DossierBatchError, upsert_dossiers
from knowledge.calendar import CalendarRangeError
from knowledge.dossiers.schema import DossierIn, field_errors

log = logging.getLogger(__name__)

MAX_BODY = 5 * 1024 * 1024  # bytes
MAX_ITEMS = 5000
DEPS_KEY = web.AppKey("motcua_ingest_deps", object)
TOKEN_KEY = web.AppKey("motcua_ingest_token", object)


def _error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": code, "message": message, **extra}, status=status)


def _authorised(request: web.Request) -> web.Response | None:
    token: str | None = request.app[TOKEN_KEY]
    if not token:
        return _error(503, "ingest_disabled", "MOTCUA_INGEST_TOKEN is not configured on this server")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return web.json_response(
            {"error": "unauthorised", "message": "a valid bearer token is required"}, status=401,
            headers={"WWW-Authenticate": 'Bearer realm="motcua-ingest"'},
        )
    return None


async def _read_body(request: web.Request) -> bytes | web.Response:
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, "too_large", f"the body exceeds {MAX_BODY} bytes; send smaller batches")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            return _error(413, "too_large", f"the body exceeds {MAX_BODY} bytes; send smaller batches")
        chunks.append(chunk)
    return b"".join(chunks)


async def post_dossiers(request: web.Request) -> web.Response:
    if (denied := _authorised(request)) is not None:
        return denied
    body = await _read_body(request)
    if isinstance(body, web.Response):
        return body
    try:
        data = load_json(body.decode("utf-8").encode())
    except UnicodeDecodeError as exc:
        return _error(400, "bad_json", f"the body is not UTF-8 JSON: {exc}")
    except Rejected as exc:
        log.warning("ingest: request refused (400 %s)", exc)
        return _error(400, "bad_json", f"the body is not UTF-8 JSON of at most {MAX_DEPTH} levels: {exc.detail}")
    if not isinstance(data, list):
        return _error(400, "not_a_list", "the body must be a JSON list of dossiers")
    if len(data) > MAX_ITEMS:
        return _error(413, "too_many_items", f"at most {MAX_ITEMS} dossiers per request")
    items: list[DossierIn] = []
    errors: list[dict] = []
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            errors.append({"index": index, "field": "(item)", "message": "each item must be a JSON object"})
            continue
        try:
            items.append(DossierIn.model_validate(raw))
        except ValidationError as exc:
            errors += [{"index": index, **e} for e in field_errors(exc)]
    if errors:
        return _error(422, "invalid_items", f"{len({e['index'] for e in errors})} invalid item(s); nothing was applied",
                      errors=errors)
    deps = request.app[DEPS_KEY]
    try:
        result = await upsert_dossiers(
            deps.db, items, calendar=deps.calendar, procedures=deps.catalogue.index.get, source="ingest"
        )
    except DossierBatchError as exc:
        return _error(422, "invalid_items", f"{len(exc.errors)} invalid item(s); nothing was applied",
                      errors=exc.errors)
    except (CalendarRangeError, OverflowError) as exc:
        # A safety net only: dates outside the calendar's range (year 9999, 2150, year 1 at +14:00)
        # are per-item field errors of DossierIn, and a due date counted past 2100 is one of the
        # upsert's (DossierBatchError). Anything else the calendar refuses still gets a 4xx.
        log.warning("ingest: a date outside the calendar's range (%s)", exc)
        return _error(422, "invalid_items", f"a date is outside the working calendar's range: {exc}; nothing was applied")
    return web.json_response({"received": len(items), **result.to_json()})


def openapi() -> dict:
    schema = DossierIn.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components["DossierIn"] = schema
    error = {"type": "object", "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "index": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}}},
    }}
    components["Error"] = error
    return {
        "openapi": "3.1.0",
        "info": {"title": "motcua dossier ingest", "version": "1"},
        "paths": {"/api/v1/dossiers": {"post": {
            "summary": "Create or update dossiers (one transaction per batch, all or nothing; idempotent)",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "array", "maxItems": MAX_ITEMS, "items": {"$ref": "#/components/schemas/DossierIn"}}}}},
            "responses": {
                "200": {"description": "applied", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {k: {"type": "integer"} for k in (
                        "received", "created", "updated", "unchanged", "history_added", "status_changes")}}}}},
                **{code: {"description": text, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Error"}}}} for code, text in (
                    ("400", "not a JSON list"), ("401", "missing or wrong bearer token"),
                    ("413", f"body over {MAX_BODY} bytes or over {MAX_ITEMS} items"),
                    ("422", "invalid items, every error listed; nothing applied"),
                    ("503", "no ingest token configured"))},
            },
        }}},
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


async def get_openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi())


def setup_ingest(app: web.Application, deps, settings) -> None:
    """Add the ingest routes to ``app``; ``deps`` is the core's ``Deps`` (database, catalogue,
    calendar), ``settings`` the ``bot.config.Settings`` (``ingest_token``)."""
    token = settings.ingest_token.get_secret_value() if settings.ingest_token else None
    app[DEPS_KEY] = deps
    app[TOKEN_KEY] = token or None
    app.router.add_post("/api/v1/dossiers", post_dossiers)
    app.router.add_get("/api/v1/openapi.json", get_openapi)
