"""The inbox on real SQLite and PostgreSQL: accepting is the dedupe claim, a burst is grouped into
few transactions, claims keep each chat's order and leases, replicas claim each row once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.service import Service
from db.engine import Database
from db.inbox_repo import (
    Claim,
    Finished,
    NewMessage,
    accept,
    accept_claiming,
    claim,
    finish,
    finish_claiming,
    forget_done_before,
    give_back,
    inbox_rows,
)
from db.models.base import utcnow
from db.outbox_repo import Planned, enqueue, outbox_rows


def message(channel: str, key: str, chat: str = "c1") -> NewMessage:
    return NewMessage(channel, key, chat, {"channel": channel, "chat_id": chat, "text": key})


LEASE = timedelta(seconds=30)


async def test_accepting_twice_stores_once_per_channel_and_answered_rows_are_forgotten_later(db):
    assert await accept(db, [message("telegram", "1")]) == {("telegram", "1")}
    assert await accept(db, [message("telegram", "1")]) == set()  # the platform's retry
    assert await accept(db, [message("zalo", "1")]) == {("zalo", "1")}  # per channel
    (row, _) = await claim(db, limit=10, lease=LEASE, token="t")
    assert await finish(db, [Finished(row.id, "t")]) == [True]
    assert await forget_done_before(db, utcnow() - timedelta(days=1)) == 0
    assert await forget_done_before(db, utcnow() + timedelta(seconds=1)) == 1  # the answered one, not the open one
    assert [r.channel for r in await inbox_rows(db)] == ["zalo"]


async def test_accepting_claims_at_once_only_a_chats_first_open_message_and_settling_claims_its_reply(db):
    await accept(db, [message("telegram", "a0", "A")])  # A has a message waiting already
    new, claimed = await accept_claiming(
        db, [message("telegram", k, chat) for k, chat in (("a1", "A"), ("b0", "B"), ("b1", "B"), ("c0", "C"))],
        Claim("t1", LEASE, limit=5))
    assert new == {("telegram", k) for k in ("a1", "b0", "b1", "c0")}
    assert [r.event_key for r in claimed] == ["b0", "c0"]  # a1 waits for a0, b1 for b0
    assert {r.claim_token for r in claimed} == {"t1"}
    _, none = await accept_claiming(db, [message("telegram", "d0", "D")], Claim("t2", LEASE, limit=0))
    assert none == []  # no free slot: left for the worker's round
    b0, c0 = claimed
    # An earlier reply to C still waits for its retry: C's new reply must not overtake it.
    await enqueue(db, [Planned("reply:telegram:old", "reply", "telegram", "C", [{"text": "old"}], any_hour=True)])
    replies = [Planned(f"reply:telegram:{r.event_key}", "reply", r.channel, r.chat_id, [{"text": "ok"}], any_hour=True)
               for r in (b0, c0)]
    done, sending = await finish_claiming(db, [Finished(b0.id, "t1", planned=[replies[0]]),
                                               Finished(c0.id, "t1", planned=[replies[1]])], Claim("s", LEASE))
    assert done == [True, True]
    assert [(r.dedupe_key, r.status, r.claim_token) for r in sending] == [("reply:telegram:b0", "sending", "s")]
    assert {r.dedupe_key: r.status for r in await outbox_rows(db)} == {
        "reply:telegram:old": "planned", "reply:telegram:b0": "sending", "reply:telegram:c0": "planned"}


async def test_a_burst_is_grouped_and_each_event_stored_once(deps):
    service = Service(Settings(database_url="sqlite://"), deps)
    from bot.channels.base import Accepted
    from handlers import Incoming

    burst = [Accepted(Incoming("telegram", str(n % 40), text="x"), str(n % 40)) for n in range(200)]
    burst.append(Accepted(Incoming("zalo", "0", text="x"), "0"))
    counts = await asyncio.gather(*(service.pipeline.accept([m]) for m in burst))
    assert sum(counts) == 41
    assert len(await inbox_rows(db := deps.db)) == 41
    assert await service.pipeline.accept([burst[7]]) == 0
    assert await service.pipeline.accept([Accepted(Incoming("telegram", "9", text="x"), "new")]) == 1
    assert len(await inbox_rows(db)) == 42


async def test_claims_keep_each_chats_order_and_a_lapsed_lease_is_claimed_again(db):
    await accept(db, [message("telegram", f"a{n}", "A") for n in range(3)] + [message("telegram", "b0", "B")])
    first = await claim(db, limit=10, lease=LEASE, token="t1")
    assert [r.event_key for r in first] == ["a0", "b0"]  # one row per chat: the oldest
    assert await claim(db, limit=10, lease=LEASE, token="t2") == []  # A waits for a0
    a0 = first[0]
    planned = Planned("reply:telegram:a0", "reply", "telegram", "A", [{"text": "ok"}], any_hour=True)
    assert await finish(db, [Finished(a0.id, "t1", planned=[planned])]) == [True]
    assert [r.dedupe_key for r in await outbox_rows(db)] == ["reply:telegram:a0"]  # planned with "done"
    (a1,) = await claim(db, limit=10, lease=LEASE, token="t3")
    assert a1.event_key == "a1"
    # A worker that died: its lease runs out and another claims the row again.
    later = utcnow() + LEASE + timedelta(seconds=1)
    again = await claim(db, limit=10, lease=LEASE, token="t4", now=later)
    assert sorted(r.event_key for r in again) == ["a1", "b0"]
    assert {r.attempts for r in again} == {2}
    # The dead worker's late settling changes nothing, and plans nothing.
    late = Planned("reply:telegram:a1", "reply", "telegram", "A", [{"text": "late"}], any_hour=True)
    assert await finish(db, [Finished(a1.id, "t3", planned=[late])]) == [False]
    assert len(await outbox_rows(db)) == 1
    b0 = next(r for r in again if r.event_key == "b0")
    assert await give_back(db, b0.id, "t4", "boom") is True
    assert [r.event_key for r in await claim(db, limit=10, lease=LEASE, token="t5", now=later)] == ["b0"]


async def _two_workers_claim_each_row_once(db: Database, other: Database) -> None:
    await accept(db, [message("telegram", f"{chat}-{n}", str(chat)) for n in range(5) for chat in range(40)])
    answered: list[tuple[str, int]] = []

    async def worker(database: Database, name: int) -> None:
        while True:
            token = uuid.uuid4().hex
            rows = await claim(database, limit=7, lease=LEASE, token=token)
            if not rows:
                if len(answered) >= 200:
                    return
                await asyncio.sleep(0.01)
                continue
            for row in rows:
                answered.append((row.event_key, name))
            await finish(database, [Finished(r.id, token) for r in rows])

    await asyncio.wait_for(asyncio.gather(worker(db, 1), worker(other, 2)), timeout=60)
    keys = [k for k, _ in answered]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 200  # each row once
    for chat in range(40):  # in order within each chat
        assert [k for k in keys if k.startswith(f"{chat}-")] == [f"{chat}-{n}" for n in range(5)]
    assert {name for _, name in answered} == {1, 2}


@pytest.mark.postgres
async def test_two_replicas_on_postgresql_claim_each_row_once_in_order(pg_db, postgres_url):
    other = Database(postgres_url)
    try:
        await _two_workers_claim_each_row_once(pg_db, other)
    finally:
        await other.dispose()


async def test_two_processes_on_one_sqlite_file_claim_each_row_once_in_order(db, sqlite_url):
    other = Database(sqlite_url)
    try:
        await _two_workers_claim_each_row_once(db, other)
    finally:
        await other.dispose()
