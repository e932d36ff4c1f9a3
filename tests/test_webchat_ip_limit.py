"""The web chat's per-client-IP limit over real HTTP: the session id is the browser's choice, so a
script that rotates it (to get fresh per-chat limits) is held by its address (review B4)."""

from __future__ import annotations

from bot.config import Settings
from tests.fakes.service import running_service


async def ask(service, session: str, headers: dict | None = None) -> int:
    async with service.http.post(service.url + "/webchat/api/messages", headers=headers,
                                 json={"session": session, "locale": "vi", "text": "xin chào"}) as response:
        await response.read()
        return response.status


async def test_rotating_sessions_from_one_address_is_limited(deps, sqlite_url):
    settings = Settings(database_url=sqlite_url, webchat_per_ip_per_minute=4)
    async with running_service(settings, deps=deps) as service:
        statuses = [await ask(service, f"rotating-session-{n:04d}-abcdef") for n in range(5)]
        assert statuses == [200, 200, 200, 200, 429]


async def test_behind_a_proxy_the_configured_header_names_the_citizen(deps, sqlite_url):
    settings = Settings(database_url=sqlite_url, webchat_per_ip_per_minute=2,
                        webchat_client_ip_header="X-Forwarded-For")
    async with running_service(settings, deps=deps) as service:
        one = {"X-Forwarded-For": "203.0.113.7"}
        # what the client wrote before our proxy's entry does not make it someone else
        spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        other = {"X-Forwarded-For": "203.0.113.8"}
        assert [await ask(service, f"proxied-session-{n:04d}-abcdef", h) for n, h in enumerate([one, spoofed, one])] == [
            200, 200, 429]
        assert await ask(service, "proxied-session-other-abcdef", other) == 200
