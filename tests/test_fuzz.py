"""Fuzzing the durable pipeline (issue #11, item 7) with hypothesis, at a size CI can afford
(about 30 s on 2 shared cores); ``bench/fuzz_pipeline.py`` runs the core on 100,000 messages.

1. Each webhook channel's ``parse`` and the web chat's message parsing, on arbitrary JSON-like values
   and on real bodies with any field replaced, removed or wrapped: a list of ``Accepted`` the inbox
   can store, or ``Rejected`` with a 4xx — never another exception.
2. The core, ``handlers.handle``, on citizens' questions typed every way, commands, random Unicode
   and forged button payloads, from citizens' and officials' chats: replies, never an exception
   (neither raised nor swallowed into the "busy" reply: the user would see "the system is busy"),
   never an empty answer, and every reply, rendered and split as each channel sends it, within that
   channel's message limit.
3. The real application over HTTP: arbitrary bodies and headers posted to each webhook and to the
   web chat API never get a 5xx, and what they stored is answered without a failure.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
import unicodedata
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bot.channels.base import Accepted, Rejected
from bot.channels.zalo import signature
from bot.config import Settings
from bot.pipeline import incoming_to_json
from bot.preview import RENDER
from db.inbox_repo import inbox_rows
from db.models.dossiers import DossierVerifyFailure
from db.models.inbox import InboxMessage
from handlers import Incoming, handle
from knowledge.calendar import VN_TZ
from knowledge.channels import capabilities
from tests.fakes.service import running_service
from tests.fakes.telegram_api import callback_update, text_update
from tests.fakes.zalo_api import text_event
from tests.fuzz_inputs import (
    NUMBERS,
    ODD_DIGITS,
    OTHER_DECIMALS,
    QUESTIONS,
    LoggedErrors,
    harvest,
    message,
    vocabulary,
)
from tests.official_data import COMMUNE, DISTRICT, official, seed, standard_dossiers
from tests.test_telegram import HEADERS as TELEGRAM_HEADERS
from tests.test_telegram import settings_for as telegram_settings
from tests.test_zalo import APP_ID, OA_SECRET, zalo_api  # noqa: F401  (a fixture: pytest finds it by name)
from tests.test_zalo import settings_for as zalo_settings

FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
PARSE = settings(max_examples=400, deadline=None, suppress_health_check=FIXTURES)
CORE = settings(max_examples=800, deadline=None, suppress_health_check=FIXTURES)
HTTP = settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
CHANNELS = ("telegram", "zalo", "web", "console")
EMBEDDING_SITE = "https://dichvucong.example.gov.vn"
XFF = "X-Forwarded-For"

# --- values ---------------------------------------------------------------------------------------
surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]), min_size=1, max_size=3)
nasty = st.sampled_from([*QUESTIONS, unicodedata.normalize("NFD", "đăng ký khai sinh"),
                         "😀" * 300, "<b>x</b>", "'; DROP TABLE inbox; --", "{{ 7*7 }}", "\x00", "", " ",
                         "#mc:p:1.001193", "#mc:c:²:1.001193", "/start 1_004194", "a" * 1001, "đ " * 2100])
texts = st.one_of(st.text(max_size=60), nasty, surrogates, st.builds(lambda a, b: a + b, nasty, surrogates))
numbers = st.one_of(st.integers(), st.integers(min_value=2**53, max_value=2**70), st.integers(max_value=-(2**63)),
                    st.sampled_from([0, -1, 2**63, 2**64, 10**400]),
                    st.floats(allow_nan=True, allow_infinity=True))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
                           max_leaves=12)


def _slots(value, out=None) -> list[tuple]:
    """(container, key) of every value inside ``value``."""
    out = [] if out is None else out
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        out.append((value, key))
        _slots(inner, out)
    return out


@st.composite
def mutated(draw, templates):
    """A real body with up to four of its fields replaced by anything, removed or wrapped, or a
    field added."""
    value = copy.deepcopy(draw(templates))
    for _ in range(draw(st.integers(0, 4))):
        slots = _slots(value)
        if not slots:
            break
        parent, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(("replace", "replace", "delete", "wrap", "add")))
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif action == "wrap":
            parent[key] = draw(st.sampled_from(([parent[key]], {"0": parent[key]}, str(parent[key]))))
        elif isinstance(parent, dict):
            parent[draw(texts)] = draw(json_values)
    return value


ids = st.one_of(st.integers(-(2**40), 2**40), st.integers(), st.sampled_from([2**63, -(2**63) - 1, 10**400]))
telegram_templates = st.one_of(
    st.builds(text_update, ids, ids, texts),
    st.builds(callback_update, ids, ids, texts),
    st.builds(lambda u, c: {"update_id": u, "edited_message": text_update(u, c, "x")["message"]}, ids, ids),
)
telegram_bodies = st.one_of(telegram_templates, mutated(telegram_templates), json_values)
zalo_ids = st.one_of(st.text(alphabet="0123456789", min_size=1, max_size=25), texts, numbers)
zalo_templates = st.one_of(
    st.builds(text_event, zalo_ids, texts, zalo_ids),
    st.builds(lambda s, f: {"event_name": "follow", "follower": {"id": f}, "sender": {"id": s}, "timestamp": "1"},
              zalo_ids, zalo_ids),
    st.builds(lambda name, s: {"event_name": name, "sender": {"id": s}, "message": {"msg_id": "m", "text": "x"}},
              st.sampled_from(["user_send_image", "oa_send_text", "user_seen_message", "unfollow", ""]) | texts, zalo_ids),
)
zalo_bodies = st.one_of(zalo_templates, mutated(zalo_templates), json_values)
sessions = st.one_of(st.just("fuzz-session-0123456789"), st.text(alphabet="abcXYZ019_-", min_size=14, max_size=66), texts)
web_payloads = st.one_of(st.sampled_from(["p:1.001193", "s:fee:1.004194", "q:làm căn cước", "help:dossier", "dx:x"]), texts)
web_templates = st.fixed_dictionaries(
    {"session": sessions},
    optional={"id": st.one_of(st.just("msg-00001"), st.text(alphabet="ab01_-", min_size=7, max_size=65), texts),
              "text": texts, "payload": web_payloads, "locale": st.sampled_from(["vi", "en", "fr", ""]) | texts},
)
web_bodies = st.one_of(web_templates, mutated(web_templates), json_values)


# --- checks ---------------------------------------------------------------------------------------
@contextmanager
def no_failures_logged():
    """Fails when our code logs an error meanwhile: the core turns its own exceptions into the
    "busy" reply, the pipeline into a failed inbox row, so they are seen here (an exception the
    application does not catch is a 500: the status says so)."""
    failures = LoggedErrors()
    failures.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(failures)
    try:
        yield
    finally:
        root.removeHandler(failures)
    assert not failures.records, failures.report()


INBOX = InboxMessage.__table__.c
CLIENT = DossierVerifyFailure.__table__.c.client  # where a client's network is kept (abuse limits)


def _column_text(value, column) -> bool:
    """Fits the column (PostgreSQL enforces lengths) and is text a database takes (no lone surrogate)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return 0 < len(value) <= column.type.length


