"""python-telegram-bot's networking on aiohttp (a ``telegram.request.BaseRequest``, PTB's documented
extension point): the service already runs on aiohttp, and its client costs markedly less CPU per
request than PTB's default httpx stack — per reply sent, the largest part of the bot's work
(bench/webhook_throughput.py). PTB keeps everything else: encoding the parameters, reading the
answer, raising ``RetryAfter``/``Forbidden``/... from the status and payload we hand back.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL


MEDIA_WRITE_TIMEOUT = 20.0  # as PTB's HTTPXRequest gives uploads
JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One ``aiohttp.ClientSession`` per request object (PTB uses one for the API and, in polling
    mode, another for ``getUpdates``)."""

    def __init__(self, *, connection_pool_size: int = 256, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0) -> None:
        self._pool_size = connection_pool_size
        self._defaults = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                          "pool": pool_timeout}
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    def _proxy(self, url: str) -> str | None:
        """HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as PTB's httpx client honours them — read once per
        origin (aiohttp's trust_env would read the environment and ~/.netrc on every request)."""
        target = URL(url)
        origin = str(target.origin())
        if origin not in self._proxies:
            bypass = target.host is not None and urllib.request.proxy_bypass(target.host)
            self._proxies[origin] = None if bypass else urllib.request.getproxies().get(target.scheme)
        return self._proxies[origin]

    @property
    def read_timeout(self) -> float | None:
        return self._defaults["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        chosen = {name: self._defaults[name] if isinstance(value, DefaultValue) else value
                  for name, value in (("read", read_timeout), ("write", write_timeout),
                                      ("connect", connect_timeout), ("pool", pool_timeout))}
        if isinstance(write_timeout, DefaultValue) and request_data is not None and request_data.contains_files:
            chosen["write"] = MEDIA_WRITE_TIMEOUT
        # aiohttp has no separate write timeout: the whole request is bounded by their sum.
        parts = [chosen["connect"], chosen["write"], chosen["read"], chosen["pool"]]
        total = None if any(p is None for p in parts) else sum(parts)
        waiting = None if chosen["pool"] is None or chosen["connect"] is None else chosen["pool"] + chosen["connect"]
        timeout = aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=chosen["connect"],
                                        sock_read=chosen["read"])
        try:
            data, headers = _body(request_data)
            async with self._session.request(method, url, data=data, headers=headers, timeout=timeout,
                                             proxy=self._proxy(url)) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc


def _body(request_data: RequestData | None) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """The parameters PTB prepared as a JSON body (the Bot API takes application/json; encoding
    it costs a tenth of form-encoding a long Vietnamese text); multipart when a file is attached."""
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        return json.dumps(request_data.parameters, ensure_ascii=False).encode(), JSON_HEADERS
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
