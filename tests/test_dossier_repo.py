"""The dossier repository on real SQLite and PostgreSQL: upsert by code, history and the status
hook, the sweep's queries, the apology letter's date set only once."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from db.dossier_repo import (
    AlreadyRescheduled,
    DossierBatchError,
    dossiers_due_between,
    find_dossier,
    get_dossier,
    on_status_change,
    overdue_by_agency,
    overdue_dossiers,
    set_rescheduled_due,
    status_events_since,
    upsert_dossiers,
)
from knowledge.calendar import VN_TZ, default_calendar
from knowledge.catalogue.bundled import load_bundled
from knowledge.dossiers.code import parse_code
from knowledge.dossiers.schema import DossierIn
from tests.dossier_data import dossier

CAL = default_calendar()
PROCEDURES = {p.code: p for p in load_bundled()}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request):
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


async def put(db, *items, **kwargs):
    return await upsert_dossiers(db, [DossierIn.model_validate(i) for i in items], calendar=CAL,
                                 procedures=PROCEDURES.get, source="test", **kwargs)


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


async def test_upsert_is_idempotent_and_a_status_change_is_recorded_once(store):
    seen = []

    async def listener(change):
        seen.append(change)

    unsubscribe = on_status_change(listener)
    try:
        first = await put(store, dossier())
        assert (first.created, first.history_added, len(first.changes)) == (1, 3, 1)
        again = await put(store, dossier())
        assert (again.unchanged, again.history_added, again.changes) == (1, 0, [])
        moved = await put(store, dossier(status="Đã xử lý xong", status_history=[]))
        assert moved.updated == 1 and moved.history_added == 1
        same = await put(store, dossier(status=9, status_history=[]))
        assert same.history_added == 0 and same.changes == []
    finally:
        unsubscribe()
    assert [(c.old_status, c.new_status) for c in seen] == [(None, 4), (4, 9)]
    record = await get_dossier(store, "000.00.22.h26 - 260302 - 0001")
    assert [e.status for e in record.history] == [2, 5, 4, 9]
    assert record.dossier.due_at == vn(2026, 3, 12, 17) and record.dossier.finished_at is not None
    events = await status_events_since(store)
    assert [e.status for e in events] == [2, 5, 4, 9]
    assert await status_events_since(store, events[-1].id) == []


async def test_a_batch_with_an_impossible_history_applies_nothing(store):
    bad = dossier(code="000.00.22.H26-260302-0002",
                  status_history=[{"status": 5, "at": "2026-03-01T09:00:00+07:00"}])  # paused before receipt
    with pytest.raises(DossierBatchError) as caught:
        await put(store, dossier(), bad)
    assert caught.value.errors[0]["index"] == 1 and caught.value.errors[0]["field"] == "status_history"
    assert await get_dossier(store, dossier()["code"]) is None


async def test_a_short_local_form_finds_the_full_code(store):
    await put(store, dossier())
    found = await find_dossier(store, parse_code("H26.22-260302-0001"))
    assert found is not None and found.dossier.code == "000.00.22.H26-260302-0001"
    assert await find_dossier(store, parse_code("H26.23-260302-0001")) is None


async def test_due_between_and_overdue_by_agency(store):
    items = []
    for i, (agency, due_day) in enumerate([
        ("000.00.22.H26", 10), ("000.00.22.H26", 11), ("000.31.22.H26", 11), ("000.00.12.H27", 12),
    ]):
        items.append(dossier(
            code=f"{agency}-260302-{i:04d}", agency_code=agency, agency_name=f"Cơ quan {agency}",
            status=4, status_history=[{"status": 2, "at": "2026-03-02T09:00:00+07:00"}],
            due_at=vn(2026, 3, due_day, 17).isoformat(),
        ))
    items.append(dossier(code="000.00.22.H26-260302-0009", status=10, due_at=vn(2026, 3, 10, 17).isoformat(),
                         finished_at=vn(2026, 3, 11, 9).isoformat()))
    await put(store, *items)
    window = await dossiers_due_between(store, vn(2026, 3, 10), vn(2026, 3, 12))
    assert [d.code[-4:] for d in window] == ["0000", "0001", "0002"]  # finished ones are not running
    assert [d.code for d in await dossiers_due_between(store, vn(2026, 3, 1), vn(2026, 4, 1),
                                                         agency_prefix="000.31")] == ["000.31.22.H26-260302-0002"]
    counts = await overdue_by_agency(store, vn(2026, 3, 12, 9))
    assert [(a.agency_code, a.count) for a in counts] == [("000.00.22.H26", 2), ("000.31.22.H26", 1)]
    assert counts[0].oldest_due_at == vn(2026, 3, 10, 17)
    assert [a.agency_code for a in await overdue_by_agency(store, vn(2026, 4, 1), agency_prefix="000.00.")] == [
        "000.00.22.H26", "000.00.12.H27"]
    assert len(await overdue_dossiers(store, vn(2026, 4, 1), agency_prefix="000.00.22")) == 2


async def test_the_new_appointment_is_set_only_once(store):
    await put(store, dossier())
    code = dossier()["code"]
    with pytest.raises(ValueError, match="after"):
        await set_rescheduled_due(store, code, vn(2026, 3, 11, 17), "Chờ xác minh")
    with pytest.raises(ValueError, match="reason"):
        await set_rescheduled_due(store, code, vn(2026, 3, 20, 17), "  ")
    row = await set_rescheduled_due(store, code, vn(2026, 3, 20, 17), "Chờ xác minh")
    assert row.rescheduled_due_at == vn(2026, 3, 20, 17) and row.due_at == vn(2026, 3, 12, 17)
    with pytest.raises(AlreadyRescheduled):
        await set_rescheduled_due(store, code, vn(2026, 3, 25, 17), "Lần hai")
    assert (await get_dossier(store, code)).dossier.rescheduled_due_at == vn(2026, 3, 20, 17)


async def test_concurrent_writers_postgres(pg_db):
    """Two replicas: the same new dossier pushed at once is stored once; two officials setting the
    new appointment at once: exactly one wins."""
    results = await asyncio.gather(*(put(pg_db, dossier()) for _ in range(4)))
    assert sum(r.created for r in results) == 1
    record = await get_dossier(pg_db, dossier()["code"])
    assert len(record.history) == 3
    outcomes = await asyncio.gather(
        *(set_rescheduled_due(pg_db, dossier()["code"], vn(2026, 3, 20 + i, 17), f"lý do {i}") for i in range(4)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert sum(isinstance(o, AlreadyRescheduled) for o in outcomes) == 3


async def test_moments_with_any_offset_compare_as_instants(store):
    utc = dossier(received_at="2026-03-02T02:00:00Z")  # the same instant as 09:00+07:00
    await put(store, utc)
    again = await put(store, dossier())
    assert again.updated == 0 and again.created == 0
    d = (await get_dossier(store, dossier()["code"])).dossier
    assert d.received_at == datetime(2026, 3, 2, 2, tzinfo=UTC)
    assert d.due_at - d.received_at == timedelta(days=10, hours=8)


async def test_codes_of_other_agencies_never_match_and_an_ambiguous_short_form_matches_none(db):
    from knowledge.calendar import default_calendar
    from knowledge.dossiers.code import parse_code
    from knowledge.dossiers.schema import DossierIn

    base = {"agency_name": "UBND", "applicant_name": "Nguyễn Văn A", "received_at": "2026-10-27T08:00:00+07:00",
            "processing_days": 3, "processing_unit": "working", "status": 2}
    items = [DossierIn.model_validate({**base, "code": "001.31.22.H26-261027-0001", "agency_code": "001.31.22.H26"}),
             DossierIn.model_validate({**base, "code": "002.40.22.H26-261027-0001", "agency_code": "002.40.22.H26"})]
    await upsert_dossiers(db, items, calendar=default_calendar(), source="test")
    for other in ("000.31.22.H26-261027-0001", "000.00.22.H26-261027-0001"):
        assert await find_dossier(db, parse_code(other)) is None, other
    assert (await find_dossier(db, parse_code("001.31.22.h26 - 261027 - 0001"))).dossier.code == "001.31.22.H26-261027-0001"
    assert (await find_dossier(db, parse_code("H26.31-261027-0001"))).dossier.code == "001.31.22.H26-261027-0001"
    assert await find_dossier(db, parse_code("H26.22-261027-0001")) is None  # names both: neither
