"""The router, explicit (issue 12): each feature's router combined in one place, a clash an error at
import, typed pending steps that read the plain dicts already stored, and the command menu and the
help built from (or checked against) what the features register."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.telegram import command_menus
from handlers.intents import router
from handlers.intents.dossier import Verify
from handlers.intents.feedback import AskTopic
from handlers.router import Pending, Router, RouterClash
from handlers.state import load_state, save_state
from knowledge.calendar import VN_TZ
from tests.test_dossier_conversation import CODE, seed

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=VN_TZ)
TEMPLATES = Path(__file__).parent.parent / "handlers" / "templates"
_SLASH = re.compile(r"(?<![\w/])/([a-z_]+)")


async def nothing(ctx, *step):
    return None


@dataclass(kw_only=True)
class Step(Pending):
    kind = "step"
    n: int


def two(setup_a, setup_b) -> None:
    a, b = Router(name="a"), Router(name="b")
    setup_a(a)
    setup_b(b)
    Router.combine(a, b)


# --- clashes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("what, register_a, register_b", [
    ("command 'ho_so'", lambda r: r.command("tra_cuu", "ho_so")(nothing), lambda r: r.command("ho_so")(nothing)),
    ("payload 'p'", lambda r: r.payload("p")(nothing), lambda r: r.payload("p")(nothing)),
    ("pending 'step'", lambda r: r.pending(Step)(nothing), lambda r: r.pending(Step)(nothing)),
    ("detector priority 5", lambda r: r.detect(5, bool)(nothing), lambda r: r.detect(5, bool)(nothing)),
    ("fallback", lambda r: r.fallback(nothing), lambda r: r.fallback(nothing)),
])
def test_a_second_claim_is_an_error_naming_both_routers(what, register_a, register_b):
    with pytest.raises(RouterClash, match=f"{what}.* by both 'a' and 'b'"):
        two(register_a, register_b)
    with pytest.raises(RouterClash, match="by both 'a' and 'a'"):  # within one router too
        two(lambda r: (register_a(r), register_b(r)), lambda r: None)


def test_combined_routers_keep_every_entry_and_where_it_came_from():
    a, b, c = Router(name="a"), Router(name="b"), Router(name="c")
    a.command("one")(nothing)
    b.payload("x")(nothing)
    c.command("one")(nothing)
    ab = Router.combine(a, b, name="ab")
    assert set(ab.commands) == {"one"} and set(ab.payloads) == {"x"}
    with pytest.raises(RouterClash, match="'a' and 'c'"):  # a combined router combines again, owners kept
        Router.combine(ab, c)


def test_registration_refuses_what_no_message_could_reach():
    with pytest.raises(ValueError):
        Router(name="a").command("Thu-tuc")
    with pytest.raises(ValueError):
        Router(name="a").payload("a:b")
    with pytest.raises(ValueError):  # a listed command is described in both languages
        Router(name="a").command("x", vi="Một")


def test_the_bots_router_has_every_feature_and_one_fallback():
    assert router.fallback_handler is not None
    assert {"tra_cuu", "ho_so", "bao_cao", "baocao", "phan_anh", "tra_loi", "xin_loi", "start"} <= set(router.commands)
    assert router.commands["ho_so"].officials and not router.commands["tra_cuu"].officials
    assert set(router.pendings) == {"verify", "apology_reason", "apology_date", "rating_comment", "feedback_content",
                                    "feedback_topic", "feedback_dossier", "feedback_legal", "feedback_answer",
                                    "handoff_content"}
    priorities = [p for p, _, _ in router.detectors]
    assert priorities == sorted(priorities)


# --- the menu and the help -------------------------------------------------------------------------
def test_the_telegram_menu_is_the_registered_citizens_commands():
    menus = command_menus()
    listed = router.listed()
    assert set(menus) == {None, "en"}
    assert [(c.command, c.description) for c in menus[None]] == [(c.name, c.vi) for c in listed]
    assert [(c.command, c.description) for c in menus["en"]] == [(c.name, c.en) for c in listed]
    names = [c.command for c in menus[None]]
    assert set(names) == {"start", "help", "thu_tuc", "tra_cuu", "theo_doi", "huy_theo_doi", "phan_anh", "can_bo"}
    assert names[0] == "start"
    # Aliases, hidden commands and the officials' commands are not in the citizens' menu.
    assert not set(names) & {"tracuu", "baocao", "bao_cao", "lang", "tre_han", "lienket"}
    for command in (*listed, *router.listed(officials=True)):
        assert 0 < len(command.vi) <= 256 and 0 < len(command.en) <= 256


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("help.j2")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_the_help_names_registered_commands_and_every_listed_one(path):
    text = path.read_text(encoding="utf-8")
    named = set(_SLASH.findall(text))
    for name in named:
        assert name in router.commands, f"{path.name}: /{name} is not registered"
        assert router.commands[name].name == name, f"{path.name}: /{name} is an alias"
    # What the help lists only where a chat can be an official's is the officials' commands, the rest not.
    for block in re.findall(r"{% if officials %}(.*?){% endif %}", text, re.DOTALL):
        assert all(router.commands[n].officials for n in _SLASH.findall(block)), block
    rest = re.sub(r"{% if officials %}.*?{% endif %}", "", text, flags=re.DOTALL)
    for line in rest.splitlines():
        if "officials" not in line:  # an inline "if officials"
            assert not any(router.commands[n].officials for n in _SLASH.findall(line)), line
    listed = {c.name for c in (*router.listed(), *router.listed(officials=True))}
    assert listed - named == {"start"}  # /start is what opens the chat, not something to look up


# --- typed pending steps ---------------------------------------------------------------------------
def test_a_step_reads_and_writes_the_plain_dict_stored_before():
    stored = {"kind": "verify", "code": CODE, "since": NOW.isoformat(), "unknown": 1}
    assert Verify.from_dict(stored) == Verify(code=CODE)
    assert Verify(code=CODE).to_dict() == {"kind": "verify", "code": CODE}  # "since" is the core's
    draft = AskTopic.from_dict({"kind": "feedback_topic", "content": "đường ngập nước", "dossier": CODE})
    assert draft.to_dict() == {"kind": "feedback_topic", "content": "đường ngập nước", "dossier": CODE}
    assert draft.draft() == {"content": "đường ngập nước", "dossier": CODE}
    for garbled in ({"kind": "verify"}, {"kind": "verify", "code": 7}, {"kind": "rating_comment", "code": CODE},
                    {"code": CODE}, "verify", None):
        assert Verify.from_dict(garbled) is None, garbled


async def test_an_old_style_verify_step_in_the_database_still_takes_the_digits(deps, chat):
    await seed(deps)
    stored = {"kind": "verify", "code": CODE, "since": (NOW - timedelta(minutes=1)).isoformat()}
    await save_state(deps.db, chat.channel, chat.chat_id, {"procedure": "1.001193", "pending": stored})
    chat.at = NOW
    await chat.say("1111")
    assert chat.kinds == ["wrong"]
    state = await load_state(deps.db, chat.channel, chat.chat_id)
    assert state["pending"] == stored  # untouched: the same keys, the same date
    await chat.say("5678")
    assert chat.kinds == ["dossier"] and "Nguyễn V*** A" in chat.text
    assert "pending" not in await load_state(deps.db, chat.channel, chat.chat_id)


async def test_a_step_set_now_is_stored_as_the_same_plain_dict(deps, chat):
    await seed(deps)
    chat.at = NOW
    await chat.say(CODE)
    pending = (await load_state(deps.db, chat.channel, chat.chat_id))["pending"]
    assert pending == {"kind": "verify", "code": CODE, "since": pending["since"]}
    datetime.fromisoformat(pending["since"])


@pytest.mark.parametrize("garbled", [
    {"kind": "verify"},
    {"kind": "verify", "code": ["x"]},
    {"kind": "apology_reason", "apology": "7"},
    {"kind": "no_longer_a_step", "code": CODE},
    {"kind": ["verify"]},
    {"code": CODE},
    "verify",
    ["verify"],
])
async def test_a_garbled_or_unknown_step_is_dropped_and_the_message_answered(deps, chat, garbled):
    await seed(deps)
    await save_state(deps.db, chat.channel, chat.chat_id, {"pending": garbled})
    chat.at = NOW
    await chat.say("đăng ký khai sinh cần gì")
    assert chat.kinds == ["answer"]
    assert "pending" not in await load_state(deps.db, chat.channel, chat.chat_id)