def assert_storable(accepted: list[Accepted]) -> None:
    """What the inbox, and the core after it, store in columns of their own."""
    assert isinstance(accepted, list)
    for a in accepted:
        assert isinstance(a, Accepted) and isinstance(a.incoming, Incoming)
        incoming = a.incoming
        assert isinstance(incoming.chat_id, str) and _column_text(incoming.chat_id, INBOX.chat_id), incoming.chat_id
        assert isinstance(a.key, str) and _column_text(a.key, INBOX.event_key), a.key
        assert incoming.client is None or _column_text(incoming.client, CLIENT), incoming.client
        assert isinstance(incoming.text, str) and isinstance(incoming.payload, (str, type(None)))
        assert isinstance(incoming.user_id, (str, type(None))) and incoming.locale in ("vi", "en")
        json.dumps(incoming_to_json(incoming))
        json.dumps(a.meta)


def parsed(parse, data) -> None:
    try:
        accepted = parse(data)
    except Rejected as exc:
        assert 400 <= exc.status < 500, exc
        event(f"rejected: {exc.reason}")
        return
    assert_storable(accepted)
    event(f"accepted {len(accepted)}")


def assert_sendable(replies) -> None:
    """Something to show, and every part of every reply within each channel's limit."""
    assert replies, "no reply"
    for reply in replies:
        assert reply.render("plain").strip(), f"an empty {reply.kind!r} reply"
        for channel in CHANNELS:
            limit = capabilities(channel).message_limit
            for part in RENDER[channel](reply):
                assert len(part["text"]) <= limit, (channel, reply.kind, len(part["text"]))


