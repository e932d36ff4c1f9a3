"""Zalo OA end to end: signed webhook events posted to our /zalo/webhook, replies and token
refreshes through a local fake of Zalo's API and OAuth servers."""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from bot.config import Settings
from bot.delivery import PermanentDeliveryError, TransientDeliveryError
from bot.channels.zalo import PAYLOAD_PREFIX
from db.channels_repo import load_zalo_token
from handlers.types import Button, Reply
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.zalo_api import FakeZalo, signed, text_event

APP_ID = "360846524940903967"
OA_SECRET = "oa-secret-key-for-tests"
APP_SECRET = "app-secret-for-tests"
USER = "5521772797175877301234567"  # far beyond 2^53


@pytest.fixture
async def zalo_api():
    api = await FakeZalo(app_id=APP_ID, app_secret=APP_SECRET, access_token="access-0", refresh_token="refresh-0").start()
    yield api
    await api.stop()


def settings_for(sqlite_url: str, zalo_api: FakeZalo, **overrides) -> Settings:
    values = dict(database_url=sqlite_url, zalo_app_id=APP_ID, zalo_oa_secret_key=OA_SECRET, zalo_app_secret=APP_SECRET,
                  zalo_access_token="access-0", zalo_refresh_token="refresh-0", zalo_api_base=zalo_api.url,
                  zalo_oauth_base=zalo_api.url)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def service(deps, zalo_api, sqlite_url):
    async with running_service(settings_for(sqlite_url, zalo_api), deps=deps,
                               channel_options={"zalo": {"rate_limit_backoff": (0.05, 0.05)}}) as running:
        yield running


async def post_event(service, event: dict, **sign) -> int:
    raw, headers = signed(APP_ID, OA_SECRET, event, **sign)
    status, _ = await service.post("/zalo/webhook", data=raw, headers=headers)
    return status


async def say(service, zalo_api, user: str, text: str, msg_id: str, replies: int = 1) -> list:
    before = len(zalo_api.delivered(user))
    assert await post_event(service, text_event(user, text, msg_id)) == 200
    await wait_until(lambda: len(zalo_api.delivered(user)) >= before + replies, what="the OA's reply")
    return zalo_api.delivered(user)[before:]


async def test_procedure_question_and_follow_up_in_plain_text(service, zalo_api):
    answer, *more = await say(service, zalo_api, USER, "đăng ký tạm trú cần giấy tờ gì", "m1", replies=2)
    text = answer.message["text"]
    assert text.startswith("Đăng ký tạm trú") and "<b>" not in text and "Giấy tờ" in text
    # Its two cases and the sections: five buttons a message at most, the rest after "Thêm lựa chọn".
    groups = [m.message["attachment"]["payload"]["buttons"] for m in (answer, *more)]
    assert all(len(g) <= 5 for g in groups) and all(m.message["text"].startswith("Thêm lựa chọn") for m in more)
    buttons = [b for g in groups for b in g]
    assert {"title": "💰 Lệ phí", "type": "oa.query.hide", "payload": PAYLOAD_PREFIX + "s:fee:1.004194"} in buttons
    assert answer.access_token == "access-0"

    (follow_up,) = await say(service, zalo_api, USER, "phí bao nhiêu?", "m2")
    assert "Đăng ký tạm trú" in follow_up.message["text"] and "đồng" in follow_up.message["text"]
    assert "Giấy tờ cần chuẩn bị" not in follow_up.message["text"]


async def test_button_payload_comes_back_as_text_and_is_recognised(service, zalo_api):
    user = "7000000000000000001"
    (candidates,) = await say(service, zalo_api, user, "căn cước", "c1")
    buttons = candidates.message["attachment"]["payload"]["buttons"]
    assert len(buttons) >= 2 and all(b["payload"].startswith(PAYLOAD_PREFIX + "p:") for b in buttons)
    assert all(len(b["title"]) <= 100 for b in buttons)
    # The tap on an oa.query.hide button arrives as a user_send_text whose text is the payload.
    (details,) = await say(service, zalo_api, user, buttons[0]["payload"], "c2")
    code = buttons[0]["payload"].removeprefix(PAYLOAD_PREFIX + "p:")
    assert f"Mã thủ tục {code}" in details.message["text"]


