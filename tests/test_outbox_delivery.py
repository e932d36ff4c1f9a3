"""The outbox through the real service and the fake Telegram and Zalo servers: delivered once,
retried on transient failures (a 429's retry_after honoured), failed with the reason on permanent
ones and then offered to the official's other linked chat, a dead dispatcher's claim taken over
after the lease, the backlog gauge in /metrics."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from bot.config import Settings
from bot.outbox import OutboxDispatcher
from bot.scheduler import DISPATCHER
from db.models.base import utcnow
from db.officials_repo import create_invite, redeem_invite, revoke_official
from db.models.outbox import OutboxMessage
from db.outbox_repo import Planned, claim, enqueue, mark_retry, mark_sent, outbox_rows
from handlers.reply_json import replies_to_json
from handlers.types import Button, Reply
from knowledge.calendar import VN_TZ
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.zalo_api import FakeZalo
from tests.official_data import COMMUNE, WARD, official

ZALO_USER = "8123456789012345678"


@pytest.fixture
async def zalo_api():
    api = await FakeZalo(app_id="1", app_secret="a", access_token="t0", refresh_token="r0").start()
    yield api
    await api.stop()


def settings_for(sqlite_url: str, bot_api: FakeBotApi, zalo_api: FakeZalo | None = None, **overrides) -> Settings:
    values = dict(database_url=sqlite_url, telegram_token="1:T", telegram_base_url=bot_api.base_url,
                  telegram_webhook_secret="s3cret", outbox_poll_seconds=0.05, outbox_backoff_seconds=0.2,
                  outbox_per_chat_seconds=0.0, outbox_lease_seconds=2.0, reminder_sweep_seconds=0,
                  notify_poll_seconds=30)
    if zalo_api is not None:
        values.update(zalo_app_id="1", zalo_oa_secret_key="k", zalo_app_secret="a", zalo_access_token="t0",
                      zalo_refresh_token="r0", zalo_api_base=zalo_api.url, zalo_oauth_base=zalo_api.url)
    values.update(overrides)
    return Settings(**values)


def message(key: str, channel: str, chat_id: str, text: str, **extra) -> Planned:
    reply = Reply(text=text, buttons=(Button("Chi tiết", payload="p:1.001193"),))
    return Planned(key, "test", channel, chat_id, replies_to_json([reply]), **extra)


async def row(db, key: str):
    return next((r for r in await outbox_rows(db) if r.dedupe_key == key), None)


async def settled(db, key: str, status: str = "sent") -> None:
    """Wait for the dispatcher (in the background of the service) to settle the row."""
    for _ in range(400):
        found = await row(db, key)
        if found is not None and found.status == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{key} never became {status}: {found.status if found else 'not planned'}")


async def test_planned_messages_are_delivered_once_in_order(deps, bot_api, sqlite_url):
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps):
        planned = [message(f"m{n}", "telegram", "42", f"Tin số {n} <b>") for n in range(5)]
        assert await enqueue(deps.db, planned) == 5
        assert await enqueue(deps.db, planned) == 0  # the same keys again: nothing new
        await wait_until(lambda: len(bot_api.sent("42")) == 5, what="five messages")
        await settled(deps.db, "m4")
    assert bot_api.texts("42") == [f"Tin số {n} &lt;b&gt;" for n in range(5)]  # in order, escaped
    assert all(r.status == "sent" and r.attempts == 1 for r in await outbox_rows(deps.db))


async def test_a_429_is_retried_after_retry_after(deps, bot_api, sqlite_url):
    # PTB's limiter retries a 429 three times itself; after that the outbox takes over.
    bot_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=4)
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps, channel_options={"telegram": {"max_wait": 0}}):
        await enqueue(deps.db, [message("r1", "telegram", "43", "Nhắc việc")])
        await settled(deps.db, "r1")
    delivered = await row(deps.db, "r1")
    assert delivered.attempts == 2
    calls = [c.params.get("_failed") for c in bot_api.calls if c.method == "sendMessage"]
    assert calls == [429, 429, 429, 429, None]
    assert bot_api.texts("43") == ["Nhắc việc"]


async def test_transient_errors_back_off_then_give_up(deps, bot_api, sqlite_url):
    bot_api.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    async with running_service(settings_for(sqlite_url, bot_api, outbox_max_attempts=3), deps=deps):
        await enqueue(deps.db, [message("t1", "telegram", "44", "Lần ba")])
        await settled(deps.db, "t1")
        assert (await row(deps.db, "t1")).attempts == 3
        bot_api.fail_next("sendMessage", 502, "Bad Gateway", times=3)
        await enqueue(deps.db, [message("t2", "telegram", "45", "Không tới")])
        await settled(deps.db, "t2", "failed")
    failed = await row(deps.db, "t2")
    assert failed.attempts == 3 and "gave up after 3 attempts" in failed.last_error and "Bad Gateway" in failed.last_error


async def test_blocked_on_telegram_falls_back_to_the_officials_zalo(deps, bot_api, zalo_api, sqlite_url):
    o = await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "46")
    second = await create_invite(deps.db, agency_code=COMMUNE, name="Lê Văn Hùng")
    await redeem_invite(deps.db, second.code, "zalo", ZALO_USER)
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    async with running_service(settings_for(sqlite_url, bot_api, zalo_api), deps=deps):
        await enqueue(deps.db, [message("digest:x", "telegram", "46", "Nhắc việc hôm nay", official_id=o.id)])
        await wait_until(lambda: zalo_api.texts(ZALO_USER), what="the message on Zalo")
        await settled(deps.db, f"digest:x>zalo:{ZALO_USER}")
    first, fallback = await outbox_rows(deps.db)
    assert first.status == "failed" and "blocked" in first.last_error and first.attempts == 1
    assert (fallback.channel, fallback.chat_id, fallback.fallback_of, fallback.status) == ("zalo", ZALO_USER, first.id, "sent")
    assert zalo_api.texts(ZALO_USER) == ["Nhắc việc hôm nay"]
    buttons = zalo_api.delivered(ZALO_USER)[0].message["attachment"]["payload"]["buttons"]
    assert buttons[0]["title"] == "Chi tiết"


async def test_zalo_window_closed_is_failed_with_the_reason(deps, bot_api, zalo_api, sqlite_url):
    o = await official(deps.db, COMMUNE, "Lê Văn Hùng", "zalo", ZALO_USER)
    second = await create_invite(deps.db, agency_code=COMMUNE, name="Lê Văn Hùng")
    await redeem_invite(deps.db, second.code, "telegram", "47")
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    zalo_api.scripted = [-230, -230]
    async with running_service(settings_for(sqlite_url, bot_api, zalo_api), deps=deps):
        # a citizen on Zalo, silent for more than 7 days: failed, no other chat to try
        await enqueue(deps.db, [message("status:1", "zalo", "555", "Hồ sơ đã có kết quả")])
        await settled(deps.db, "status:1", "failed")
        # an official: Telegram blocked, then Zalo -230: both recorded, nothing else to try
        await enqueue(deps.db, [message("digest:y", "telegram", "47", "Nhắc", official_id=o.id)])
        await settled(deps.db, f"digest:y>zalo:{ZALO_USER}", "failed")
    rows = {r.dedupe_key: r for r in await outbox_rows(deps.db)}
    assert "-230" in rows["status:1"].last_error and "7 days" in rows["status:1"].last_error
    assert "blocked" in rows["digest:y"].last_error and "-230" in rows[f"digest:y>zalo:{ZALO_USER}"].last_error
    assert len(rows) == 3  # no endless fallbacks


async def test_a_claim_left_by_a_dead_dispatcher_is_taken_over_after_the_lease(deps, bot_api, sqlite_url):
    await enqueue(deps.db, [message("lost", "telegram", "48", "Tin bị treo")])
    (claimed,) = await claim(deps.db, limit=10, lease=timedelta(seconds=1), token="dead-process")
    assert claimed.status == "sending"
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps):
        await settled(deps.db, "lost")
    assert bot_api.texts("48") == ["Tin bị treo"]
    assert (await row(deps.db, "lost")).attempts == 2


async def test_the_backlog_gauge(deps, bot_api, sqlite_url):
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps) as service:
        later = utcnow() + timedelta(hours=1)
        await enqueue(deps.db, [message(f"b{n}", "telegram", "49", "Sau", not_before=later) for n in range(3)])

        async def gauge() -> float:
            _, body = await service.get("/metrics")
            return float(re.search(r"motcua_outbox_backlog ([0-9.]+)", body).group(1))

        for _ in range(100):
            if await gauge() == 3.0:
                break
            await asyncio.sleep(0.05)
        assert await gauge() == 3.0
    assert bot_api.texts("49") == []  # not due yet


async def metric(service, name: str, **labels: str) -> float:
    _, body = await service.get("/metrics")
    where = ",".join(f'{k}="{v}"' for k, v in labels.items())
    found = re.search(rf"^{name}{{{where}}} ([0-9.]+)$", body, re.M)
    return float(found.group(1)) if found else 0.0


async def test_a_long_send_keeps_its_lease_and_is_not_sent_twice(deps, bot_api, sqlite_url):
    # The Bot API holds the message 2.5 s (as a 429's retry_after honoured inside one send would);
    # the lease is 1 s and a second dispatcher (another replica) polls all the while.
    bot_api.delay["sendMessage"] = 2.5
    async with running_service(settings_for(sqlite_url, bot_api, outbox_lease_seconds=1.0), deps=deps) as service:
        replica = OutboxDispatcher(deps.db, service.service.channels, lease=1.0, per_chat_interval=0.0)
        stop = asyncio.Event()
        polling = asyncio.create_task(replica.run(stop, poll=0.05))
        try:
            await enqueue(deps.db, [message("slow", "telegram", "50", "Tin gửi lâu")])
            await settled(deps.db, "slow")
            await asyncio.sleep(1.5)  # the replica keeps polling: nothing is claimed again
        finally:
            stop.set()
            await polling
    assert len([c for c in bot_api.calls if c.method == "sendMessage"]) == 1
    assert bot_api.texts("50") == ["Tin gửi lâu"]
    assert (await row(deps.db, "slow")).attempts == 1


async def test_a_row_taken_over_in_flight_is_abandoned_and_not_counted_as_sent(deps, bot_api, sqlite_url):
    bot_api.delay["sendMessage"] = 3.0
    async with running_service(settings_for(sqlite_url, bot_api, outbox_lease_seconds=1.0), deps=deps) as service:
        await enqueue(deps.db, [message("taken", "telegram", "51", "Tin bị giành")])
        await wait_until(lambda: bot_api.called("sendMessage"), what="the message in flight")
        async with deps.db.transaction() as session:  # its lease ran out and another dispatcher claimed it
            await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == "taken")
                                  .values(claim_token="another-dispatcher", lease_until=utcnow() + timedelta(hours=1)))
        await asyncio.sleep(3.5)  # past the moment the held message would have been answered
        assert await metric(service, "motcua_outbox_messages_total", channel="telegram", outcome="sent") == 0
    taken = await row(deps.db, "taken")
    assert (taken.status, taken.claim_token) == ("sending", "another-dispatcher")  # the new owner's, untouched


async def test_a_chats_messages_stay_in_order_after_a_transient_failure(deps, bot_api, sqlite_url):
    bot_api.fail_next("sendMessage", 502, "Bad Gateway")  # the first message fails once
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps):
        await enqueue(deps.db, [message(f"o{n}", "telegram", "52", f"Tin {n}") for n in (1, 2, 3)])
        await settled(deps.db, "o3")
        await settled(deps.db, "o1")
    assert bot_api.texts("52") == ["Tin 1", "Tin 2", "Tin 3"]


async def _one_chat_one_claimer(db) -> None:
    await enqueue(db, [message("a1", "telegram", "A", "1"), message("a2", "telegram", "A", "2"),
                       message("b1", "telegram", "B", "1")])
    first = await claim(db, limit=10, lease=timedelta(minutes=2), token="replica-1")
    assert sorted(r.dedupe_key for r in first) == ["a1", "b1"]  # only the oldest open row of each chat
    assert await claim(db, limit=10, lease=timedelta(minutes=2), token="replica-2") == []  # a2 waits for a1
    a1 = next(r for r in first if r.dedupe_key == "a1")
    await mark_retry(db, a1.id, "replica-1", "transient", utcnow() + timedelta(hours=1))
    assert await claim(db, limit=10, lease=timedelta(minutes=2), token="replica-2") == []  # still waits: a1 is not sent
    async with db.transaction() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == a1.id).values(next_attempt_at=utcnow()))
    (again,) = await claim(db, limit=10, lease=timedelta(minutes=2), token="replica-2")
    assert again.dedupe_key == "a1"
    assert await mark_sent(db, again.id, "replica-2")
    (then,) = await claim(db, limit=10, lease=timedelta(minutes=2), token="replica-1")
    assert then.dedupe_key == "a2"


async def test_one_chat_is_claimed_one_row_at_a_time(db):
    await _one_chat_one_claimer(db)


@pytest.mark.postgres
async def test_one_chat_is_claimed_one_row_at_a_time_on_postgres(pg_db):
    await _one_chat_one_claimer(pg_db)


async def _held_for_later_does_not_block(db) -> None:
    """A rating question held for the morning does not hold back the chat's news due now."""
    night = datetime(2026, 3, 11, 23, 0, tzinfo=VN_TZ)
    morning = datetime(2026, 3, 12, 7, 0, tzinfo=VN_TZ)
    await enqueue(db, [message("rating:A", "telegram", "A", "Bạn có hài lòng?", not_before=morning),
                       message("status:B", "telegram", "A", "Hồ sơ B: đã có kết quả")], now=night)
    (first,) = await claim(db, limit=10, lease=timedelta(minutes=2), token="replica-1", now=night)
    assert first.dedupe_key == "status:B"
    assert await mark_sent(db, first.id, "replica-1")
    assert await claim(db, limit=10, lease=timedelta(minutes=2), token="replica-1", now=night) == []
    (later,) = await claim(db, limit=10, lease=timedelta(minutes=2), token="replica-1", now=morning)
    assert later.dedupe_key == "rating:A"