# --- 1. the parsers -------------------------------------------------------------------------------
@pytest.fixture
async def service(deps, sqlite_url, bot_api, zalo_api):  # noqa: F811  (zalo_api: imported above)
    """Telegram, Zalo and the web chat on one application, behind a proxy that names the client."""
    values = {**telegram_settings(sqlite_url, bot_api).model_dump(exclude_unset=True),
              **zalo_settings(sqlite_url, zalo_api).model_dump(exclude_unset=True)}
    settings_ = Settings(**values, webchat_client_ip_header=XFF, webchat_origins=EMBEDDING_SITE,
                         webchat_per_ip_per_minute=10**6)
    async with running_service(settings_, deps=deps, channel_options={"web": {"per_minute": 10**6}}) as running:
        yield running


@PARSE
@given(data=telegram_bodies)
async def test_telegram_parse_accepts_or_rejects_with_4xx(service, data):
    parsed(service.service.channels["telegram"].parse, data)


@PARSE
@given(data=zalo_bodies)
async def test_zalo_parse_accepts_or_rejects_with_4xx(service, data):
    parsed(service.service.channels["zalo"].parse, data)


@PARSE
@given(body=web_bodies, address=st.one_of(st.just("203.0.113.9"), texts))
@example(body={"session": "s" * 64, "id": "i" * 64, "text": "x"}, address="203.0.113.9")  # the longest key
async def test_web_chat_parse_accepts_or_rejects_with_4xx(service, body, address):
    """``WebChat._incoming``: what the message endpoint makes of the body once its size, rate and
    JSON depth are checked (``address``: the client's, from the proxy's header)."""
    web = service.service.channels["web"]
    parsed(lambda b: [Accepted(*web._incoming(b, address))], body)


# --- 2. the core ----------------------------------------------------------------------------------
OFFICIALS = [("telegram", "701"), ("zalo", "702")]
chats = st.sampled_from([*OFFICIALS, ("telegram", "c1"), ("zalo", "c2"), ("web", "c3-session-0123456"), ("console", "c4")])
offsets = st.builds(timezone, st.timedeltas(timedelta(hours=-14), timedelta(hours=14)))
EDGES = [  # the calendar's first and last days, Telegram's date 0, and the ends of time
    datetime(2000, 1, 1, 0, 30, tzinfo=VN_TZ), datetime(2100, 12, 31, 10, tzinfo=VN_TZ), datetime(1970, 1, 1, tzinfo=UTC),
    datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=14))), datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-12))),
]
moments = st.one_of(st.none(), st.sampled_from(EDGES), st.datetimes(timezones=offsets))


@pytest.fixture
async def people(deps):
    """Dossiers, an officer linked on Telegram and a head on Zalo (the officials' commands and
    buttons go past their first check), and the payloads of the buttons the core shows them."""
    await seed(deps)
    await official(deps.db, COMMUNE, "Lê Văn Hùng", *OFFICIALS[0])
    await official(deps.db, DISTRICT, "Vũ Minh", *OFFICIALS[1], role="head")
    vocab = vocabulary(deps.catalogue.index, dossier_codes=[d["code"] for d in standard_dossiers()])
    vocab = await harvest(deps, vocab, [*OFFICIALS, ("telegram", "harvest")])
    assert any(p.startswith("ap:") for _, _, p in vocab.payloads)  # the officials' buttons are in
    return deps, vocab


