"""Pull backend: fetch one dossier from the province's one-stop system when it is not in our database
(optional per deployment: ``MOTCUA_BACKEND_URL``).

Contract: ``GET {base}/dossiers/{code}`` (the canonical code, URL-escaped), ``Accept:
application/json``; 200 with one dossier in the JSON shape of ``knowledge.dossiers.schema``; 404
when the system does not know the code. The dossier's code is the one asked, or the full code of
a short local form that was asked (``H26.22-260302-0001`` → ``000.00.22.H26-260302-0001``: the rule
of ``db.dossier_repo.find_dossier``). Anything else (another status, not JSON, the wrong shape,
another dossier, a body over ``MAX_RESPONSE`` bytes, no answer in time) is the backend being
unavailable.

Behaviour, so that the citizen always hears back within 3 seconds:
- one overall budget (``timeout``, 2.7 s by default, under the conversation's 3-second promise) for
  all attempts; retries on connection errors, timeouts and 5xx with a short exponential backoff,
  only while the budget allows another try;
- a circuit breaker: after ``failures_to_open`` consecutive failed fetches it opens and answers
  "unavailable" at once for ``cool_down`` seconds; then it is half-open: one fetch is let through,
  success closes it, failure opens it again;
- a small TTL cache of answers (found and not found), so that a citizen who asks twice, or a
  burst of citizens, does not hit the backend each time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import quote

import aiohttp
from pydantic import ValidationError

from handlers.backend import BackendUnavailable
from knowledge.dossiers.code import parse_code, same_dossier
from knowledge.dossiers.schema import DossierIn

log = logging.getLogger(__name__)

MAX_RESPONSE = 256 * 1024  # one dossier is a few KB, its history included; more is garbage


class CircuitBreaker:
    def __init__(self, failures_to_open: int = 5, cool_down: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures_to_open = failures_to_open
        self.cool_down = cool_down
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self._trial = False  # half-open: one trial call is under way

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.cool_down else "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self._trial:
            self._trial = True
            return True
        return False

    def success(self) -> None:
        self.failures, self.opened_at, self._trial = 0, None, False

    def failure(self) -> None:
        self.failures += 1
        if self._trial or self.failures >= self.failures_to_open:
            self.opened_at = self.clock()
        self._trial = False


class _Retryable(Exception):
    pass


class HttpBackend:
    """``Deps.backend`` over HTTP (see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 2.7,
        attempts: int = 3,
        backoff: float = 0.1,
        failures_to_open: int = 5,
        cool_down: float = 30.0,
        cache_ttl: float = 60.0,
        cache_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.breaker = CircuitBreaker(failures_to_open, cool_down, clock)
        self.cache_ttl = cache_ttl
        self.cache_size = cache_size
        self.clock = clock
        self._cache: OrderedDict[str, tuple[float, DossierIn | None]] = OrderedDict()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _cached(self, code: str) -> tuple[bool, DossierIn | None]:
        entry = self._cache.get(code)
        if entry is None or entry[0] < self.clock():
            self._cache.pop(code, None)
            return False, None
        return True, entry[1]

    def _remember(self, code: str, value: DossierIn | None) -> None:
        self._cache[code] = (self.clock() + self.cache_ttl, value)
        self._cache.move_to_end(code)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def fetch(self, code: str) -> DossierIn | None:
        hit, value = self._cached(code)
        if hit:
            return value
        if not self.breaker.allow():
            raise BackendUnavailable("circuit open")
        try:
            value = await self._fetch(code)
        except BaseException:  # cancelled by the caller's deadline too: a half-open trial must end
            self.breaker.failure()
            raise
        self.breaker.success()
        self._remember(code, value)
        return value

    async def _fetch(self, code: str) -> DossierIn | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"Accept": "application/json"})
        url = f"{self.base_url}/dossiers/{quote(code, safe='')}"
        last = "no attempt"
        for attempt in range(self.attempts):
            left = deadline - loop.time()
            if left <= 0.05:
                break
            try:
                return await self._once(url, code, left)
            except _Retryable as exc:
                last = str(exc)
            pause = self.backoff * (3**attempt)
            if deadline - loop.time() <= pause + 0.1:
                break
            await asyncio.sleep(pause)
        raise BackendUnavailable(f"{last} (after the {self.timeout:g} s budget or {self.attempts} attempts)")

    async def _once(self, url: str, code: str, budget: float) -> DossierIn | None:
        assert self._session is not None
        try:
            async with self._session.get(url, timeout=aiohttp.ClientTimeout(total=budget)) as response:
                if response.status == 404:
                    return None
                if response.status >= 500:
                    raise _Retryable(f"HTTP {response.status}")
                if response.status != 200:
                    raise BackendUnavailable(f"HTTP {response.status}")
                body = await _bounded(response)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Retryable(type(exc).__name__) from None
        try:
            dossier = DossierIn.model_validate_json(body)
        except ValidationError as exc:
            raise BackendUnavailable(f"not a dossier: {exc.error_count()} error(s)") from None
        if dossier.code != code:
            asked, got = parse_code(code), parse_code(dossier.code)
            if asked is None or got is None or not same_dossier(asked, got):
                raise BackendUnavailable("the backend answered with another dossier")
        return dossier


async def _bounded(response: aiohttp.ClientResponse) -> bytes:
    """The body, read at most ``MAX_RESPONSE`` bytes far (with or without a Content-Length)."""
    too_big = BackendUnavailable(f"response over {MAX_RESPONSE} bytes")
    if (response.content_length or 0) > MAX_RESPONSE:
        raise too_big
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def backend_from_settings(settings) -> HttpBackend | None:
    return HttpBackend(settings.backend_url) if settings.backend_url else None