async def test_a_row_held_for_later_does_not_block_its_chat(db):
    await _held_for_later_does_not_block(db)


@pytest.mark.postgres
async def test_a_row_held_for_later_does_not_block_its_chat_on_postgres(pg_db):
    await _held_for_later_does_not_block(pg_db)


async def test_a_long_message_failing_on_its_second_part_is_not_sent_again_from_the_start(deps, bot_api, sqlite_url):
    lines = [f"Dòng {n:04d}: hồ sơ quá hạn cần xử lý ngay trong hôm nay" for n in range(80)]  # over 4,096: two parts

    def second_part_fails_once(call) -> None:
        if call.method == "sendMessage" and len(bot_api.called("sendMessage")) == 2:
            bot_api.fail_next("sendMessage", 502, "Bad Gateway")

    bot_api.listener = second_part_fails_once
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps):
        await enqueue(deps.db, [message("long", "telegram", "53", "\n".join(lines))])
        await settled(deps.db, "long")
    delivered = bot_api.texts("53")
    assert len(delivered) == 2 and delivered[0].startswith("Dòng 0000") and delivered[1].endswith("hôm nay")
    assert "\n".join(delivered).count("Dòng 0000") == 1  # the first part once
    done = await row(deps.db, "long")
    assert (done.attempts, done.parts_sent) == (2, 1)


