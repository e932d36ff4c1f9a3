"""The pull backend against a real local HTTP stand-in of a one-stop system that is slow, down,
failing, talking garbage or fine — and what the citizen hears in each case."""

import asyncio
import json
import socket
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.backend import HttpBackend
from db.dossier_repo import get_dossier
from handlers.backend import BackendUnavailable
from knowledge.calendar import VN_TZ
from tests.chat import Chat
from tests.dossier_data import dossier

CODE = "000.00.22.H26-260302-0001"
SHORT = "H26.22-260302-0001"  # the same dossier in a local short form
BUSY = "Hệ thống đang bận"


class OneStop:
    """A stand-in one-stop system: ``mode`` says how it answers; ``hits`` counts requests."""

    def __init__(self) -> None:
        self.mode = "valid"
        self.hits = 0
        self.app = web.Application()
        self.app.router.add_get("/api/dossiers/{code}", self.get)

    async def get(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        code = request.match_info["code"]
        if self.mode == "slow":
            await asyncio.sleep(4)
        if self.mode == "500":
            return web.Response(status=500, text="Internal Server Error")
        if self.mode == "garbage":
            return web.Response(text="<html>Bảo trì hệ thống</html>", content_type="text/html")
        if self.mode == "wrong_shape":
            return web.json_response({"maHoSo": code, "trangThai": "Đang xử lý"})
        if self.mode == "other_code":
            return web.json_response(dossier(code="000.00.22.H26-260302-0777"))
        if self.mode == "huge":  # a valid dossier padded past the client's limit (unknown keys are ignored)
            return web.json_response({**dossier(), "padding": "x" * 300_000})
        if self.mode == "huge_stream":  # the same, chunked, without a Content-Length
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            response.content_type = "application/json"
            await response.prepare(request)
            await response.write(json.dumps(dossier())[:-1].encode() + b', "padding": "')
            for _ in range(40):
                await response.write(b"x" * 10_000)
            await response.write(b'"}')
            await response.write_eof()
            return response
        if code == SHORT:  # the one-stop system knows its own short local form
            return web.json_response(dossier())
        if code != CODE:
            return web.json_response({"error": "not found"}, status=404)
        if self.mode == "finished":
            history = [*dossier()["status_history"], {"status": 9, "at": "2026-03-11T10:03:00+07:00"}]
            return web.json_response(dossier(status=9, status_history=history))
        return web.json_response(dossier())


@pytest.fixture
async def onestop():
    stub = OneStop()
    server = TestServer(stub.app, host="127.0.0.1")
    await server.start_server()
    stub.url = str(server.make_url("/api"))
    yield stub
    await server.close()


@pytest.fixture
async def backend(onestop):
    client = HttpBackend(onestop.url, cache_ttl=0)
    yield client
    await client.close()


def chat_with(deps, backend) -> Chat:
    deps.backend = backend
    chat = Chat(deps)
    chat.at = datetime(2026, 3, 11, 10, tzinfo=VN_TZ)
    return chat


async def test_a_valid_dossier_is_shown_and_stored_so_the_next_lookup_is_local(deps, onestop, backend):
    chat = chat_with(deps, backend)
    await chat.say(f"hồ sơ {CODE.lower()}")
    assert chat.kinds == ["dossier"] and "Đăng ký tạm trú" in chat.text and "12/03/2026" in chat.text
    assert "Nguyễn" not in chat.text
    assert (await get_dossier(deps.db, CODE)).dossier.source == "backend"
    onestop.mode = "500"
    await chat.say(CODE)
    assert chat.kinds == ["dossier"] and onestop.hits == 1


async def test_unknown_to_the_backend_is_not_found(deps, onestop, backend):
    chat = chat_with(deps, backend)
    await chat.say("000.00.22.H26-260302-0099")
    assert chat.kinds == ["not_found"] and onestop.hits == 1


@pytest.mark.parametrize("mode", ["slow", "500", "garbage", "wrong_shape", "other_code", "huge", "huge_stream"])
async def test_a_failing_backend_gives_a_clear_busy_answer(deps, onestop, backend, mode):
    onestop.mode = mode
    chat = chat_with(deps, backend)
    await chat.say(CODE)
    assert chat.kinds == ["error"]
    assert BUSY in chat.text and "try again" in chat.text
    assert "Traceback" not in chat.text
    if mode == "500":
        assert onestop.hits >= 2  # retried within the budget


async def test_a_backend_that_is_down(deps):
    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = HttpBackend(f"http://127.0.0.1:{port}/api")
    try:
        chat = chat_with(deps, client)
        await chat.say(CODE)
        assert chat.kinds == ["error"] and BUSY in chat.text
    finally:
        await client.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_circuit_breaker_opens_then_half_opens(onestop):
    clock = Clock()
    client = HttpBackend(onestop.url, attempts=1, failures_to_open=3, cool_down=30, cache_ttl=0, clock=clock)
    try:
        onestop.mode = "500"
        for _ in range(3):
            with pytest.raises(BackendUnavailable):
                await client.fetch(CODE)
        assert client.breaker.state == "open" and onestop.hits == 3
        with pytest.raises(BackendUnavailable, match="circuit open"):
            await client.fetch(CODE)
        assert onestop.hits == 3  # answered at once, the backend left alone
        clock.now += 31
        assert client.breaker.state == "half-open"
        with pytest.raises(BackendUnavailable):  # the one trial fails: open again
            await client.fetch(CODE)
        assert onestop.hits == 4 and client.breaker.state == "open"
        clock.now += 31
        onestop.mode = "valid"
        assert (await client.fetch(CODE)).code == CODE  # the trial succeeds: closed
        assert client.breaker.state == "closed" and onestop.hits == 5
    finally:
        await client.close()


async def test_an_open_circuit_still_answers_the_citizen(deps, onestop):
    client = HttpBackend(onestop.url, attempts=1, failures_to_open=1, cool_down=600)
    try:
        onestop.mode = "500"
        chat = chat_with(deps, client)
        await chat.say(CODE)
        hits = onestop.hits
        await chat.say("000.00.22.H26-260302-0002")
        assert chat.kinds == ["error"] and BUSY in chat.text and onestop.hits == hits
    finally:
        await client.close()


async def test_answers_are_cached_for_a_while(onestop):
    clock = Clock()
    client = HttpBackend(onestop.url, cache_ttl=60, clock=clock)
    try:
        assert await client.fetch("000.00.22.H26-260302-0099") is None
        assert (await client.fetch(CODE)).code == CODE
        assert await client.fetch("000.00.22.H26-260302-0099") is None
        assert (await client.fetch(CODE)).code == CODE
        assert onestop.hits == 2
        clock.now += 61
        await client.fetch(CODE)
        assert onestop.hits == 3
    finally:
        await client.close()


async def test_a_pulled_dossier_is_refreshed_after_a_while(deps, onestop, backend):
    """B9: in a pull-only deployment the first status seen is not shown forever: a record from the
    backend older than 5 minutes is asked for again (within the same budget)."""
    chat = chat_with(deps, backend)
    await chat.say(CODE)
    assert "Đang xử lý" in chat.text and onestop.hits == 1
    onestop.mode = "finished"
    chat.at += timedelta(minutes=2)
    await chat.say(CODE)
    assert "Đang xử lý" in chat.text and onestop.hits == 1  # fresh enough: from the database
    chat.at += timedelta(minutes=4)
    await chat.say(CODE)
    assert chat.kinds == ["dossier"] and "Đã xử lý xong" in chat.text and onestop.hits == 2
    assert "Cập nhật lúc" not in chat.text
    chat.at += timedelta(minutes=1)
    await chat.say(CODE)
    assert onestop.hits == 2  # the refresh counts from the last answer, changed or not


@pytest.mark.parametrize("mode", ["500", "slow"])
async def test_a_failed_refresh_shows_the_stored_record_with_its_time(deps, onestop, backend, mode):
    chat = chat_with(deps, backend)
    await chat.say(CODE)
    onestop.mode = mode
    chat.at += timedelta(minutes=6)
    await chat.say(CODE)
    assert chat.kinds == ["dossier"] and BUSY not in chat.text
    assert "Đang xử lý" in chat.text and "Cập nhật lúc: 10:00 11/03/2026" in chat.text
    assert "Last updated at 10:00 11/03/2026" in chat.text


async def test_a_short_local_form_is_answered_with_the_full_code(deps, onestop, backend):
    """R9: the citizen types the short form; the backend answers with the full code of that dossier:
    the same dossier (the rule of find_dossier), not "another one" (which made the citizen hear "busy")."""
    chat = chat_with(deps, backend)
    await chat.say(f"hồ sơ {SHORT.lower()} của tôi")
    assert chat.kinds == ["dossier"] and CODE in chat.text and "Đang xử lý" in chat.text
    assert (await get_dossier(deps.db, CODE)).dossier.source == "backend"
    await chat.say(SHORT)
    assert chat.kinds == ["dossier"] and onestop.hits == 1  # now local
