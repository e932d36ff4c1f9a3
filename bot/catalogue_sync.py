"""Fetch the catalogue from a portal-API-compatible HTTP endpoint (``motcua catalogue sync``).

The national portal answers ``GET .../procedures/{code}``-style requests with ``{"code": "OK",
"data": {...}}`` but documents no way to list its procedures, so the listing is our own contract,
for a mirror or proxy of the portal to implement:

``GET {base}/procedures?page=N`` (N = 1, 2, …)
    ``200 {"items": [{"code": "1.000080", "updatedAt": 1776310043145}, …]}`` — a bare JSON list of
    such items, or of codes, is accepted too; ``updatedAt`` is optional. An empty page ends the list.
    ``404`` on page 1 means "no list": the codes already in the database (e.g. from catalog.jsonl)
    are synced instead. ``--codes FILE`` (one code per line) bypasses the listing.
``GET {base}/procedures/{code}``
    ``200`` the portal's answer, mapped by ``procedure_from_portal_api`` and stored with source
    "sync"; an ``ETag`` is remembered and sent back as ``If-None-Match``, ``304`` means unchanged.
    ``404``: unknown code. ``429`` and ``5xx``, timeouts and dropped connections are retried with
    exponential backoff (``Retry-After`` honoured); anything else is reported for that code.

Resumable: every code's outcome is written as soon as it is known (``catalogue_sync_items``), and a
run is marked finished only when every code was tried. A run that was interrupted is resumed by the
next one, which fetches only the codes it did not finish; a new run after a finished one asks again
for everything (cheap when the server honours ETags), except codes whose listed ``updatedAt`` has
not moved.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from db import catalogue_sync_repo as state
from db.catalogue_repo import UpsertStats, procedure_codes, upsert_procedures
from db.engine import Database
from knowledge.catalogue.importers.common import CODE, Skip
from knowledge.catalogue.importers.portal_api import procedure_from_portal_api, unwrap
from knowledge.calendar import VN_TZ
from knowledge.text import clean

SOURCE = "sync"
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
MAX_PAGES = 10_000


@dataclass
class SyncOptions:
    concurrency: int = 8
    timeout: float = 30.0  # seconds per request
    retries: int = 4  # after the first attempt
    backoff: float = 0.5  # first delay; doubles each retry, with jitter
    max_backoff: float = 60.0


@dataclass
class SyncReport:
    base_url: str
    codes: int = 0  # codes to sync in this run
    listed: bool = False  # the codes came from the endpoint's list
    resumed: bool = False  # this run continued an interrupted one
    already_done: int = 0  # skipped: finished by the interrupted run
    not_changed: int = 0  # skipped or 304: the endpoint says nothing changed
    fetched: int = 0  # records received
    retries: int = 0
    stored: UpsertStats = field(default_factory=UpsertStats)
    errors: dict[str, str] = field(default_factory=dict)  # code → what went wrong


class _Retryable(Exception):
    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class _Failed(Exception):
    """Permanent for this code in this run (garbage, unknown code, wrong record)."""


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: "120" or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is True, float("²") fails
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Client:
    def __init__(self, session: aiohttp.ClientSession, options: SyncOptions, report: SyncReport) -> None:
        self.session, self.options, self.report = session, options, report

    async def get(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, CIMultiDict]:
        """(status, body, headers) after retrying what is worth retrying; raises _Retryable when
        the retries are spent."""
        opts = self.options
        for attempt in range(opts.retries + 1):
            delay = None
            try:
                async with self.session.get(url, headers=headers or {},
                                            timeout=aiohttp.ClientTimeout(total=opts.timeout)) as resp:
                    if resp.status not in RETRYABLE:
                        return resp.status, await resp.read(), CIMultiDict(resp.headers)
                    delay = retry_after(resp.headers.get("Retry-After"))
                    error = _Retryable(f"HTTP {resp.status}", delay)
            except (TimeoutError, asyncio.TimeoutError):
                error = _Retryable(f"timed out after {opts.timeout:g} s")
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                error = _Retryable(f"{type(exc).__name__}: {exc}"[:200])
            if attempt == opts.retries:
                raise error
            self.report.retries += 1
            backoff = opts.backoff * 2**attempt * (1 + random.random() / 2)
            await asyncio.sleep(min(opts.max_backoff, delay if delay is not None else backoff))
        raise AssertionError("unreachable")


def _listed_item(item) -> tuple[str, str | None] | None:
    if isinstance(item, str):
        return clean(item), None
    if isinstance(item, dict) and item.get("code"):
        updated = item.get("updatedAt")
        return clean(str(item["code"])), None if updated is None else str(updated)
    return None


async def list_codes(client: _Client, base: str) -> dict[str, str | None] | None:
    """code → updatedAt from the endpoint's list, or None when it has no list."""
    found: dict[str, str | None] = {}
    for page in range(1, MAX_PAGES + 1):
        status, body, _ = await client.get(f"{base}/procedures?page={page}")
        if status == 404 and page == 1:
            return None
        if status != 200:
            raise _Failed(f"list page {page}: HTTP {status}")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise _Failed(f"list page {page}: unreadable JSON ({exc})") from exc
        items = data.get("items") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise _Failed(f"list page {page}: no 'items' list")
        new = [pair for pair in map(_listed_item, items) if pair and pair[0] not in found]
        if not new:
            break
        found.update(new)
    return found