async def test_on_zalo_too_a_retry_sends_only_the_parts_not_delivered(deps, bot_api, zalo_api, sqlite_url):
    lines = [f"Dòng {n:03d}: kết quả giải quyết hồ sơ của bạn" for n in range(60)]  # over Zalo's 2,000: two parts
    zalo_api.scripted = [0, -999]  # the first part accepted, the second refused once (an unknown, transient error)
    async with running_service(settings_for(sqlite_url, bot_api, zalo_api), deps=deps):
        await enqueue(deps.db, [message("zlong", "zalo", ZALO_USER, "\n".join(lines))])
        await settled(deps.db, "zlong")
    delivered = zalo_api.texts(ZALO_USER)
    assert len(delivered) == 2 and "\n".join(delivered).count("Dòng 000") == 1


async def test_a_revoked_officials_queued_message_never_reaches_the_chat_now_someone_elses(deps, bot_api, sqlite_url):
    revoked = await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "61")
    await enqueue(deps.db, [message("digest:revoked", "telegram", "61", "Hồ sơ 000.31.22.H26-260223-0001 quá hạn",
                                    official_id=revoked.id)])
    assert await revoke_official(deps.db, revoked.id)
    await official(deps.db, WARD, "Đỗ Thị Lan", "telegram", "61")  # the same Telegram chat, another agency
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps):
        await settled(deps.db, "digest:revoked", "failed")
    assert bot_api.texts("61") == []
    (failed,) = await outbox_rows(deps.db)
    assert "unlinked" in failed.last_error


