"""PTB's networking on aiohttp (bot/channels/telegram_http.py) against a real local server: PTB's form
fields arrive as PTB encoded them, a file goes as multipart, a refused connection is a
NetworkError, a server slower than the read timeout is TimedOut, and PTB reads the answer —
an error status becomes PTB's own exception. (The whole Telegram channel runs on it in
tests/test_telegram.py.)"""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channels.telegram_http import AiohttpRequest
from tests.fakes.server import LocalServer


@pytest.fixture
async def server():
    seen: list[dict] = []

    async def method(request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):
            fields = {}
            async for part in await request.multipart():
                fields[part.name] = (part.filename, await part.read(decode=False))
            seen.append(fields)
        elif request.content_type == "application/json":
            seen.append(await request.json())
        else:
            seen.append(dict(await request.post()))
        name = request.match_info["name"]
        if name == "slow":
            await asyncio.sleep(2)
        if name == "bad":
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
                                     status=400)
        return web.json_response({"ok": True, "result": {"echo": name}})

    app = web.Application()
    app.router.add_post("/bot1:T/{name}", method)
    running = await LocalServer(app).start()
    running.seen = seen
    yield running
    await running.stop()


def data(**values) -> RequestData:
    return RequestData([RequestParameter.from_input(key, value) for key, value in values.items()])


async def test_fields_arrive_as_one_json_body_and_the_answer_is_read(server):
    async with AiohttpRequest() as request:
        result = await request.post(f"{server.url}/bot1:T/sendMessage",
                                    data(chat_id=42, text="Đăng ký <b>khai sinh</b>", reply_markup={"a": [1]}))
    assert result == {"echo": "sendMessage"}
    (fields,) = server.seen  # nested objects as JSON objects, as the Bot API's application/json reads them
    assert fields == {"chat_id": 42, "text": "Đăng ký <b>khai sinh</b>", "reply_markup": {"a": [1]}}


async def test_a_file_goes_as_multipart(server):
    async with AiohttpRequest() as request:
        await request.post(f"{server.url}/bot1:T/sendDocument",
                           data(chat_id=42, document=InputFile(b"%PDF-1.4 phieu", filename="phieu.pdf", attach=True)))
    (fields,) = server.seen
    assert fields["chat_id"] == (None, b"42")
    assert any(filename == "phieu.pdf" and content == b"%PDF-1.4 phieu" for filename, content in fields.values())


async def test_an_error_status_becomes_ptbs_exception(server):
    async with AiohttpRequest() as request:
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await request.post(f"{server.url}/bot1:T/bad", data(chat_id=1))


async def test_a_slow_server_times_out_and_a_closed_port_is_a_network_error(server):
    async with AiohttpRequest(read_timeout=0.3) as request:
        with pytest.raises(TimedOut):
            await request.post(f"{server.url}/bot1:T/slow", data(chat_id=1))
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot1:T/getMe", data())


async def test_it_must_be_initialized():
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/", "POST")


async def test_an_egress_proxy_from_the_environment_is_used_and_no_proxy_respected(server, monkeypatch):
    """Government networks often reach api.telegram.org only through a proxy given in HTTPS_PROXY."""
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:  # a forward proxy receives the absolute URL
        seen.append(str(request.url))
        return web.json_response({"ok": True, "result": {"via": "proxy"}})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    running = await LocalServer(app).start()
    try:
        monkeypatch.setenv("HTTP_PROXY", running.url)
        monkeypatch.setenv("NO_PROXY", "localhost")
        async with AiohttpRequest() as request:
            via = await request.post("http://api.telegram.invalid/bot1:T/getMe", data())
            direct = await request.post(f"{server.url.replace('127.0.0.1', 'localhost')}/bot1:T/getMe", data())
    finally:
        await running.stop()
    assert via == {"via": "proxy"} and seen and "api.telegram.invalid" in seen[0]
    assert direct == {"echo": "getMe"}
