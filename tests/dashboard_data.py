"""The officials' dashboard in the tests: March 2026 of tests/report_data.py in a running service
with the dashboard configured, a clock the test moves, and a way to take a link from ``/bao_cao``
and open it over real HTTP (the cookie kept by hand: aiohttp's jar ignores cookies of an IP)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.config import Settings
from db.dossier_repo import get_dossier, upsert_dossiers
from knowledge.dossiers.schema import DossierIn
from tests.chat import Chat
from tests.fakes.service import running_service
from tests.official_data import official
from tests.report_data import DOSSIERS, add_ratings_feedback_apologies, at

SECRET = "dashboard-secret-for-tests-0123456789abcdef"
PUBLIC_URL = "http://motcua.test"
NOW = at("2026-04-02T10:00:00")  # March is over: its figures are final


class Clock:
    """The service's clock (``Deps.clock``), moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


async def seed_march(deps) -> None:
    result = await upsert_dossiers(deps.db, [DossierIn.model_validate(d) for d in DOSSIERS.values()],
                                   calendar=deps.calendar, procedures=deps.catalogue.index.get, source="test")
    assert result.created == len(DOSSIERS)
    ids = {name: (await get_dossier(deps.db, d["code"], with_history=False)).dossier.id for name, d in DOSSIERS.items()}
    await add_ratings_feedback_apologies(deps.db, ids)


@asynccontextmanager
async def dashboard_service(deps, sqlite_url: str, *, public_url: str = PUBLIC_URL):
    deps.clock = Clock(NOW)
    settings = Settings(database_url=sqlite_url, public_url=public_url, dashboard_secret=SECRET,
                        reminder_sweep_seconds=0, notify_poll_seconds=30)
    async with running_service(settings, deps=deps) as service:
        yield service


async def officer(deps, agency: str, name: str, chat_id: str) -> Chat:
    await official(deps.db, agency, name, "telegram", chat_id)
    return Chat(deps, channel="telegram", chat_id=chat_id, at=deps.clock())


async def link_from_bao_cao(chat: Chat, month: str = "03/2026") -> str:
    """The dashboard link of ``/bao_cao``'s reply, as a path on the service (the public URL is the
    proxy's; the test talks to the service itself)."""
    chat.at = chat.deps.clock()
    await chat.say(f"/bao_cao {month}")
    button = chat.button("Mở bảng số liệu")
    assert button is not None and button.url, chat.text
    parts = urlsplit(button.url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL or parts.scheme == "https"
    return f"{parts.path}?{parts.query}"


def token_of(path: str) -> str:
    return path.split("t=", 1)[1]


async def log_in(service, path: str) -> tuple[int, str, str | None]:
    """Open the link and press its button, as a browser does: (status, page text, Set-Cookie)."""
    async with service.http.get(service.url + path) as response:
        if response.status != 200:
            return response.status, await response.text(), None
    async with service.http.post(service.url + "/dashboard/login", data={"t": token_of(path)},
                                 headers={"Origin": service.url}, allow_redirects=False) as response:
        return response.status, await response.text(), response.headers.get("Set-Cookie")


def cookie_value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


async def page(service, cookie: str | None, query: str = "thang=2026-03") -> tuple[int, str]:
    headers = {"Cookie": f"motcua_dashboard={cookie}"} if cookie else {}
    async with service.http.get(service.url + "/dashboard?" + query, headers=headers) as response:
        return response.status, await response.text()