async def test_a_message_whose_chat_moved_to_another_official_goes_to_the_officials_other_chat(
        deps, bot_api, zalo_api, sqlite_url):
    o = await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "62")
    second = await create_invite(deps.db, agency_code=COMMUNE, name="Lê Văn Hùng")
    await redeem_invite(deps.db, second.code, "zalo", ZALO_USER)
    await enqueue(deps.db, [message("digest:moved", "telegram", "62", "Nhắc việc", official_id=o.id)])
    await official(deps.db, WARD, "Đỗ Thị Lan", "telegram", "62")  # the Telegram chat now links someone else
    async with running_service(settings_for(sqlite_url, bot_api, zalo_api), deps=deps):
        await settled(deps.db, f"digest:moved>zalo:{ZALO_USER}")
    assert bot_api.texts("62") == [] and zalo_api.texts(ZALO_USER) == ["Nhắc việc"]
    assert "unlinked" in (await row(deps.db, "digest:moved")).last_error


async def until_row(db, key: str, check) -> object:
    for _ in range(200):
        found = await row(db, key)
        if found is not None and check(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{key}: {found.status if found else 'not planned'}, next {found.next_attempt_at if found else '-'}")


async def test_citizens_quiet_hours_hold_for_retries_and_rows_claimed_at_night(deps, bot_api, sqlite_url):
    morning = datetime(2026, 3, 12, 7, 0, tzinfo=VN_TZ)
    clock = [datetime(2026, 3, 11, 20, 59, 59, 900_000, tzinfo=VN_TZ)]
    notice = lambda key, chat: Planned(key, "rating", "telegram", chat,  # noqa: E731
                                       replies_to_json([Reply(text=f"Hồ sơ {key}: bạn có hài lòng?")]))
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps) as service:
        service.server.app[DISPATCHER].clock = lambda: clock[0]
        # A notice failing at 20:59:59.9: its retry (0.2 s later) would fall in the night.
        bot_api.fail_next("sendMessage", 502, "Bad Gateway")
        await enqueue(deps.db, [notice("rating:1:telegram:54", "54")], now=clock[0])
        retried = await until_row(deps.db, "rating:1:telegram:54", lambda r: r.attempts == 1 and r.status == "planned")
        assert retried.next_attempt_at == morning
        # A notice claimed at 23:00 (a backlog; a row planned without a time): not sent, not an attempt.
        clock[0] = datetime(2026, 3, 11, 23, 0, tzinfo=VN_TZ)
        await enqueue(deps.db, [notice("rating:2:telegram:55", "55")], now=clock[0])
        deferred = await until_row(deps.db, "rating:2:telegram:55", lambda r: r.next_attempt_at == morning)
        assert (deferred.status, deferred.attempts) == ("planned", 0)
        # The news of the citizen's own dossier is not held back.
        await enqueue(deps.db, [Planned("status:3:telegram:56", "status", "telegram", "56",
                                        replies_to_json([Reply(text="Hồ sơ: đã có kết quả")]))], now=clock[0])
        await settled(deps.db, "status:3:telegram:56")
        assert bot_api.texts("54") == [] and bot_api.texts("55") == [] and len(bot_api.texts("56")) == 1
        clock[0] = morning
        await settled(deps.db, "rating:1:telegram:54")
        await settled(deps.db, "rating:2:telegram:55")
    assert len(bot_api.texts("54")) == 1 and len(bot_api.texts("55")) == 1


