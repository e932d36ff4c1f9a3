"""compose.yaml and tests/test_replicas.py describe one topology (issue #13): PostgreSQL, the schema
migrated once, N `motcua run` replicas on that one database behind one port. Compose cannot run on
the CI machines; the replica tests run the same thing there. These tests keep the two in step: they
read compose.yaml (PyYAML when installed, else the small parser below, which refuses what it does
not know), deploy/nginx.conf and the replica test's source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.config import Settings

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "compose.yaml"
NGINX = REPO / "deploy" / "nginx.conf"
ENV_EXAMPLE = REPO / "deploy" / "env.example"


# --- a YAML subset: block mappings and sequences, flow sequences, quoted and plain scalars,
# anchors, aliases and `<<` merges. Enough for compose.yaml; anything else is an error.

def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text: str, anchors: dict):
    text = text.strip()
    if text.startswith("*"):
        return anchors[text[1:]]
    if text.startswith("["):
        return json.loads(text)
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        assert text.endswith("'"), text
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text[:1] in "{|>&!%@`":
        raise ValueError(f"YAML the test's parser does not know: {text!r}")
    return text


def tiny_yaml(source: str) -> dict:
    lines = [(len(s) - len(s.lstrip(" ")), s.strip()) for s in map(_strip_comment, source.splitlines()) if s.strip()]
    anchors: dict = {}
    pos = 0

    def block(indent: int):
        nonlocal pos
        if lines[pos][1].startswith("- "):
            items = []
            while pos < len(lines) and lines[pos][0] == indent and lines[pos][1].startswith("- "):
                items.append(_scalar(lines[pos][1][2:], anchors))
                pos += 1
            return items
        mapping: dict = {}
        while pos < len(lines) and lines[pos][0] == indent:
            key, sep, rest = lines[pos][1].partition(":")
            if not sep or (rest and not rest.startswith(" ")):
                raise ValueError(f"line {lines[pos]!r}: not `key: value`")
            key, rest = _scalar(key, anchors), rest.strip()
            pos += 1
            anchor = None
            if rest.startswith("&"):
                anchor, _, rest = rest[1:].partition(" ")
            if rest:
                value = _scalar(rest, anchors)
            elif pos < len(lines) and lines[pos][0] > indent:
                value = block(lines[pos][0])
            else:
                value = None
            if anchor:
                anchors[anchor] = value
            if key == "<<":
                mapping = {**value, **mapping}
            else:
                mapping[key] = value
        return mapping

    result = block(0)
    if pos != len(lines):
        raise ValueError(f"line {lines[pos]!r}: unexpected indentation")
    return result


def load_compose() -> dict:
    try:
        import yaml
    except ImportError:
        return tiny_yaml(COMPOSE.read_text(encoding="utf-8"))
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services() -> dict:
    return load_compose()["services"]


def replicas(services: dict) -> dict:
    return {name: s for name, s in services.items() if s.get("command") == ["motcua", "run"]}


def replicas_in_the_replica_test() -> int:
    """How many `motcua run` processes tests/test_replicas.py starts on one PostgreSQL."""
    source = (REPO / "tests" / "test_replicas.py").read_text(encoding="utf-8")
    test = source[source.index("async def test_two_replicas_on_postgres"):]
    test = test[: test.index("\nasync def ") if "\nasync def " in test else None]
    assert "@pytest.mark.postgres\nasync def test_two_replicas_on_postgres" in source  # on PostgreSQL
    assert "MotcuaProcess(base_env(postgres_url" in test  # every replica on the same database URL
    (count,) = re.findall(r"replicas = \[MotcuaProcess\(.*?for n in range\((\d+)\)\]", test, re.S)
    return int(count)


# --- the topology

def test_the_tiny_parser_reads_compose_as_yaml_would():
    parsed = tiny_yaml(COMPOSE.read_text(encoding="utf-8"))
    assert parsed == load_compose()
    assert tiny_yaml("a: &x\n  b: 1\nc:\n  <<: *x\n  d: [\"e\"]\n  f: 'g'\n") == {"a": {"b": 1}, "c": {"b": 1, "d": ["e"], "f": "g"}}


def test_as_many_motcua_run_replicas_as_the_replica_test_runs_on_one_postgresql(services):
    bots = replicas(services)
    assert len(bots) == replicas_in_the_replica_test() == 2
    postgres = [name for name, s in services.items() if str(s.get("image", "")).startswith("postgres:")]
    assert len(postgres) == 1
    (db,) = postgres
    assert "pg_isready" in " ".join(services[db]["healthcheck"]["test"])
    urls = {s["environment"]["MOTCUA_DATABASE_URL"] for s in bots.values()}
    assert len(urls) == 1  # one database for every replica
    (url,) = urls
    assert url.startswith("postgresql+asyncpg://") and f"@{db}:5432/" in url
    assert "${POSTGRES_PASSWORD" in url  # the password comes from .env, never from this file


def test_the_schema_is_migrated_once_before_any_replica_starts(services):
    (migrate,) = [name for name, s in services.items() if s.get("command") == ["motcua", "db", "upgrade"]]
    (db,) = [name for name, s in services.items() if str(s.get("image", "")).startswith("postgres:")]
    assert services[migrate]["depends_on"] == {db: {"condition": "service_healthy"}}
    assert services[migrate].get("restart") == "no"
    assert services[migrate]["environment"]["MOTCUA_DATABASE_URL"] == replicas(services)["bot1"]["environment"]["MOTCUA_DATABASE_URL"]
    for name, bot in replicas(services).items():
        assert bot["depends_on"][migrate] == {"condition": "service_completed_successfully"}, name


def test_each_replica_is_health_checked_on_healthz_and_built_from_the_project_image(services):
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    port = re.search(r"MOTCUA_HTTP_PORT=(\d+)", dockerfile)[1]
    for name, bot in replicas(services).items():
        probe = " ".join(bot["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/healthz" in probe, name
        assert bot["build"] == "." and bot["env_file"] == ".env", name
        assert "ports" not in bot, f"{name} is reached through the proxy only"


def test_the_proxy_is_the_one_port_and_routes_to_every_replica(services):
    from bot.channels.telegram import TelegramChannel
    from bot.channels.zalo import ZaloChannel

    exposed = {name: s["ports"] for name, s in services.items() if s.get("ports")}
    assert list(exposed) == ["proxy"] and len(exposed["proxy"]) == 1
    proxy = services["proxy"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert set(proxy["depends_on"]) == set(replicas(services))
    conf = NGINX.read_text(encoding="utf-8")
    upstream = re.search(r"upstream motcua \{(.*?)\}", conf, re.S)[1]
    servers = re.findall(r"^\s*server (\S+?):(\d+)\b", upstream, re.M)
    assert sorted(host for host, _ in servers) == sorted(replicas(services))
    assert {p for _, p in servers} == {"8080"}
    listen = re.search(r"^\s*listen (\d+);", conf, re.M)[1]
    assert exposed["proxy"][0].endswith(f":{listen}")
    for path in (TelegramChannel.path, ZaloChannel.path):
        assert re.search(rf"location = {re.escape(path)} \{{\s*proxy_pass http://motcua;", conf), path
    assert re.search(r"location /webchat/ \{\s*proxy_pass http://motcua;", conf)  # POST /webchat/api/messages
    assert re.search(r"location / \{\s*proxy_pass http://motcua;", conf)  # the page, embed.js, /healthz, /api/v1/


# --- the settings it names

def _motcua_names(text: str) -> set[str]:
    return set(re.findall(r"\bMOTCUA_[A-Z0-9_]+", text))


def test_every_motcua_variable_named_exists_in_the_settings():
    fields = {f"MOTCUA_{name.upper()}" for name in Settings.model_fields}
    for path in (COMPOSE, NGINX, ENV_EXAMPLE):
        unknown = _motcua_names(path.read_text(encoding="utf-8")) - fields
        assert not unknown, f"{path.name}: {sorted(unknown)} are not in bot/config.py"
    assert _motcua_names(ENV_EXAMPLE.read_text(encoding="utf-8")) >= {"MOTCUA_TELEGRAM_WEBHOOK_SECRET", "MOTCUA_ZALO_OA_SECRET_KEY"}


def test_no_secret_is_written_in_the_deployment_files(services):
    secrets = {f"MOTCUA_{name.upper()}" for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)}
    for name, service in services.items():
        env = service.get("environment") or {}
        assert not secrets & set(env), f"{name}: secrets come from .env only"
        for key, value in env.items():
            assert "PASSWORD" not in key or str(value).startswith("${"), f"{name}: {key}"
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        key, _, value = line.lstrip("# ").partition("=")
        if key in secrets or key == "POSTGRES_PASSWORD":
            assert value == "", f"deploy/env.example: {key} has a value"


def test_the_deployment_guide_says_the_replica_tests_prove_this_topology():
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needed in ("compose.yaml", "tests/test_replicas.py", "tests/test_deploy.py", "setWebhook", "secret_token",
                   "X-Telegram-Bot-Api-Secret-Token", "/zalo/webhook", "user_send_text", "OA Secret Key",
                   "docker compose run --rm catalogue", "pg_isready"):
        assert needed in guide, needed