async def test_ids_beyond_2_pow_53_stay_exact_strings(service, zalo_api):
    await say(service, zalo_api, USER, "xin chào", "9007199254740993123")
    raw = zalo_api.delivered(USER)[-1].raw
    assert f'"user_id": "{USER}"'.encode() in raw or f'"user_id":"{USER}"'.encode() in raw
    # A numeric id in the event (never sent by Zalo, but possible) is still kept exactly.
    event = text_event("0", "xin chào", "n1")
    raw = json.dumps(event).replace('"id": "0"', f'"id": {USER}').encode()
    timestamp = str(int(time.time() * 1000))
    raw = raw[:-1] + f', "timestamp": "{timestamp}", "app_id": "{APP_ID}"}}'.encode()
    mac = hashlib.sha256(APP_ID.encode() + raw + timestamp.encode() + OA_SECRET.encode()).hexdigest()
    before = len(zalo_api.delivered(USER))
    status, _ = await service.post("/zalo/webhook", data=raw, headers={"X-ZEvent-Signature": f"mac={mac}"})
    assert status == 200
    await wait_until(lambda: len(zalo_api.delivered(USER)) > before, what="the reply to the numeric id")


async def test_follow_gets_a_welcome(service, zalo_api):
    follower = "8123456789012345678"
    event = {"event_name": "follow", "follower": {"id": follower}, "oa_id": "388613280878808645", "source": "oa_profile"}
    assert await post_event(service, event) == 200
    await wait_until(lambda: zalo_api.delivered(follower), what="the welcome")
    assert "Xin chào" in zalo_api.texts(follower)[0]


async def test_forged_unsigned_stale_malformed_and_oversized_events_are_rejected(service, zalo_api):
    user = "6000000000000000006"
    raw, headers = signed(APP_ID, OA_SECRET, text_event(user, "đăng ký khai sinh", "f1"))
    assert (await service.post("/zalo/webhook", data=raw))[0] == 401  # unsigned
    forged = {"X-ZEvent-Signature": "mac=" + hashlib.sha256(raw).hexdigest()}
    assert (await service.post("/zalo/webhook", data=raw, headers=forged))[0] == 401
    wrong_secret_raw, wrong_secret = signed(APP_ID, "not-the-secret", text_event(user, "đăng ký khai sinh", "f2"))
    assert (await service.post("/zalo/webhook", data=wrong_secret_raw, headers=wrong_secret))[0] == 401
    tampered = raw.replace("khai sinh".encode(), "kết hôn".encode())
    assert (await service.post("/zalo/webhook", data=tampered, headers=headers))[0] == 401
    stale_ms = int(time.time() * 1000) - 10 * 60 * 1000
    assert await post_event(service, text_event(user, "đăng ký khai sinh", "f3"), timestamp_ms=stale_ms) == 403
    assert (await service.post("/zalo/webhook", data=b'{"event_name": "user_send_text", ', headers=headers))[0] == 400
    huge = text_event(user, "a" * (1024 * 1024 + 1), "f4")
    assert await post_event(service, huge) == 413
    # Then a genuine event is answered, and it is the only thing that was.
    (answer,) = await say(service, zalo_api, user, "đăng ký khai sinh", "f5")
    assert "khai sinh" in answer.message["text"].lower()
    assert len(zalo_api.sends) == 1


async def test_a_replayed_msg_id_gets_one_reply(service, zalo_api):
    user = "6100000000000000001"
    await say(service, zalo_api, user, "đăng ký khai sinh", "dup-1")
    assert await post_event(service, text_event(user, "đăng ký khai sinh", "dup-1")) == 200  # Zalo's retry
    await say(service, zalo_api, user, "xin chào", "dup-2")
    assert len(zalo_api.delivered(user)) == 2


async def test_oa_echoes_and_other_events_are_ignored(service, zalo_api):
    echo = {"event_name": "oa_send_text", "sender": {"id": "388613280878808645"}, "recipient": {"id": USER},
            "message": {"text": "echo", "msg_id": "e1"}}
    assert await post_event(service, echo) == 200
    seen = {"event_name": "user_seen_message", "sender": {"id": USER}, "message": {"msg_ids": ["x"]}}
    assert await post_event(service, seen) == 200
    await say(service, zalo_api, "6200000000000000002", "xin chào", "after-echo")
    assert zalo_api.delivered(USER) == []