odd_numbers = st.one_of(st.text(st.sampled_from(ODD_DIGITS), min_size=1, max_size=3),
                        st.text(st.sampled_from(OTHER_DECIMALS), min_size=1, max_size=3),
                        st.sampled_from(NUMBERS), st.integers().map(str))


def forged(vocab):
    """A real button's payload, in the chat that was shown it, with one field replaced or added:
    a number by digits of other scripts or one no id reaches, anything else by other codes or text."""
    prefixes = sorted({p.split(":")[0] for _, _, p in vocab.payloads})
    odd = st.one_of(odd_numbers, st.sampled_from(vocab.procedure_codes + vocab.dossier_codes), texts)

    @st.composite
    def build(draw):
        prefix = draw(st.sampled_from(prefixes))  # each kind of button as often, not each button
        channel, chat_id, payload = draw(st.sampled_from([e for e in vocab.payloads if e[2].split(":")[0] == prefix]))
        parts = payload.split(":")
        numeric = [i for i, part in enumerate(parts) if part.isdigit()]
        if numeric and draw(st.booleans()):
            i = draw(st.sampled_from(numeric))
            parts[i] = draw(odd_numbers)
        else:
            i = draw(st.integers(0, len(parts)))
            parts[i:i + 1] = [draw(odd)]
        return channel, chat_id, ":".join(parts)

    return build()


async def assert_answers(deps, incoming: Incoming) -> list:
    with no_failures_logged():
        replies = await handle(incoming, deps)
    assert_sendable(replies)
    return replies


@CORE
@given(rng=st.randoms(use_true_random=False), chat=chats, locale=st.sampled_from(["vi", "en"]))
async def test_the_core_answers_the_mix_within_every_channels_limit(people, rng, chat, locale):
    """The mix of bench/fuzz_pipeline.py (tests/fuzz_inputs.py), at CI's size."""
    deps, vocab = people
    m = message(rng, vocab)
    replies = await assert_answers(deps, Incoming(chat[0], chat[1], text=m.text, payload=m.payload, user_id=chat[1],
                                                  locale=locale))
    event(f"{m.kind} → {'+'.join(r.kind for r in replies)}")


@CORE
@given(data=st.data(), chat=chats, at=moments)
async def test_the_core_answers_any_text_and_time(people, data, chat, at):
    """Any Unicode and the probes, at any time the platform may claim (a Telegram update's
    ``date`` is any integer)."""
    deps, vocab = people
    text = data.draw(st.one_of(st.text(st.characters(codec=None, categories=None), max_size=300), texts,
                               st.sampled_from(vocab.probes)), label="text")
    payload = data.draw(st.none() | texts, label="payload")
    replies = await assert_answers(deps, Incoming(chat[0], chat[1], text=text, payload=payload, user_id=chat[1], at=at))
    event("+".join(r.kind for r in replies))


@CORE
@given(data=st.data())
async def test_the_core_refuses_forged_payloads_without_failing(people, data):
    deps, vocab = people
    channel, chat_id, payload = data.draw(forged(vocab), label="forged")
    replies = await assert_answers(deps, Incoming(channel, chat_id, payload=payload, user_id=chat_id))
    event(f"{payload.split(':')[0][:8]!r} → {'+'.join(r.kind for r in replies)}")  # repr: printable


# --- 3. over HTTP ---------------------------------------------------------------------------------
async def raw_post(url: str, path: str, headers: dict[str, bytes], body: bytes) -> int:
    """A request as bytes: header values that are not UTF-8, which aiohttp's client cannot send."""
    host, _, port = url.removeprefix("http://").partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = [f"POST {path} HTTP/1.1".encode(), f"Host: {host}:{port}".encode(), b"Connection: close",
            f"Content-Length: {len(body)}".encode(), *(k.encode() + b": " + v for k, v in headers.items())]
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


