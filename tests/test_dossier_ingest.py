"""The push-ingest API over real HTTP (an aiohttp server on localhost with only the ingest routes)."""

import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.ingest import MAX_BODY, setup_ingest
from db.dossier_repo import get_dossier, on_status_change
from tests.chat import Chat
from tests.dossier_data import dossier

TOKEN = "s3cret-ingest-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def client_for(deps, token: str | None = TOKEN):
    app = web.Application()
    setup_ingest(app, deps, Settings(ingest_token=token))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def api(deps):
    client = await client_for(deps)
    yield client
    await client.close()


async def test_without_or_with_a_wrong_token_401(api):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic " + TOKEN}):
        response = await api.post("/api/v1/dossiers", json=[dossier()], headers=headers)
        assert response.status == 401
        assert "WWW-Authenticate" in response.headers


async def test_no_token_configured_503(deps):
    client = await client_for(deps, token=None)
    try:
        response = await client.post("/api/v1/dossiers", json=[dossier()], headers=AUTH)
        assert response.status == 503 and (await response.json())["error"] == "ingest_disabled"
    finally:
        await client.close()


async def test_too_big_413(api):
    big = b"[" + b" " * (MAX_BODY + 10) + b"]"
    response = await api.post("/api/v1/dossiers", data=big, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status == 413

    async def chunks():  # no Content-Length: the limit holds while reading
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    response = await api.post("/api/v1/dossiers", data=chunks(), headers=AUTH)
    assert response.status == 413


async def test_not_json_or_not_a_list_400(api):
    response = await api.post("/api/v1/dossiers", data=b"{nope", headers=AUTH)
    assert response.status == 400 and (await response.json())["error"] == "bad_json"
    response = await api.post("/api/v1/dossiers", json=dossier(), headers=AUTH)
    assert response.status == 400 and (await response.json())["error"] == "not_a_list"


async def test_invalid_items_422_lists_every_error_and_applies_nothing(api, deps):
    batch = [
        dossier(),
        dossier(code="1.001193"),
        "not an object",
        dossier(code="000.00.22.H26-260302-0003", received_at="2026-03-02T09:00:00", status="đang bay"),
        dossier(code="000.00.22.H26-260302-0004", status_history=[{"status": 5, "at": "2026-03-01T09:00:00+07:00"}]),
    ]
    response = await api.post("/api/v1/dossiers", json=batch, headers=AUTH)
    assert response.status == 422
    errors = (await response.json())["errors"]
    where = {(e["index"], e["field"]) for e in errors}
    assert {(1, "code"), (2, "(item)"), (3, "received_at"), (3, "status")} <= where
    assert all(e["message"] for e in errors)
    assert await get_dossier(deps.db, dossier()["code"]) is None  # nothing applied
    # the history problem is found when applying: still all or nothing
    response = await api.post("/api/v1/dossiers", json=[batch[0], batch[4]], headers=AUTH)
    assert response.status == 422
    assert (await response.json())["errors"][0]["index"] == 1
    assert await get_dossier(deps.db, dossier()["code"]) is None


async def test_idempotent_and_a_status_change_is_recorded_once(api, deps):
    seen = []

    async def listener(change):
        seen.append((change.code, change.old_status, change.new_status))

    unsubscribe = on_status_change(listener)
    try:
        batch = [dossier(), dossier(code="000.00.22.H26-260302-0002", status="Chờ bổ sung hồ sơ", status_history=[])]
        first = await api.post("/api/v1/dossiers", json=batch, headers=AUTH)
        assert first.status == 200
        assert await first.json() == {"received": 2, "created": 2, "updated": 0, "unchanged": 0,
                                      "history_added": 4, "status_changes": 2}
        again = await api.post("/api/v1/dossiers", data=json.dumps(batch), headers=AUTH)
        assert (await again.json())["unchanged"] == 2 and (await again.json())["history_added"] == 0
        changed = [dossier(status=9, status_history=[])]
        for _ in range(2):  # the same new status twice: recorded once
            response = await api.post("/api/v1/dossiers", json=changed, headers=AUTH)
            assert response.status == 200
    finally:
        unsubscribe()
    record = await get_dossier(deps.db, dossier()["code"])
    assert [e.status for e in record.history] == [2, 5, 4, 9]
    assert seen == [("000.00.22.H26-260302-0001", None, 4), ("000.00.22.H26-260302-0002", None, 5),
                    ("000.00.22.H26-260302-0001", 4, 9)]


async def test_provincial_labels_and_lenient_codes_are_accepted(api, deps):
    item = dossier(code="000.00.22.h26 - 260302 - 0001", status="Đã trả kết quả", status_history=[],
                   finished_at="2026-03-10T10:00:00+07:00", returned_at="2026-03-10T15:00:00+07:00")
    response = await api.post("/api/v1/dossiers", json=[item], headers=AUTH)
    assert response.status == 200
    d = (await get_dossier(deps.db, "000.00.22.H26-260302-0001")).dossier
    assert d.status == 10 and d.returned_at is not None


async def test_openapi_describes_the_contract(api):
    response = await api.get("/api/v1/openapi.json")
    spec = await response.json()
    post = spec["paths"]["/api/v1/dossiers"]["post"]
    assert {"200", "401", "413", "422", "503"} <= set(post["responses"])
    assert "received_at" in spec["components"]["schemas"]["DossierIn"]["properties"]


async def test_a_delayed_older_push_does_not_undo_a_newer_status(api, deps):
    """B1: pushes can arrive out of order. The older one's history is merged, the newer status stays,
    and no entry "status 4 at the time of the push" is made up."""
    newer = dossier(status=9, status_history=[
        *dossier()["status_history"], {"status": 9, "at": "2026-03-11T10:00:00+07:00", "note": "Đã ký"}])
    older = dossier(status=4, status_history=[
        *dossier()["status_history"], {"status": 4, "at": "2026-03-10T08:00:00+07:00", "note": "Chuyển phòng"}])
    seen = []

    async def listener(change):
        seen.append((change.old_status, change.new_status))

    unsubscribe = on_status_change(listener)
    try:
        assert (await api.post("/api/v1/dossiers", json=[newer], headers=AUTH)).status == 200
        late = await api.post("/api/v1/dossiers", json=[older], headers=AUTH)
        assert late.status == 200 and (await late.json())["status_changes"] == 0
    finally:
        unsubscribe()
    record = await get_dossier(deps.db, dossier()["code"])
    assert record.dossier.status == 9
    assert [(e.status, e.note) for e in record.history][-2:] == [(4, "Chuyển phòng"), (9, "Đã ký")]
    assert len(record.history) == 5  # merged; nothing made up
    assert seen == [(None, 9)]
    # a push newer than the stored status still applies
    newest = dossier(status=10, status_history=[{"status": 10, "at": "2026-03-12T09:00:00+07:00"}])
    assert (await (await api.post("/api/v1/dossiers", json=[newest], headers=AUTH)).json())["status_changes"] == 1
    assert (await get_dossier(deps.db, dossier()["code"])).dossier.status == 10


async def test_a_finished_dossier_without_history_or_finish_time_is_not_judged_late(api, deps):
    """B2: no history, no finish time: the bot does not know when it finished, so it says "finished"
    — the moment of the import is not a finish time (it would make every old dossier late)."""
    item = dossier(status=10, status_history=[], due_at="2026-03-09T17:00:00+07:00", finished_at=None, returned_at=None)
    assert (await api.post("/api/v1/dossiers", json=[item], headers=AUTH)).status == 200
    record = await get_dossier(deps.db, item["code"])
    assert record.history == [] and record.dossier.finished_at is None and record.dossier.returned_at is None
    chat = Chat(deps)
    await chat.say(item["code"])
    assert "Đã trả kết quả" in chat.text and "Đã có kết quả" in chat.text
    assert "quá hạn" not in chat.text.lower() and "đúng hạn" not in chat.text and "trước hạn" not in chat.text


async def test_nested_json_gets_400_and_the_service_goes_on(api):
    response = await api.post("/api/v1/dossiers", data=b"[" * 1024 + b"]" * 1024, headers=AUTH)
    assert response.status == 400 and (await response.json())["error"] == "bad_json"
    response = await api.post("/api/v1/dossiers", json=[dossier()], headers=AUTH)
    assert response.status == 200


async def test_dates_outside_the_calendar_are_422_naming_each_item_and_field(api, deps):
    """Issue #11 item 3: the calendar counts 2000–2100 only; the sender is told which item and which
    date, and the valid item of the same batch is not applied either."""
    code = "000.00.22.H26-260302-{:04d}".format
    history = [*dossier()["status_history"], {"status": 9, "at": "2150-01-05T10:00:00+07:00"}]
    batch = [
        dossier(),  # valid
        dossier(code=code(2), received_at="9999-12-31T10:00:00+07:00"),
        dossier(code=code(3), received_at="2150-01-05T10:00:00+07:00", status_history=[]),
        dossier(code=code(4), received_at="0001-01-01T00:30:00+14:00", status_history=[]),  # not even a UTC moment
        dossier(code=code(5), status=9, status_history=history),
        dossier(code=code(6), due_at="2150-01-05T17:00:00+07:00"),
    ]
    response = await api.post("/api/v1/dossiers", json=batch, headers=AUTH)
    assert response.status == 422, await response.text()
    body = await response.json()
    where = [(e["index"], e["field"]) for e in body["errors"]]
    assert where == [(1, "received_at"), (2, "received_at"), (3, "received_at"), (4, "status_history.3.at"),
                     (5, "due_at")]
    messages = {e["index"]: e["message"] for e in body["errors"]}
    assert "9999" in messages[1] and "2150" in messages[2] and "năm 1 " in messages[3] and "2150" in messages[4]
    assert all("2000–2100" in m for m in messages.values())
    assert "5 invalid item(s)" in body["message"]
    assert await get_dossier(deps.db, dossier()["code"]) is None  # nothing applied


async def test_a_due_date_counted_past_2100_is_422_on_received_at(api, deps):
    """Every date in range, but 5 working days from 29/12/2100 end in 2101: named too."""
    late = dossier(code="000.00.22.H26-001229-0001", received_at="2100-12-29T09:00:00+07:00",
                   status=4, status_history=[{"status": 2, "at": "2100-12-29T09:00:00+07:00"}])
    response = await api.post("/api/v1/dossiers", json=[dossier(), late], headers=AUTH)
    assert response.status == 422, await response.text()
    (error,) = (await response.json())["errors"]
    assert (error["index"], error["field"]) == (1, "received_at") and "2101" in error["message"]
    assert await get_dossier(deps.db, dossier()["code"]) is None
    response = await api.post("/api/v1/dossiers", json=[dossier()], headers=AUTH)
    assert response.status == 200  # and the service goes on