async def test_a_message_planned_for_any_hour_goes_at_night_the_others_wait_for_office_hours(deps, bot_api, sqlite_url):
    """``motcua reminders sweep --ignore-quiet-hours`` plans for now; a ``motcua run`` whose own
    settings keep quiet hours still delivers it at once (and holds back what was planned normally)."""
    saturday_night = datetime(2026, 3, 14, 22, 0, tzinfo=VN_TZ)
    o = await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "63")
    other = await official(deps.db, COMMUNE, "Đỗ Thị Lan", "telegram", "64")
    digest = lambda key, chat, oid, **extra: Planned(key, "overdue", "telegram", chat,  # noqa: E731
                                                     replies_to_json([Reply(text=f"Nhắc việc {key}")]), official_id=oid,
                                                     **extra)
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps) as service:
        service.server.app[DISPATCHER].clock = lambda: saturday_night
        await enqueue(deps.db, [digest("digest:pushed", "63", o.id, any_hour=True), digest("digest:normal", "64", other.id)],
                      now=saturday_night)
        await settled(deps.db, "digest:pushed")
        held = await until_row(deps.db, "digest:normal", lambda r: r.next_attempt_at > saturday_night)
    assert bot_api.texts("63") == ["Nhắc việc digest:pushed"] and bot_api.texts("64") == []
    assert (held.status, held.attempts) == ("planned", 0) and held.next_attempt_at.astimezone(VN_TZ).weekday() == 0