# What a header may carry: any text (lone surrogates as the bytes that are no UTF-8), bytes above 0x7F
# that aiohttp lets through undecoded, and control bytes it refuses (a 400).
header_values = st.one_of(texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
                          st.lists(st.integers(0x20, 0xFF).filter(lambda b: b != 0x7F), max_size=20).map(bytes),
                          st.binary(max_size=20))
header_values = header_values.map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
foreign_origins = st.one_of(st.sampled_from(["null", "http://[::1", "https://evil.example", ""]),
                            st.builds(lambda scheme, host: f"{scheme}://{host}", st.sampled_from(["http", "https", "x"]),
                                      st.text(alphabet="ab.:[]@%/?#1", max_size=12)))


ROUTE_HEADERS = {"telegram": ["X-Telegram-Bot-Api-Secret-Token"], "zalo": ["X-ZEvent-Signature"],
                 "web": ["Origin", XFF, "Sec-Fetch-Site"]}


def _encode(value, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@st.composite
def request_to(draw, route: str, own_origin: str):
    """(path, headers, body) of one request to ``route``: mostly well authorised, so that the body
    gets past the secret and the signature; sometimes any bytes in a header the route reads."""
    ascii_only = draw(st.booleans())
    headers: dict[str, bytes] = {"Content-Type": b"application/json"}
    if route == "telegram":
        path, body = "/telegram/webhook", _encode(draw(telegram_bodies), ascii_only)
        headers.update({k: v.encode() for k, v in TELEGRAM_HEADERS.items()})
    elif route == "zalo":
        path, zalo_event = "/zalo/webhook", draw(zalo_bodies)
        if isinstance(zalo_event, dict):  # signed as Zalo signs (tests.fakes.zalo_api.signed), any timestamp
            stamp = draw(st.one_of(st.none(), st.none(), st.sampled_from([0, -1, 10**400, -(10**400)]), st.integers()))
            zalo_event = {**zalo_event, "timestamp": str(int(time.time() * 1000) if stamp is None else stamp)}
            zalo_event.setdefault("app_id", APP_ID)
            body = _encode(zalo_event, ascii_only)
            headers["X-ZEvent-Signature"] = f"mac={signature(APP_ID, body, zalo_event['timestamp'], OA_SECRET)}".encode()
        else:
            body = _encode(zalo_event, ascii_only)
    else:
        path, body = "/webchat/api/messages", _encode(draw(web_bodies), ascii_only)
        origin = draw(st.sampled_from([None, own_origin, EMBEDDING_SITE, "foreign"]))
        if origin is not None:
            headers["Origin"] = (draw(foreign_origins) if origin == "foreign" else origin).encode()
        headers[XFF] = draw(st.one_of(st.just(b"198.51.100.7"), header_values))
    if draw(st.integers(0, 2)) == 0:  # one of the headers the route reads, replaced by any bytes
        name = draw(st.sampled_from(["Content-Type", *ROUTE_HEADERS[route]]))
        headers[name] = draw(header_values)
    if draw(st.integers(0, 9)) == 0:  # not JSON, or JSON nested too deep
        body = draw(st.one_of(st.binary(max_size=200), st.integers(20, 3000).map(lambda n: b"[" * n + b"]" * n)))
    return path, headers, body


async def _drained(service) -> None:
    """Until every stored message is answered (or failed): a worker's failure shows in this example."""
    deadline = asyncio.get_running_loop().time() + 20
    while any(r.status in ("pending", "working") for r in await inbox_rows(service.service.deps.db)):
        assert asyncio.get_running_loop().time() < deadline, "stored messages not answered"
        await asyncio.sleep(0.02)


@HTTP
@given(data=st.data())
async def test_no_request_to_any_route_gets_a_5xx(service, data):
    for route in ROUTE_HEADERS:
        path, headers, body = data.draw(request_to(route, service.url), label=route)
        with no_failures_logged():
            status = await raw_post(service.url, path, headers, body)
            assert status < 500, (path, status)
            event(f"{path} {status}")
            if status == 200:
                await _drained(service)
    failed = [r for r in await inbox_rows(service.service.deps.db) if r.status == "failed"]
    assert not failed, [r.last_error for r in failed]