def public_url(url: str) -> str:
    """The URL without user and password (they authenticate requests; they are never stored or
    shown: the stored URL becomes a record's source link)."""
    parsed = URL(url)
    return str(parsed.with_user(None)) if parsed.user or parsed.password else url


async def sync_catalogue(
    db: Database,
    base_url: str,
    *,
    codes: list[str] | None = None,
    options: SyncOptions | None = None,
    session: aiohttp.ClientSession | None = None,
    on_codes: Callable[[int], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SyncReport:
    """Sync every code (``codes``, else the endpoint's list, else the database's codes) from
    ``base_url``. ``on_codes(n)`` is told how many will be fetched, ``progress(code)`` after each."""
    options = options or SyncOptions()
    base = base_url.rstrip("/")
    report = SyncReport(base_url=public_url(base))  # the sync state's key: no credentials in it
    own_session = session is None
    session = session or aiohttp.ClientSession(headers={"Accept": "application/json",
                                                        "User-Agent": "motcua-catalogue-sync"})
    client = _Client(session, options, report)
    try:
        remote: dict[str, str | None]
        if codes is not None:
            remote = dict.fromkeys(unique_codes(codes))
        else:
            try:
                listed = await list_codes(client, base)
            except (_Failed, _Retryable) as exc:
                report.errors["(list)"] = str(exc)
                listed = None
            report.listed = listed is not None
            remote = listed if listed is not None else dict.fromkeys(await procedure_codes(db))
        report.codes = len(remote)
        started_at, report.resumed = await state.begin_run(db, report.base_url)
        known = await state.sync_items(db, report.base_url)
        todo = []
        for code, updated in remote.items():
            item = known.get(code)
            if report.resumed and item and item.fetched_at >= started_at and item.status != "error":
                report.already_done += 1
            elif updated is not None and item and item.remote_updated == updated and item.status in (
                    "stored", "unchanged"):
                report.not_changed += 1
            else:
                todo.append(code)
        if on_codes:
            on_codes(len(todo))
        semaphore = asyncio.Semaphore(max(1, options.concurrency))
        write_lock = asyncio.Lock()

        async def one(code: str) -> None:
            async with semaphore:
                await _sync_one(db, client, base, code, remote.get(code), known.get(code), report, write_lock)
            if progress:
                progress(code)

        await asyncio.gather(*(one(code) for code in todo))
        await state.finish_run(db, report.base_url)  # only reached when every code was tried
        return report
    finally:
        if own_session:
            await session.close()


def unique_codes(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(c for c in (clean(x) for x in codes) if c))


async def _sync_one(db: Database, client: _Client, base: str, code: str, updated: str | None,
                    known: state.SyncItem | None, report: SyncReport, write_lock: asyncio.Lock) -> None:
    status, etag, error = "error", None, None
    try:
        if not CODE.fullmatch(code):
            raise _Failed(f"malformed code {code!r}")
        headers = {"If-None-Match": known.etag} if known and known.etag else {}
        url = f"{base}/procedures/{quote(code)}"
        http, body, resp_headers = await client.get(url, headers)
        if http == 304:
            status = "unchanged"
            report.not_changed += 1
        elif http == 404:
            raise _Failed("unknown code (HTTP 404)")
        elif http != 200:
            raise _Failed(f"HTTP {http}")
        else:
            try:
                answer = json.loads(body)
            except ValueError as exc:
                raise _Failed(f"unreadable JSON: {exc}"[:200]) from exc
            try:
                procedure = procedure_from_portal_api(unwrap(answer), source=SOURCE, retrieved_at=datetime.now(VN_TZ).date(),
                                                      fetched_from=public_url(url))
            except Skip as skip:
                raise _Failed(str(skip)) from skip
            if procedure.code != code:
                raise _Failed(f"code mismatch: asked for {code}, got {procedure.code}")
            report.fetched += 1
            async with write_lock:
                stats = await upsert_procedures(db, [procedure])
            for name in ("inserted", "updated", "unchanged", "kept_richer"):
                setattr(report.stored, name, getattr(report.stored, name) + getattr(stats, name))
            status, etag = "stored", resp_headers.get("ETag")
    except _Failed as exc:
        status, error = "failed", str(exc)
    except _Retryable as exc:
        status, error = "error", f"{exc} (after {client.options.retries} retries)"
    if error:
        report.errors[code] = error
    async with write_lock:
        await state.record_item(db, public_url(base), code, status, etag=etag, remote_updated=updated, error=error)

