"""The reminder sweep: due soon / due today / overdue digests per official per working day, in
office hours only, escalation to heads, apology drafts, the citizens' day-before notice, and
idempotence (the same day twice plans nothing new; two replicas plan once)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest

from db.apology_repo import apology_for
from db.dossier_repo import get_dossier, set_rescheduled_due
from db.locks import try_lock
from db.outbox_repo import outbox_rows
from db.reminder_repo import reminders_of
from handlers.catalogue import Catalogue
from handlers.deps import Deps
from handlers.reply_json import replies_from_json
from handlers.sweep import LOCK, run_sweep
from knowledge.calendar import PACKAGED_FILE, VN_TZ, WorkingCalendar, parse_calendar_text, read_calendar_file
from tests.chat import Chat
from tests.official_data import (
    COMMUNE,
    DISTRICT,
    DUE_TODAY,
    DUE_TOMORROW,
    NOW,
    OVERDUE_NEW,
    OVERDUE_OLD,
    WARD,
    WARD_OVERDUE,
    dossier,
    official,
    seed,
)


async def three_officials(deps):
    commune = await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    ward = await official(deps.db, WARD, "Đỗ Thị Lan", "telegram", "702")
    head = await official(deps.db, DISTRICT, "Vũ Minh", "telegram", "703", role="head")
    return commune, ward, head


@pytest.fixture
async def ready(deps):
    await seed(deps)
    await three_officials(deps)
    return deps


def digests(rows) -> dict[tuple[str, str], str]:
    return {(r.chat_id, r.kind): replies_from_json(r.replies)[0].render("plain") for r in rows}


async def sweep(deps, at=NOW, **options):
    return await run_sweep(deps.db, deps.calendar, deps.reminders, at, **options)


async def test_one_digest_per_official_per_kind(ready):
    report = await sweep(ready)
    assert (report.digests, report.reminders) == (8, 11)
    rows = [r for r in await outbox_rows(ready.db) if r.kind != "citizen_due_soon"]
    found = digests(rows)
    assert sorted(found) == [("701", "due_soon"), ("701", "due_today"), ("701", "overdue"), ("702", "overdue"),
                             ("703", "due_soon"), ("703", "due_today"), ("703", "escalation"), ("703", "overdue")]
    overdue = found[("701", "overdue")]
    assert "2 hồ sơ QUÁ HẠN" in overdue and OVERDUE_OLD in overdue and OVERDUE_NEW in overdue
    assert f"/xin_loi {OVERDUE_OLD}" in overdue  # the draft the sweep made, before the official
    assert WARD_OVERDUE not in overdue and WARD_OVERDUE in found[("702", "overdue")]
    assert DUE_TODAY in found[("701", "due_today")] and DUE_TOMORROW in found[("701", "due_soon")]
    escalation = found[("703", "escalation")]
    assert "quá hạn hơn 2 ngày làm việc" in escalation and OVERDUE_OLD in escalation
    assert OVERDUE_NEW not in escalation and WARD_OVERDUE not in escalation  # 1 and 2 days: not more than 2
    assert len({r.official_id for r in rows if r.chat_id == "703"}) == 1
    keys = Counter((r.dossier_id, r.official_id, r.kind, r.day) for r in await reminders_of(ready.db))
    assert max(keys.values()) == 1 and len(keys) == 11


async def test_twice_the_same_day_plans_nothing_new(ready):
    first = await sweep(ready)
    assert first.planned == 8
    again = await sweep(ready, NOW + timedelta(hours=3))
    assert (again.digests, again.reminders, again.drafts, again.planned) == (0, 0, 0, 0)
    before = len(await outbox_rows(ready.db))
    tomorrow = await sweep(ready, NOW + timedelta(days=1))  # Thu 12/03: a new working day
    assert tomorrow.digests > 0 and len(await outbox_rows(ready.db)) > before
    assert tomorrow.drafts == 0  # drafts are made once per dossier


@pytest.mark.parametrize("moment, reason", [
    (datetime(2026, 3, 11, 20, 0, tzinfo=VN_TZ), "evening"),
    (datetime(2026, 3, 11, 6, 45, tzinfo=VN_TZ), "before opening"),
    (datetime(2026, 3, 14, 10, 0, tzinfo=VN_TZ), "Saturday"),
    (datetime(2026, 4, 30, 10, 0, tzinfo=VN_TZ), "a public holiday (30/4)"),
])
async def test_quiet_hours_and_holidays_plan_nothing(ready, moment, reason):
    report = await sweep(ready, moment)
    assert report.quiet and report.planned == 0, reason
    assert await outbox_rows(ready.db) == []
    assert report.next_opening.hour == 7 and report.next_opening.minute == 30
    assert ready.calendar.is_working_day(report.next_opening.date())
    assert "Ngoài giờ làm việc" in report.summary()


async def test_ignore_quiet_hours_plans_for_now_on_the_next_working_day(ready):
    saturday = datetime(2026, 3, 14, 22, 0, tzinfo=VN_TZ)
    report = await sweep(ready, saturday, ignore_quiet_hours=True)
    assert report.digests > 0 and not report.quiet
    assert report.day.isoformat() == "2026-03-16"  # counted as Monday's digests
    assert all(r.next_attempt_at <= saturday and r.any_hour for r in await outbox_rows(ready.db))  # no dispatcher holds them
    monday = await sweep(ready, datetime(2026, 3, 16, 9, 0, tzinfo=VN_TZ))
    assert monday.digests == 0  # already sent for that working day


async def test_an_agencys_own_office_hours(deps):
    layer = parse_calendar_text('[office_hours.agencies."000.05.22.H26"]\nmorning = "13:00-15:00"\nafternoon = "15:30-16:30"\n')
    calendar = WorkingCalendar((read_calendar_file(PACKAGED_FILE), layer))
    deps.calendar = calendar
    await seed(deps)
    await three_officials(deps)
    report = await sweep(deps)  # 10:00: the ward's desk opens at 13:00
    assert {r.chat_id for r in await outbox_rows(deps.db)} == {"701", "703"}
    afternoon = await sweep(deps, NOW.replace(hour=14))
    assert afternoon.digests == 1 and report.digests == 7
    assert {r.chat_id for r in await outbox_rows(deps.db)} == {"701", "702", "703"}


async def test_muted_officials_get_no_digest_but_heads_still_get_escalations(ready):
    for chat_id in ("701", "703"):
        await Chat(ready, channel="telegram", chat_id=chat_id, at=NOW).say("/tat_nhac")
    await sweep(ready)
    assert sorted((r.chat_id, r.kind) for r in await outbox_rows(ready.db)) == [("702", "overdue"), ("703", "escalation")]
    await Chat(ready, channel="telegram", chat_id="701", at=NOW).say("/bat_nhac")
    later = await sweep(ready, NOW + timedelta(minutes=10))
    assert later.digests == 3  # the same day, now unmuted: its digests were never planned


async def test_a_muted_agency_still_gets_its_apology_drafts(deps):
    await seed(deps)
    await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    await Chat(deps, channel="telegram", chat_id="701", at=NOW).say("/tat_nhac")
    report = await sweep(deps)
    assert report.digests == 0 and await outbox_rows(deps.db) == []
    assert report.drafts > 0  # muting stops messages, not the letter the citizen is owed
    late = (await get_dossier(deps.db, OVERDUE_OLD)).dossier
    assert (await apology_for(deps.db, late.id)).status == "draft"  # before anyone asks for it
    assert (await sweep(deps, NOW + timedelta(minutes=5))).drafts == 0  # idempotent


async def test_long_digests_are_capped_with_a_count(deps):
    items = [dossier(f"{COMMUNE}-260302-{n:04d}", due="2026-03-10T17:00:00+07:00") for n in range(1, 41)]
    await seed(deps, items)
    await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    report = await sweep(deps)
    assert report.reminders == 40
    (row,) = await outbox_rows(deps.db)
    text = replies_from_json(row.replies)[0].render("plain")
    assert "40 hồ sơ QUÁ HẠN" in text and "… và 25 hồ sơ khác: /tre_han" in text
    assert text.count("• ") == 15 and len(text) < 4096


async def test_the_citizen_hears_the_working_day_before_the_due_date(ready):
    chat = Chat(ready, channel="zalo", chat_id="9000000000000000004", at=NOW)
    await chat.say(f"/theo_doi {DUE_TOMORROW}")
    button = chat.button("Theo dõi")
    await chat.say("0004")
    await chat.press(button.payload)
    report = await sweep(ready)
    assert report.citizen_notices == 1
    (row,) = await outbox_rows(ready.db, kind="citizen_due_soon")
    text = replies_from_json(row.replies)[0].render("plain")
    assert "sắp đến hạn" in text and "17:00 12/03/2026" in text and row.chat_id == chat.chat_id
    assert (await sweep(ready, NOW + timedelta(hours=2))).citizen_notices == 0


async def test_without_officials_nothing_is_selected(deps):
    await seed(deps)
    report = await sweep(deps)
    assert (report.selected, report.planned) == (0, 0)


@pytest.mark.postgres
async def test_postgres_advisory_lock_lets_one_sweep_plan(pg_db, bundled_index):
    deps = Deps(db=pg_db, catalogue=Catalogue(bundled_index))
    await seed(deps)
    await three_officials(deps)
    async with try_lock(pg_db, LOCK) as mine:
        assert mine
        assert (await sweep(deps)).locked_out  # another replica holds it
    reports = await asyncio.gather(*(sweep(deps) for _ in range(4)))
    assert sum(r.digests for r in reports) == 8
    rows = await outbox_rows(pg_db)
    assert len({r.dedupe_key for r in rows}) == len(rows) == 8
    assert (await sweep(deps)).planned == 0


async def test_a_new_appointment_is_reminded_on_its_own_date(ready):
    # OVERDUE_NEW was due Tue 10/03; its apology letter set a new appointment: Thu 12/03 17:00.
    await set_rescheduled_due(ready.db, OVERDUE_NEW, datetime(2026, 3, 12, 17, 0, tzinfo=VN_TZ), "Chờ xác minh")
    chat = Chat(ready, channel="zalo", chat_id="9000000000000000002", at=NOW)
    await chat.say(f"/theo_doi {OVERDUE_NEW}")
    button = chat.button("Theo dõi")
    await chat.say("0002")
    await chat.press(button.payload)
    await sweep(ready)
    found = digests(r for r in await outbox_rows(ready.db) if r.kind != "citizen_due_soon")
    assert OVERDUE_NEW not in found[("701", "overdue")]  # not late against the date now promised
    soon = found[("701", "due_soon")]
    assert OVERDUE_NEW in soon and "hẹn lại 12/03" in soon
    (notice,) = await outbox_rows(ready.db, kind="citizen_due_soon")  # the citizen hears the day before it
    text = replies_from_json(notice.replies)[0].render("plain")
    assert OVERDUE_NEW in text and "ngày hẹn lại trả kết quả 17:00 12/03/2026" in text

    officer = Chat(ready, channel="telegram", chat_id="701", at=NOW)
    await officer.say("/tre_han")
    assert OVERDUE_NEW not in officer.text and OVERDUE_OLD in officer.text
    await officer.say("/sap_den_han")
    assert OVERDUE_NEW in officer.text and "đã hẹn lại 17:00 12/03/2026" in officer.text