async def test_expired_token_is_refreshed_stored_before_use_and_the_send_retried(service, zalo_api, db):
    zalo_api.expire_access_tokens()
    stored_at_send: list = []

    async def record(token: str) -> None:
        stored_at_send.append((token, await load_zalo_token(db, APP_ID)))

    zalo_api.on_send = record
    (answer,) = await say(service, zalo_api, USER, "xin chào", "t1")
    assert answer.access_token == "access-1"
    assert [r["refresh_token"] for r in zalo_api.refreshes] == ["refresh-0"]
    token, pair = stored_at_send[-1]
    assert token == "access-1" and pair.access_token == "access-1" and pair.refresh_token == "refresh-1"
    assert pair.expires_at is not None
    # Later messages use the stored token; no second refresh.
    await say(service, zalo_api, USER, "cảm ơn", "t2")
    assert len(zalo_api.refreshes) == 1 and zalo_api.delivered(USER)[-1].access_token == "access-1"


async def test_stored_token_pair_wins_over_the_environment_after_a_restart(deps, zalo_api, sqlite_url, db):
    settings = settings_for(sqlite_url, zalo_api)
    async with running_service(settings, deps=deps) as first:
        zalo_api.expire_access_tokens()
        await say(first, zalo_api, USER, "xin chào", "r1")
    assert (await load_zalo_token(db, APP_ID)).refresh_token == "refresh-1"
    async with running_service(settings, deps=deps) as second:  # env still says access-0/refresh-0
        await say(second, zalo_api, USER, "xin chào", "r2")
    assert zalo_api.delivered(USER)[-1].access_token == "access-1"
    assert len(zalo_api.refreshes) == 1


async def test_send_api_errors(service, zalo_api):
    zalo = service.service.channels["zalo"]
    zalo_api.scripted = [-230]
    with pytest.raises(PermanentDeliveryError) as silent:
        await zalo.send(USER, [Reply(text="Nhắc: hồ sơ của bạn đã có kết quả")])
    assert silent.value.code == -230 and "7 days" in silent.value.reason
    assert len(zalo_api.sends) == 1  # not retried

    zalo_api.scripted = [-32, -32]
    await zalo.send(USER, [Reply(text="Thử lại sau giới hạn tốc độ")])
    assert [s.error for s in zalo_api.sends[1:]] == [-32, -32, 0]

    zalo_api.scripted = [-32, -32, -32]
    with pytest.raises(TransientDeliveryError):
        await zalo.send(USER, [Reply(text="Vẫn bị giới hạn")])

    zalo_api.scripted = [-213]
    with pytest.raises(PermanentDeliveryError) as unfollowed:
        await zalo.send(USER, [Reply(text="x")])
    assert unfollowed.value.code == -213


async def test_send_api_splits_text_and_buttons(service, zalo_api):
    zalo = service.service.channels["zalo"]
    text = "\n".join(f"Dòng {n}: giấy tờ cần chuẩn bị cho thủ tục" for n in range(150))
    buttons = tuple(Button(f"Lựa chọn {n} " + "rất dài " * 20, payload=f"p:{n}") for n in range(7))
    await zalo.send("42", [Reply(text=text, buttons=buttons + (Button("Cổng DVC", url="https://dichvucong.gov.vn"),))])
    sent = zalo_api.delivered("42")
    assert all(len(s.message["text"]) <= 2000 for s in sent)
    with_buttons = [s.message["attachment"]["payload"]["buttons"] for s in sent if "attachment" in s.message]
    assert [len(b) for b in with_buttons] == [5, 3]
    assert all(len(b["title"]) <= 100 for group in with_buttons for b in group)
    assert with_buttons[1][-1] == {"title": "Cổng DVC", "type": "oa.open.url", "payload": {"url": "https://dichvucong.gov.vn"}}
    joined = "\n".join(s.message["text"] for s in sent if not s.message["text"].startswith("Thêm lựa chọn"))
    assert joined == text


async def test_refresh_is_done_once_when_many_messages_fail_together(service, zalo_api):
    zalo_api.expire_access_tokens()
    users = [f"63000000000000000{n:02d}" for n in range(6)]
    for n, user in enumerate(users):
        assert await post_event(service, text_event(user, "xin chào", f"many-{n}")) == 200
    await wait_until(lambda: all(zalo_api.delivered(u) for u in users), what="every reply")
    assert len(zalo_api.refreshes) == 1


