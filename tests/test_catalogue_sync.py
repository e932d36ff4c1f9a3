"""``catalogue sync`` against a local stand-in for a portal-API endpoint that serves the real portal
answers of the shared catalogue, with the failures a real endpoint has: 5xx, 429, a slow answer,
garbage, unknown codes, an interrupted run."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from click.testing import CliRunner

from bot.catalogue_sync import SyncOptions, retry_after, sync_catalogue
from bot.cli import main
from bot.config import get_settings
from db import catalogue_sync_repo
from db.catalogue_repo import count_procedures, get_procedure, upsert_procedures
from knowledge.calendar import VN_TZ
from knowledge.catalogue.importers import import_paths
from knowledge.catalogue.model import Procedure

FAST = SyncOptions(concurrency=8, timeout=1.0, retries=3, backoff=0.01, max_backoff=0.05)


class PortalStandIn:
    """``GET /api/procedures?page=N`` and ``GET /api/procedures/{code}`` over the real portal-API files."""

    def __init__(self, folder: Path, page_size: int = 100) -> None:
        self.files = {p.stem: p for p in sorted(folder.glob("*.json"))}
        self.page_size = page_size
        self.listing = True
        self.requests: list[str] = []  # codes asked for, in order
        self.not_modified: list[str] = []
        self.script: dict[str, list[str]] = {}  # code → what to do on the next requests
        self.always_garbage: set[str] = set()
        self.answered = 0
        self.stop_after: int | None = None
        self.reached = asyncio.Event()
        self.release = asyncio.Event()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/procedures", self.list_page)
        app.router.add_get("/api/procedures/{code}", self.procedure)
        return app

    async def list_page(self, request: web.Request) -> web.Response:
        if not self.listing:
            raise web.HTTPNotFound()
        page = int(request.query.get("page", "1"))
        codes = list(self.files)[(page - 1) * self.page_size: page * self.page_size]
        return web.json_response({"items": [{"code": c, "updatedAt": self.files[c].stat().st_mtime_ns} for c in codes]})

    async def procedure(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        self.requests.append(code)
        action = self.script.get(code, []).pop(0) if self.script.get(code) else None
        if action == "500":
            return web.Response(status=500, text="Internal Server Error")
        if action == "429":
            return web.Response(status=429, headers={"Retry-After": "0"})
        if action == "slow":
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.release.wait(), 5)
        if code in self.always_garbage:
            return web.Response(text='{"code": "OK", "data": {"code": "', content_type="application/json")
        path = self.files.get(code)
        if path is None:
            raise web.HTTPNotFound()
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified.append(code)
            return web.Response(status=304, headers={"ETag": etag})
        self.answered += 1
        if self.stop_after is not None and self.answered >= self.stop_after:
            self.reached.set()
        return web.Response(body=body, content_type="application/json", headers={"ETag": etag})


@pytest.fixture
async def portal(shared_dir):
    stand_in = PortalStandIn(shared_dir / "catalogue" / "opengov" / "portal-api")
    server = TestServer(stand_in.app())
    await server.start_server()
    stand_in.url = str(server.make_url("/api"))
    yield stand_in
    stand_in.release.set()
    await server.close()


async def test_sync_fetches_every_code_and_retries_what_is_worth_retrying(db, portal):
    codes = list(portal.files)
    flaky, slow, garbage, throttled = codes[3], codes[10], codes[20], codes[30]
    portal.script = {flaky: ["500", "500"], slow: ["slow"], throttled: ["429"]}
    portal.always_garbage = {garbage}

    report = await sync_catalogue(db, portal.url, options=FAST)

    assert report.listed and report.codes == 502 and not report.resumed
    assert list(report.errors) == [garbage] and "unreadable JSON" in report.errors[garbage]
    assert portal.requests.count(flaky) == 3  # 500, 500, then the record
    assert portal.requests.count(slow) == 2  # timed out once, then answered
    assert portal.requests.count(throttled) == 2  # 429 with Retry-After: 0, then answered
    assert report.retries >= 4
    assert report.fetched == 501 and report.stored.inserted == 501
    counts = await count_procedures(db)
    assert counts == {"total": 501, "detailed": 501, "by_source": {"sync": 501}}
    record = await get_procedure(db, flaky)
    assert (record.source, record.retrieved_at) == ("sync", datetime.now(VN_TZ).date())  # the day in Vietnam
    assert record.source_url.startswith("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/")
    assert await get_procedure(db, garbage) is None


async def test_an_interrupted_sync_resumes_where_it_stopped(db, portal):
    everything = set(portal.files)
    portal.stop_after = 60
    task = asyncio.create_task(sync_catalogue(db, portal.url, options=FAST))
    await portal.reached.wait()
    task.cancel()  # Ctrl-C, a deploy, a crash: whatever stops the process
    with suppress(asyncio.CancelledError):
        await task
    items = await catalogue_sync_repo.sync_items(db, portal.url)
    done = {code for code, item in items.items() if item.status == "stored"}
    assert 50 <= len(done) < 502
    assert (await count_procedures(db))["total"] >= len(done)

    portal.requests.clear()
    resumed = await sync_catalogue(db, portal.url, options=FAST)
    assert resumed.resumed and resumed.already_done == len(done)
    assert set(portal.requests) == everything - done  # only what was left
    assert len(portal.requests) == len(everything - done)
    assert not resumed.errors
    assert (await count_procedures(db))["total"] == 502

    # the run is finished: the next one is new, and the list says nothing changed
    portal.requests.clear()
    again = await sync_catalogue(db, portal.url, options=FAST)
    assert not again.resumed and again.not_changed == 502 and portal.requests == []


async def _known_codes_are_synced_and_etags_spare_unchanged_ones(db, portal):
    portal.listing = False
    known = list(portal.files)[:30]
    names_only = [Procedure(code=c, name=f"Thủ tục {c}", source="catalog", detailed=False) for c in known]
    names_only += [Procedure(code=c, name="Không có trên cổng", source="catalog", detailed=False)
                   for c in ("9.900001", "9.900002")]
    await upsert_procedures(db, names_only)

    first = await sync_catalogue(db, portal.url, options=FAST)
    assert not first.listed and first.codes == 32
    assert first.stored.updated == 30  # names only → the full record
    assert sorted(first.errors) == ["9.900001", "9.900002"]
    assert all("404" in e for e in first.errors.values())
    assert (await get_procedure(db, known[0])).detailed

    second = await sync_catalogue(db, portal.url, options=FAST)  # a new run: asks again, with ETags
    assert not second.resumed
    assert second.fetched == 0 and second.not_changed == 30
    assert sorted(portal.not_modified) == sorted(known)


async def test_without_a_list_the_known_codes_are_synced_and_etags_spare_unchanged_ones(db, portal):
    await _known_codes_are_synced_and_etags_spare_unchanged_ones(db, portal)


@pytest.mark.postgres
async def test_sync_state_on_postgres(pg_db, portal):
    await _known_codes_are_synced_and_etags_spare_unchanged_ones(pg_db, portal)


async def test_a_live_sync_brings_a_crawled_record_up_to_date(db, portal, shared_dir):
    """The portal's own records are one family: the newest retrieval wins, so a sync can refresh
    a procedure the July crawl holds (the data predates later legal changes)."""
    code = "1.000080"
    report = import_paths([shared_dir / "catalogue" / "opengov" / "procedures" / f"{code}.json"])
    await upsert_procedures(db, report.procedures)
    crawled = await get_procedure(db, code)
    await sync_catalogue(db, portal.url, codes=[code], options=FAST)
    synced = await get_procedure(db, code)
    assert synced.source == "sync" and synced.retrieved_at > crawled.retrieved_at
    assert synced.levels  # what the crawl's record lacked is kept from whichever record has it


async def test_importing_sources_one_at_a_time_gives_the_same_catalogue_as_together(db, shared_dir):
    from db.catalogue_repo import load_procedures
    from tests.conftest import SHARED  # noqa: F401  (the shared_dir fixture has checked it exists)

    catalogue = shared_dir / "catalogue" / "opengov"
    codes = ["1.001193", "1.000080"]
    paths = [catalogue / "procedures" / f"{c}.json" for c in codes] + [catalogue / "portal-api" / f"{c}.json" for c in codes]
    for path in paths:
        await upsert_procedures(db, import_paths([path]).procedures)
    one_by_one = {p.code: p.model_dump() for p in await load_procedures(db)}
    together = {p.code: p.model_dump() for p in import_paths(paths).procedures}
    assert one_by_one == together
    assert one_by_one["1.001193"]["levels"] and one_by_one["1.001193"]["kind"]


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after("120") == 120
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: no wait


# --- the command line, against a stand-in running in its own thread ------------------------------------


@contextmanager
def serve_in_thread(stand_in_factory):
    """Start an aiohttp stand-in on its own event loop (the CLI runs its own loop)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box = {}

    async def start():
        stand_in = stand_in_factory()
        runner = web.AppRunner(stand_in.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        box.update(stand_in=stand_in, runner=runner, url=f"http://127.0.0.1:{port}/api")
        started.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield box["url"], box["stand_in"]
    finally:
        asyncio.run_coroutine_threadsafe(box["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_sync_command(tmp_path, monkeypatch, shared_dir):
    monkeypatch.setenv("MOTCUA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MOTCUA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    folder = shared_dir / "catalogue" / "opengov" / "portal-api"
    codes = [p.stem for p in sorted(folder.glob("*.json"))[:5]]
    (tmp_path / "codes.txt").write_text("\n".join(["# five codes", *codes, ""]), encoding="utf-8")
    (tmp_path / "unknown.txt").write_text("9.900001\n9.900002\n", encoding="utf-8")
    runner = CliRunner()
    try:
        with serve_in_thread(lambda: PortalStandIn(folder)) as (url, stand_in):
            ok = runner.invoke(main, ["catalogue", "sync", "--base-url", url, "--codes", str(tmp_path / "codes.txt"),
                                      "--concurrency", "2", "--timeout", "5"])
            assert ok.exit_code == 0, ok.output
            assert "fetched 5" in ok.output and "inserted 5" in ok.output
            assert sorted(stand_in.requests) == sorted(codes)

            failed = runner.invoke(main, ["catalogue", "sync", "--base-url", url, "--codes",
                                          str(tmp_path / "unknown.txt"), "--retries", "0"])
            assert failed.exit_code == 1
            assert "9.900001" in failed.output and "Nothing could be synced" in failed.output
    finally:
        get_settings.cache_clear()
