"""The durable pipeline as an operator sees it: real ``motcua run`` processes (or the real
application in this process), python-telegram-bot against the local fake Bot API, our Zalo client
against the local fake Zalo API, every message counted where the citizen would see it.

1. 300 Telegram updates and 150 Zalo events answered 200, then ``kill -9`` at once, restart on the
   same SQLite file: every message answered; the only doubles are the outbox's sends in flight
   (at most its concurrency, 8).
2. The Bot API answers 502 for 10 s while 40 updates arrive: no reply is lost.
3. Two replicas on one PostgreSQL, each update posted to both (a retry reaching the other one):
   each is answered once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import aiohttp
import pytest

from bot.config import Settings
from db.engine import Database
from db.inbox_repo import inbox_rows
from tests.fakes.motcua_process import MotcuaProcess
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.telegram_api import FakeBotApi, text_update
from tests.fakes.zalo_api import FakeZalo, signed, text_event

SECRET = "s3cret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
APP_ID, OA_SECRET, APP_SECRET = "3608469", "oa-secret", "app-secret"


@pytest.fixture
async def zalo_api():
    api = await FakeZalo(app_id=APP_ID, app_secret=APP_SECRET, access_token="a0", refresh_token="r0").start()
    yield api
    await api.stop()


def env_for(database_url: str, bot_api: FakeBotApi, zalo_api: FakeZalo | None, data_dir, **extra: str) -> dict[str, str]:
    env = {
        "MOTCUA_DATABASE_URL": database_url, "MOTCUA_DATA_DIR": str(data_dir),
        "MOTCUA_TELEGRAM_TOKEN": "1:durable", "MOTCUA_TELEGRAM_BASE_URL": bot_api.base_url,
        "MOTCUA_TELEGRAM_WEBHOOK_SECRET": SECRET, "MOTCUA_REMINDER_SWEEP_SECONDS": "0",
        "MOTCUA_INBOX_LEASE_SECONDS": "3", "MOTCUA_OUTBOX_LEASE_SECONDS": "3", "MOTCUA_OUTBOX_POLL_SECONDS": "0.2",
        "MOTCUA_OUTBOX_BACKOFF_SECONDS": "0.5", "MOTCUA_OUTBOX_PER_CHAT_SECONDS": "0.05",
    }
    if zalo_api is not None:
        env.update({"MOTCUA_ZALO_APP_ID": APP_ID, "MOTCUA_ZALO_OA_SECRET_KEY": OA_SECRET,
                    "MOTCUA_ZALO_APP_SECRET": APP_SECRET, "MOTCUA_ZALO_ACCESS_TOKEN": "a0",
                    "MOTCUA_ZALO_REFRESH_TOKEN": "r0", "MOTCUA_ZALO_API_BASE": zalo_api.url,
                    "MOTCUA_ZALO_OAUTH_BASE": zalo_api.url})
    env.update(extra)
    return env


async def post_all(requests: list[tuple[str, bytes, dict[str, str]]], concurrency: int = 16) -> list[int]:
    slots = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:
        async def one(url: str, body: bytes, headers: dict[str, str]) -> int:
            async with slots, http.post(url, data=body, headers=headers) as response:
                await response.read()
                return response.status

        return list(await asyncio.gather(*(one(*r) for r in requests)))


def telegram_request(url: str, update_id: int, chat: int, text: str) -> tuple[str, bytes, dict[str, str]]:
    import json

    return url + "/telegram/webhook", json.dumps(text_update(update_id, chat, text)).encode(), {
        **HEADERS, "Content-Type": "application/json"}


def zalo_request(url: str, user: str, text: str, msg_id: str) -> tuple[str, bytes, dict[str, str]]:
    raw, headers = signed(APP_ID, OA_SECRET, text_event(user, text, msg_id))
    return url + "/zalo/webhook", raw, headers


TG_CHATS, ZALO_USERS, EACH = 100, 50, 3  # 300 Telegram updates, 150 Zalo events


async def test_kill_9_after_the_200s_loses_nothing_and_doubles_at_most_the_sends_in_flight(
        sqlite_url, bot_api, zalo_api, tmp_path):
    env = env_for(sqlite_url, bot_api, zalo_api, tmp_path / "data")
    first = MotcuaProcess(env, tmp_path / "first.log")
    await first.start()
    # One message each first: how many messages (parts) one answer is, on each platform.
    assert await post_all([telegram_request(first.url, 1, 5, "/help"), zalo_request(first.url, "u-probe", "/help", "p1")]) == [200, 200]
    await wait_until(lambda: bot_api.sent(5) and zalo_api.delivered("u-probe"), timeout=30, what="the probes' answers")
    await asyncio.sleep(0.5)
    tg_parts, zalo_parts = len(bot_api.sent(5)), len(zalo_api.delivered("u-probe"))

    requests = []
    for n in range(EACH):
        requests += [telegram_request(first.url, 1000 + n * TG_CHATS + c, 70000 + c, "/help") for c in range(TG_CHATS)]
        requests += [zalo_request(first.url, f"zalo-user-{u}", "/help", f"m{n}-{u}") for u in range(ZALO_USERS)]
    statuses = await post_all(requests)
    first.kill9()  # the moment the last 200 came back
    await first.wait_exit()
    assert statuses == [200] * len(requests)
    answered_before = (sum(len(bot_api.sent(70000 + c)) for c in range(TG_CHATS)) // tg_parts
                       + sum(len(zalo_api.delivered(f"zalo-user-{u}")) for u in range(ZALO_USERS)) // zalo_parts)

    second = MotcuaProcess(env, tmp_path / "second.log", port=first.port)
    try:
        await second.start()

        def all_answered() -> bool:
            return (all(len(bot_api.sent(70000 + c)) >= EACH * tg_parts for c in range(TG_CHATS))
                    and all(len(zalo_api.delivered(f"zalo-user-{u}")) >= EACH * zalo_parts for u in range(ZALO_USERS)))

        await wait_until(all_answered, timeout=120, what="every accepted message's answer")
        await asyncio.sleep(4)  # leases run out, retries come: nothing more may be sent
    finally:
        await second.stop()
    extra_tg = sum(len(bot_api.sent(70000 + c)) - EACH * tg_parts for c in range(TG_CHATS))
    extra_zalo = sum(len(zalo_api.delivered(f"zalo-user-{u}")) - EACH * zalo_parts for u in range(ZALO_USERS))
    doubled = extra_tg / tg_parts + extra_zalo / zalo_parts
    print(f"\nkill -9: {len(requests)} accepted (300 Telegram, 150 Zalo), {answered_before} answered before the kill, "
          f"all answered after the restart; answered twice: {doubled:g}")
    assert doubled <= 8
    db = Database(sqlite_url)
    try:
        rows = await inbox_rows(db)
    finally:
        await db.dispose()
    assert len(rows) == len(requests) + 2 and {r.status for r in rows} == {"done"}


async def test_a_bot_api_failing_for_10_seconds_loses_no_reply(deps, bot_api, sqlite_url):
    settings = Settings(database_url=sqlite_url, telegram_token="1:outage", telegram_base_url=bot_api.base_url,
                        telegram_webhook_secret=SECRET, outbox_backoff_seconds=0.5, outbox_poll_seconds=0.2,
                        reminder_sweep_seconds=0)
    async with running_service(settings, deps=deps, channel_options={"telegram": {"max_wait": 0}}) as service:
        bot_api.fail_for("sendMessage", 10.0)
        start = time.perf_counter()
        for n in range(40):
            status, _ = await service.post("/telegram/webhook", json_body=text_update(500 + n, 9000 + n, "/help"),
                                           headers=HEADERS)
            assert status == 200
            await asyncio.sleep(0.2)  # they arrive during the outage
        await wait_until(lambda: all(bot_api.sent(9000 + n) for n in range(40)), timeout=60, what="every reply")
        elapsed = time.perf_counter() - start
        await asyncio.sleep(1)
    failed = [c for c in bot_api.calls if c.method == "sendMessage" and c.params.get("_failed")]
    assert failed  # the outage was real
    assert [len(bot_api.sent(9000 + n)) for n in range(40)] == [1] * 40  # each once
    assert elapsed >= 10  # delayed by the outage, not dropped
    assert all("Hướng dẫn" in bot_api.texts(9000 + n)[0] for n in range(40))


@pytest.mark.postgres
async def test_two_replicas_on_postgresql_answer_each_update_once(postgres_url, bot_api, tmp_path):
    db = Database(postgres_url)
    await db.migrate()
    await db.dispose()
    replicas = [MotcuaProcess(env_for(postgres_url, bot_api, None, tmp_path / f"data{n}",
                                      MOTCUA_TELEGRAM_TOKEN=f"{n + 1}:replica"), tmp_path / f"replica{n}.log")
                for n in range(2)]
    try:
        await asyncio.gather(*(r.start() for r in replicas))
        updates = [(2000 + n, 80000 + n % 60) for n in range(200)]
        # Every update to both replicas: as if Telegram's retry reached the other one.
        requests = [telegram_request(r.url, u, chat, "/help") for u, chat in updates for r in replicas]
        assert set(await post_all(requests)) == {200}
        await wait_until(lambda: sum(len(bot_api.sent(80000 + c)) for c in range(60)) >= 200, timeout=60,
                         what="every update's answer")
        await asyncio.sleep(3)
    finally:
        await asyncio.gather(*(r.stop() for r in replicas))
    per_chat = Counter(str(p["chat_id"]) for p in bot_api.sent())
    expected = Counter(str(chat) for _, chat in updates)
    by_replica = Counter(c.token.split(":")[0] for c in bot_api.calls if c.method == "sendMessage")
    print(f"\ntwo replicas: 200 updates posted to both, {sum(per_chat.values())} answers, "
          f"sent by replica 1/2: {by_replica.get('1', 0)}/{by_replica.get('2', 0)}")
    assert per_chat == expected
    assert by_replica.get("1", 0) > 0 and by_replica.get("2", 0) > 0
