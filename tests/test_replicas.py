"""Must-show: real ``motcua run`` processes and a fake Telegram Bot API in this test process,
counting every message delivered.

1. Two replicas on one PostgreSQL: both sweep every second (advisory lock), both read the status
   log, both dispatch the outbox (FOR UPDATE SKIP LOCKED). Every expected message arrives exactly
   once: none missing, none doubled.
2. kill -9 during delivery: the fake server holds each sendMessage for a while; the process is
   killed while one is in flight, then started again. Nothing is lost, and the only message sent
   twice is the one that was in flight (with ``MOTCUA_OUTBOX_CONCURRENCY=1`` at most one is:
   at-least-once for the message in flight, deduplicated by key for every other).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select

from db.catalogue_repo import upsert_procedures
from db.dossier_repo import upsert_dossiers
from db.engine import Database
from db.models.dossiers import Dossier
from db.outbox_repo import Planned, enqueue, outbox_rows
from db.subscriptions_repo import subscribe
from handlers.reply_json import replies_to_json
from handlers.types import Reply
from knowledge.calendar import VN_TZ, default_calendar
from knowledge.catalogue.bundled import load_bundled
from knowledge.dossiers.schema import DossierIn
from tests.fakes.motcua_process import MotcuaProcess
from tests.fakes.server import wait_until
from tests.fakes.telegram_api import FakeBotApi
from tests.official_data import official

AGENCIES = 15  # one officer each: one overdue digest each
FOLLOWED = 30  # subscribed citizens: one status notice each
INGEST_TOKEN = "ingest-token-for-tests"


def base_env(database_url: str, bot_api: FakeBotApi, data_dir, **extra) -> dict[str, str]:
    env = {
        "MOTCUA_DATABASE_URL": database_url, "MOTCUA_DATA_DIR": str(data_dir),
        "MOTCUA_TELEGRAM_TOKEN": "1:replica", "MOTCUA_TELEGRAM_BASE_URL": bot_api.base_url,
        "MOTCUA_TELEGRAM_MODE": "webhook", "MOTCUA_TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "MOTCUA_INGEST_TOKEN": INGEST_TOKEN, "MOTCUA_REMINDER_SWEEP_SECONDS": "1",
        "MOTCUA_REMINDERS_IGNORE_QUIET_HOURS": "true", "MOTCUA_OUTBOX_POLL_SECONDS": "0.2",
        "MOTCUA_NOTIFY_POLL_SECONDS": "0.5", "MOTCUA_OUTBOX_BACKOFF_SECONDS": "0.5",
    }
    env.update(extra)
    return env


def agency(i: int) -> str:
    return f"000.{i + 10:02d}.22.H26"


def code(i: int, n: int) -> str:
    return f"{agency(i)}-260302-{n:04d}"


def followed_code(n: int) -> str:
    return code(n % AGENCIES, 3 + n // AGENCIES)


def item(i: int, n: int, now: datetime, *, status: int = 4) -> dict:
    received = now - timedelta(days=20)
    history = [{"status": 2, "at": received.isoformat()}, {"status": 4, "at": (received + timedelta(hours=1)).isoformat()}]
    if status != 4:
        history.append({"status": status, "at": now.isoformat(), "note": "Đã có kết quả"})
    return {"code": code(i, n), "agency_code": agency(i), "agency_name": f"UBND xã số {i}", "applicant_name": "Trần Văn Bảy",
            "applicant_phone": "0912345678", "received_at": received.isoformat(), "processing_days": 5,
            "processing_unit": "working", "due_at": (now - timedelta(days=3)).isoformat(), "status": status,
            "status_history": history, "finished_at": now.isoformat() if status == 9 else None}


async def seed_province(db: Database, now: datetime) -> dict[str, str]:
    """Officials with overdue dossiers and followed dossiers; returns chat id → the code its message names."""
    await upsert_procedures(db, load_bundled())  # the processes would otherwise race to seed it
    items = [item(i, n, now) for i in range(AGENCIES) for n in (1, 2, 3, 4)]  # 1, 2: overdue; 3, 4: followed
    await upsert_dossiers(db, [DossierIn.model_validate(d) for d in items], calendar=default_calendar(),
                          source="test", now=now - timedelta(days=1))
    expected: dict[str, str] = {}
    for i in range(AGENCIES):
        await official(db, agency(i), f"Cán bộ {i}", "telegram", str(1000 + i))
        expected[str(1000 + i)] = code(i, 1)  # the overdue digest lists both; the first is enough to know it
    async with db.session() as session:
        ids = dict((await session.execute(select(Dossier.code, Dossier.id))).all())
    for n in range(FOLLOWED):
        c = followed_code(n)
        await subscribe(db, ids[c], "telegram", str(2000 + n), now - timedelta(hours=1))
        expected[str(2000 + n)] = c
    return expected


async def post_changes(url: str, items: list[dict]) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/api/v1/dossiers", json=items,
                             headers={"Authorization": f"Bearer {INGEST_TOKEN}"}) as response:
            assert response.status == 200, await response.text()


@pytest.mark.postgres
async def test_two_replicas_on_postgres_deliver_every_message_exactly_once(postgres_url, bot_api, tmp_path):
    db = Database(postgres_url)
    await db.migrate()
    now = datetime.now(VN_TZ)
    expected = await seed_province(db, now)  # AGENCIES digests, FOLLOWED notices
    replicas = [MotcuaProcess(base_env(postgres_url, bot_api, tmp_path / f"data{n}", MOTCUA_TELEGRAM_TOKEN=f"{n + 1}:replica"),
                              tmp_path / f"replica{n}.log") for n in range(2)]
    try:
        await asyncio.gather(*(r.start() for r in replicas))
        # Status changes pushed to both replicas (half each): the followers hear of them from the log.
        changed = [item(n % AGENCIES, 3 + n // AGENCIES, now, status=9) for n in range(FOLLOWED)]
        await asyncio.gather(post_changes(replicas[0].url, changed[: FOLLOWED // 2]),
                             post_changes(replicas[1].url, changed[FOLLOWED // 2 :]))
        await wait_until(lambda: len(bot_api.sent()) >= len(expected), timeout=40, what="every message")
        await asyncio.sleep(4)  # several more sweeps and polls on both replicas: nothing more may come
    finally:
        await asyncio.gather(*(r.stop() for r in replicas))
    delivered = Counter(str(p["chat_id"]) for p in bot_api.sent())
    missing = sorted(set(expected) - set(delivered))
    doubled = {chat: n for chat, n in delivered.items() if n > 1}
    unexpected = sorted(set(delivered) - set(expected))
    by_replica = Counter(c.token.split(":")[0] for c in bot_api.calls if c.method == "sendMessage")
    print(f"\ntwo replicas: {len(expected)} expected, {sum(delivered.values())} delivered, missing {missing}, "
          f"doubled {doubled}, sent by replica 1/2: {by_replica.get('1', 0)}/{by_replica.get('2', 0)}")
    assert (missing, doubled, unexpected) == ([], {}, [])
    for chat, c in expected.items():
        (text,) = [p["text"] for p in bot_api.sent(chat)]
        assert c in text
    rows = await outbox_rows(db)
    assert len(rows) == len(expected) and {r.status for r in rows} == {"sent"}
    await db.dispose()


async def _kill_during_delivery(database_url: str, bot_api: FakeBotApi, tmp_path) -> None:
    db = Database(database_url)
    await db.migrate()
    await upsert_procedures(db, load_bundled())
    total, kill_at = 12, 5
    texts = [f"Tin kiểm thử số {n}" for n in range(total)]
    planned = [Planned(f"crash:{n}", "test", "telegram", str(3000 + n), replies_to_json([Reply(text=texts[n])]))
               for n in range(total)]
    assert await enqueue(db, planned) == total
    bot_api.delay["sendMessage"] = 0.6  # each message is in flight for a while
    env = base_env(database_url, bot_api, tmp_path / "data", MOTCUA_OUTBOX_CONCURRENCY="1",
                   MOTCUA_OUTBOX_LEASE_SECONDS="3", MOTCUA_REMINDER_SWEEP_SECONDS="0")
    process = MotcuaProcess(env, tmp_path / "crash.log")
    in_flight: list[str] = []

    def on_call(call) -> None:
        if call.method == "sendMessage" and len([c for c in bot_api.calls if c.method == "sendMessage"]) == kill_at:
            in_flight.append(call.params["text"])
            process.kill9()  # the request has arrived; its answer never will

    bot_api.listener = on_call
    await process.start()
    await process.wait_exit()
    bot_api.listener = None
    assert len(in_flight) == 1
    before = Counter(p["text"] for p in bot_api.sent())
    assert sum(before.values()) == kill_at and max(before.values()) == 1

    restarted = MotcuaProcess(env, tmp_path / "restart.log", port=process.port)
    try:
        await restarted.start()
        await wait_until(lambda: set(p["text"] for p in bot_api.sent()) >= set(texts), timeout=40, what="every message")
        await asyncio.sleep(1.5)
    finally:
        await restarted.stop()
    delivered = Counter(p["text"] for p in bot_api.sent())
    doubled = {t: n for t, n in delivered.items() if n > 1}
    print(f"\nkill -9 ({database_url.split(':')[0]}): {total} planned, killed with 1 in flight "
          f"({in_flight[0]!r}), {sum(delivered.values())} delivered, missing "
          f"{sorted(set(texts) - set(delivered))}, doubled {doubled}")
    assert set(delivered) == set(texts)  # nothing lost
    assert doubled == {in_flight[0]: 2}  # the bound: only the message in flight, once more
    rows = await outbox_rows(db)
    assert {r.status for r in rows} == {"sent"}
    assert [r.attempts for r in rows if r.replies[0]["text"] == in_flight[0]] == [2]
    await db.dispose()


async def test_kill_9_during_delivery_sqlite(sqlite_url, bot_api, tmp_path):
    await _kill_during_delivery(sqlite_url, bot_api, tmp_path)


@pytest.mark.postgres
async def test_kill_9_during_delivery_postgres(postgres_url, bot_api, tmp_path):
    await _kill_during_delivery(postgres_url, bot_api, tmp_path)