@pytest.mark.postgres
async def test_two_replicas_on_postgresql_refresh_once_and_claim_once(pg_db, zalo_api):
    """Two clients with their own in-process locks (two replicas) hit -216 together: the row lock
    lets one refresh; the other re-reads the stored pair and uses it."""
    import asyncio

    import aiohttp

    from bot.channels.zalo_api import ZaloClient
    from db.inbox_repo import NewMessage, accept

    settings = settings_for("unused", zalo_api)
    async with aiohttp.ClientSession() as http:
        replicas = [ZaloClient(settings, pg_db, http) for _ in range(2)]
        for replica in replicas:
            await replica.start()
        zalo_api.expire_access_tokens()
        await asyncio.gather(*(r.send_message(USER, {"text": f"từ bản sao {n}"}) for n, r in enumerate(replicas)))
    assert len(zalo_api.refreshes) == 1
    assert {s.access_token for s in zalo_api.delivered(USER)} == {"access-1"}
    assert (await load_zalo_token(pg_db, APP_ID)).refresh_token == "refresh-1"
    same = NewMessage("zalo", "msg:same", USER, {"channel": "zalo", "chat_id": USER})
    claims = await asyncio.gather(*(accept(pg_db, [same]) for _ in range(5)))
    assert sorted(bool(c) for c in claims) == [False, False, False, False, True]


async def test_two_replicas_on_one_sqlite_file_refresh_once(db, sqlite_url, zalo_api):
    """SQLite: two engines on one file (two processes); the single-writer lock serialises them."""
    import asyncio

    import aiohttp

    from bot.channels.zalo_api import ZaloClient
    from db.engine import Database

    other = Database(sqlite_url)
    try:
        settings = settings_for(sqlite_url, zalo_api)
        async with aiohttp.ClientSession() as http:
            replicas = [ZaloClient(settings, database, http) for database in (db, other)]
            for replica in replicas:
                await replica.start()
            zalo_api.expire_access_tokens()
            await asyncio.gather(*(r.send_message(USER, {"text": f"từ bản sao {n}"}) for n, r in enumerate(replicas)))
    finally:
        await other.dispose()
    assert len(zalo_api.refreshes) == 1
    assert {s.access_token for s in zalo_api.delivered(USER)} == {"access-1"}


async def test_token_close_to_expiry_is_refreshed_in_the_background(deps, zalo_api, sqlite_url, db):
    import asyncio
    from datetime import timedelta

    from sqlalchemy import update

    from db.models.base import utcnow
    from db.models.channels import ZaloToken

    settings = settings_for(sqlite_url, zalo_api)
    async with running_service(settings, deps=deps, maintenance_seconds=0.05):
        async with db.transaction() as session:  # the stored token expires within the hour
            await session.execute(update(ZaloToken).values(expires_at=utcnow() + timedelta(minutes=30)))
        await wait_until(lambda: len(zalo_api.refreshes) == 1, what="the proactive refresh")
        for _ in range(200):  # the request has reached Zalo; the new pair is stored once it answers
            pair = await load_zalo_token(db, APP_ID)
            if pair.access_token != "access-0":
                break
            await asyncio.sleep(0.02)
        assert pair.access_token == "access-1" and pair.expires_at > utcnow() + timedelta(hours=20)
        assert len(zalo_api.refreshes) == 1


async def test_a_token_refresh_holds_no_database_write_while_zalo_answers(db, sqlite_url, zalo_api):
    """SQLite: while the OAuth call is in flight, the rest of the service (webhook claims, chat state,
    the outbox) keeps writing."""
    import asyncio

    import aiohttp

    from bot.channels.zalo_api import ZaloClient
    from db.inbox_repo import NewMessage, accept

    settings = settings_for(sqlite_url, zalo_api)
    async with aiohttp.ClientSession() as http:
        client = ZaloClient(settings, db, http)
        await client.start()
        zalo_api.expire_access_tokens()
        zalo_api.hold_oauth = asyncio.Event()
        sending = asyncio.create_task(client.send_message(USER, {"text": "trong lúc làm mới mã"}))
        try:
            await wait_until(lambda: zalo_api.refreshes, what="the refresh at Zalo's OAuth server")
            during = NewMessage("zalo", "msg:during-refresh", USER, {"channel": "zalo", "chat_id": USER})
            assert await asyncio.wait_for(accept(db, [during]), timeout=5)
        finally:
            zalo_api.hold_oauth.set()
        await sending
    assert len(zalo_api.refreshes) == 1
    assert (await load_zalo_token(db, APP_ID)).refresh_token == "refresh-1"


async def test_events_of_the_wrong_shape_get_a_400(service, zalo_api):
    for event in ({"event_name": "user_send_text", "sender": "6400000000000000001", "message": {"text": "x", "msg_id": "s1"}},
                  {"event_name": "user_send_text", "sender": {"id": "6400000000000000001"}, "message": "xin chào"},
                  {"event_name": "follow", "follower": ["x"]}):
        assert await post_event(service, event) == 400
    await say(service, zalo_api, "6400000000000000001", "xin chào", "s2")
    assert len(zalo_api.sends) == 1
