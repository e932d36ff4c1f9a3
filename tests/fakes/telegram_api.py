"""A local fake of the Telegram Bot API (``{base}/bot<TOKEN>/<method>``) for python-telegram-bot.

It answers the methods the service calls with valid objects, records every call (method and
decoded parameters; an uploaded file as its bytes), and can answer 429 (with ``retry_after``), 403 or 400 on demand, or delay
its answers (a message still in flight).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Một cửa", "username": "motcua_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float = field(default_factory=time.perf_counter)  # when it arrived (the bench measures latency)


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.down_until: dict[str, tuple[float, Failure]] = {}  # method → an outage until this perf_counter
        self.delay: dict[str, float] = {}
        self.updates: asyncio.Queue = asyncio.Queue()  # for getUpdates (polling)
        self.listener: Callable[[Call], None] | None = None  # told of every call (the bench waits on it)
        self._ids = itertools.count(1)
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self.server = LocalServer(app)

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/bot"

    async def start(self) -> FakeBotApi:
        await self.server.start()
        return self

    async def stop(self) -> None:
        await self.server.stop()

    # --- scripting -----------------------------------------------------------------------------
    def fail_next(self, method: str, status: int, description: str, *, retry_after: int | None = None, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend(Failure(status, description, retry_after) for _ in range(times))

    def fail_for(self, method: str, seconds: float, status: int = 502, description: str = "Bad Gateway") -> None:
        """Every call of ``method`` fails for the next ``seconds`` (an outage)."""
        self.down_until[method] = (time.perf_counter() + seconds, Failure(status, description))

    def sent(self, chat_id: str | int | None = None) -> list[dict[str, Any]]:
        """The parameters of every successful sendMessage (to one chat)."""
        return [c.params for c in self.calls if c.method == "sendMessage" and not c.params.get("_failed")
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def texts(self, chat_id: str | int | None = None) -> list[str]:
        return [p["text"] for p in self.sent(chat_id)]

    def photos(self, chat_id: str | int | None = None) -> list[dict[str, Any]]:
        """The parameters of every successful sendPhoto (to one chat): ``photo`` is the uploaded bytes."""
        return [c.params for c in self.calls if c.method == "sendPhoto" and not c.params.get("_failed")
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    # --- the API -------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, request.match_info["token"])
        self.calls.append(call)
        if self.listener is not None:
            self.listener(call)
        if delay := self.delay.get(method):
            await asyncio.sleep(delay)
        queue = self.failures.get(method)
        outage = self.down_until.get(method)
        if queue or (outage is not None and time.perf_counter() < outage[0]):
            failure = queue.pop(0) if queue else outage[1]
            params["_failed"] = failure.status
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found: method not found"}, status=404)
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            data = await request.json()
            return dict(data or {})
        form = await request.post()  # form-encoded, or multipart when a file is attached (sendPhoto)
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                value = value.file.read()  # the file's bytes
            elif isinstance(value, str) and value[:1] in "[{":
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            params[key] = value
        params.update({k: v for k, v in request.query.items() if k not in params})
        return params

    def _message(self, params: dict[str, Any], text: str | None = None) -> dict[str, Any]:
        chat_id = params.get("chat_id", 0)
        chat_id = int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id
        message = {"message_id": next(self._ids), "date": int(time.time()), "from": BOT_USER,
                   "chat": {"id": chat_id, "type": "private"}, "text": text if text is not None else params.get("text", "")}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_getMe(self, params):
        return BOT_USER

    async def _m_setWebhook(self, params):
        return True

    async def _m_deleteWebhook(self, params):
        return True

    async def _m_setMyCommands(self, params):
        return True

    async def _m_sendChatAction(self, params):
        return True

    async def _m_answerCallbackQuery(self, params):
        return True

    async def _m_sendMessage(self, params):
        return self._message(params)

    async def _m_editMessageText(self, params):
        return self._message(params)

    async def _m_sendPhoto(self, params):
        photo = params.get("photo")
        size = len(photo) if isinstance(photo, bytes) else 0  # a file id or a URL otherwise
        message = self._message(params, text="")
        del message["text"]
        message["photo"] = [{"file_id": f"photo{message['message_id']}", "file_unique_id": f"u{message['message_id']}",
                             "width": 1600, "height": 960, "file_size": size}]
        if params.get("caption"):
            message["caption"] = params["caption"]
        return message

    async def _m_getUpdates(self, params):
        timeout = float(params.get("timeout") or 0)
        updates = []
        try:
            # Short long-polls: the service stops quickly and so does this fake.
            updates.append(await asyncio.wait_for(self.updates.get(), timeout=min(max(timeout, 0.01), 0.5)))
        except asyncio.TimeoutError:
            return []
        while not self.updates.empty():
            updates.append(self.updates.get_nowait())
        return updates


def text_update(update_id: int, chat_id: int, text: str, *, language_code: str = "vi", username: str = "citizen") -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Dân", "username": username, "language_code": language_code}
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private", "first_name": "Dân"},
               "from": user, "text": text}
    if entities:
        message["entities"] = entities
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, chat_id: int, data: str, *, language_code: str = "vi") -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Dân", "language_code": language_code}
    message = {"message_id": 10_000 + update_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
               "from": BOT_USER, "text": "…"}
    return {"update_id": update_id, "callback_query": {"id": f"cq{update_id}", "from": user, "chat_instance": "ci1",
                                                        "message": message, "data": data}}
