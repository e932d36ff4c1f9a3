"""English as a first-class language: the language of a reply (``/lang``, the message itself, the
platform's locale), English templates, labels and buttons, the official facts quoted in Vietnamese."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from jinja2 import meta

from bot.config import Settings
from handlers.i18n import english_title
from handlers.render import TEMPLATES, _environment
from handlers.reply_json import reply_from_json, reply_to_json
from handlers.types import Button, Reply
from knowledge.english import language_of
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.telegram_api import text_update

NOTE = "Official details are quoted in Vietnamese from the national catalogue."
ENGLISH_LABELS = ("📄 Documents", "💰 Fees", "⏱ Processing time", "📍 Where to submit")


def assert_english_answer(text: str) -> None:
    assert "Procedure code" in text and NOTE in text and "Source:" in text
    assert all(label in text for label in ENGLISH_LABELS)
    assert "Giấy tờ cần chuẩn bị" not in text and "Mã thủ tục" not in text


async def test_an_english_question_gets_english_labels_and_the_vietnamese_facts_note(chat):
    await chat.say("I lost my ID card, how do I get a new one")
    assert chat.kinds[0] == "answer"
    assert_english_answer(chat.text)
    assert "Cấp lại thẻ căn cước" in chat.text and "Công an" in chat.text  # the record's own words
    # English buttons, the same payloads as in Vietnamese.
    titles = {b.title: b.payload for r in chat.replies for b in r.buttons}
    assert titles["💰 Fees"] == "s:fee:1.014064" and "💰 Lệ phí" not in titles
    await chat.press("Where to submit")  # a button carries no language: the chat's last one
    assert "📍 Where to submit" in chat.text and "Nơi nộp" not in chat.text


async def test_one_english_message_sets_that_answer_only_and_lang_pins_the_chat(chat):
    await chat.say("what documents do I need for temporary residence")
    assert "Procedure code 1.004194" in chat.text
    await chat.say("đăng ký tạm trú cần giấy tờ gì")  # written in Vietnamese: answered in Vietnamese
    assert "Giấy tờ cần chuẩn bị" in chat.text and NOTE not in chat.text
    await chat.say("/lang en")
    assert "Switched to English" in chat.text
    await chat.say("đăng ký khai sinh")
    assert_english_answer(chat.text)
    await chat.say("/help")
    assert "How to use the assistant" in chat.text
    await chat.say("/lang vi")
    assert "Đã chuyển sang tiếng Việt" in chat.text
    await chat.say("how do I register a death")  # pinned to Vietnamese: /lang wins over the message
    assert "Mã thủ tục 1.000656" in chat.text and "Giấy tờ cần chuẩn bị" in chat.text


async def test_english_follow_ups_ask_about_the_procedure_just_answered(chat):
    await chat.say("what documents do I need for temporary residence")
    assert "Procedure code 1.004194" in chat.text
    await chat.say("how much is the fee?")
    assert "Procedure code 1.004194" in chat.text and "💰 Fees" in chat.text
    assert "📄 Documents\n" not in chat.text  # only what was asked
    await chat.say("how long does it take")
    assert "Procedure code 1.004194" in chat.text and "⏱ Processing time" in chat.text
    await chat.say("where do I submit it")
    assert "Procedure code 1.004194" in chat.text and "📍 Where to submit" in chat.text


async def test_the_locale_speaks_for_a_message_that_does_not_say(chat):
    chat.locale = "en"
    await chat.say("/start")
    assert chat.text.startswith("Hello!") and chat.button("ID card").payload == "q:làm căn cước"
    await chat.say("lam lai cccd bi mat")  # unaccented Vietnamese: the platform's language
    assert_english_answer(chat.text)


# The 12 common procedures English speakers ask about most; phrased here, not taken from the bench.
COMMON = [
    ("how do I register a birth", "1.001193"),
    ("I lost my ID card, how do I get a new one", "1.014064"),
    ("what documents do I need for temporary residence", "1.004194"),
    ("how do I get a passport", "1.001456"),
    ("how long does marriage registration take", "1.000894"),
    ("I need a criminal record certificate", "3.000333"),
    ("how do I register a death", "1.000656"),
    ("where do I apply for a building permit", "1.013225"),
    ("how do I get a certified copy of a document", "2.000815"),
    ("how do I register permanent residence", "1.004222"),
    ("how do I register a household business", "1.001612"),
    ("how do I renew my driving licence", "3.000347"),
]


@pytest.mark.parametrize(("question", "code"), COMMON)
async def test_english_questions_about_common_procedures_get_english_answers(deps, question, code):
    from tests.chat import Chat

    chat = Chat(deps, chat_id=f"en-{code}")
    await chat.say(question)
    assert chat.kinds[0] in ("answer", "candidates") and code in chat.text
    if chat.kinds[0] == "candidates":
        assert "Choose the one that fits" in chat.text
        await chat.press(f"p:{code}")
    assert_english_answer(chat.text)


def test_the_language_of_a_message():
    assert language_of("how do I get a passport") == "en"
    assert language_of("làm căn cước") == "vi"
    # Unaccented Vietnamese that spells English words, codes, one-word replies: not said.
    for text in ("the can cuoc", "no", "ok", "lam lai cccd bi mat", "000.00.22.H26-251120-0001", ""):
        assert language_of(text) is None, text


def test_button_titles_in_english():
    assert english_title("Tra cứu hồ sơ") == "Check my dossier"
    assert english_title("🔔 Theo dõi / Follow") == "🔔 Follow"
    assert english_title("😊 Hài lòng") == "😊 Satisfied"
    assert english_title("Đăng ký tạm trú") == "Đăng ký tạm trú"  # a procedure's name stays as published


def test_a_planned_reply_keeps_its_language():
    reply = Reply(template="busy", lang="en", buttons=(Button("x", payload="y"),))
    assert reply_from_json(json.loads(json.dumps(reply_to_json(reply)))).render() == reply.render()
    assert reply.render().startswith("The system is busy")
    assert "lang" not in reply_to_json(Reply(template="busy"))  # rows planned before stay as they were


def test_every_template_has_an_english_twin_that_needs_no_other_context():
    env = _environment("html")
    names = sorted(p.name for p in TEMPLATES.glob("*.j2"))
    assert len(names) > 40
    missing = [n for n in names if not (TEMPLATES / "en" / n).is_file()]
    assert not missing, f"no English twin in handlers/templates/en/: {missing}"
    # The same contexts render both: the twin reads only what the Vietnamese one does, or the
    # English names the same views also give.
    extra = {"feedback_filed.j2": {"topic_en"}, "feedback_view.j2": {"topic_en"}}
    for name in names:
        vi = meta.find_undeclared_variables(env.parse((TEMPLATES / name).read_text()))
        en = meta.find_undeclared_variables(env.parse((TEMPLATES / "en" / name).read_text()))
        assert en - vi <= extra.get(name, set()), name


@pytest.mark.parametrize("dialect", ["html", "plain"])
def test_english_twins_render_with_the_contexts_of_the_vietnamese(dialect):
    contexts = {
        "welcome": {"lang": "en"},
        "help": {"lang": "en", "officials": True, "follow": True},
        "empty": {"lang": "en"}, "busy": {}, "unknown_command": {"lang": "en"}, "truncated": {"limit": 1000},
        "not_found": {"lang": "en"},
        "small_talk": {"kind": "who", "offered": False, "lang": "en"},
        "dossier_wrong": {"left": 2}, "dossier_limited": {"what": "failures", "limit": 5, "minutes": 30},
        "subscription": {"what": "push_only", "code": ""}, "rating_thanks": {"level_en": "satisfied", "level_vi": "Hài lòng",
                                                                             "limit": 500},
    }
    for name, context in contexts.items():
        vi = Reply(template=name, context=context).render(dialect)
        en = Reply(template=name, context=context, lang="en").render(dialect)
        assert en and en != vi, name


async def test_telegram_language_code_en_gets_the_english_welcome(deps, bot_api, sqlite_url):
    from tests.test_telegram import HEADERS, settings_for

    async with running_service(settings_for(sqlite_url, bot_api), deps=deps,
                               channel_options={"telegram": {"typing_after": 0}}) as service:
        status, _ = await service.post("/telegram/webhook", json_body=text_update(1, 4242, "/start", language_code="en"),
                                       headers=HEADERS)
        assert status == 200
        await wait_until(lambda: bot_api.sent(4242), what="the welcome")
        (welcome,) = bot_api.sent(4242)
        assert welcome["text"].startswith("<b>Hello!") and "Check my dossier" in json.dumps(welcome["reply_markup"])


async def test_the_web_chat_english_choice_gets_english(deps, sqlite_url):
    async with running_service(Settings(database_url=sqlite_url), deps=deps) as service:
        body = {"session": "test-session-english-01", "locale": "en", "text": "đăng ký khai sinh"}
        status, answer = await service.post("/webchat/api/messages", json_body=body)
        assert status == 200
        (reply,) = answer["replies"]
        assert "📄 Documents" in reply["html"] and NOTE in reply["html"]
        assert {"title": "💰 Fees", "payload": "s:fee:1.001193"} in reply["buttons"]


async def test_a_zalo_message_in_english_gets_english(deps, sqlite_url):
    from tests.fakes.zalo_api import FakeZalo
    from tests.test_zalo import APP_ID, APP_SECRET, USER, say, settings_for

    zalo_api = await FakeZalo(app_id=APP_ID, app_secret=APP_SECRET, access_token="access-0",
                              refresh_token="refresh-0").start()
    try:
        async with running_service(settings_for(sqlite_url, zalo_api), deps=deps) as service:
            answer, *more = await say(service, zalo_api, USER, "what documents do I need for temporary residence", "m1")
            assert_english_answer(answer.message["text"])
            buttons = [b for m in (answer, *more) for b in m.message["attachment"]["payload"]["buttons"]]
            assert any(b["title"] == "💰 Fees" and b["payload"].endswith("s:fee:1.004194") for b in buttons)
            assert all(m.message["text"] == "More options:" for m in more)  # the buttons past Zalo's five
    finally:
        await zalo_api.stop()


def test_motcua_ask_answers_an_english_line_in_english(tmp_path):
    env = {"MOTCUA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", "ask", "--json"],
                         input="how do I register a death\nđăng ký khai tử\n", capture_output=True, text=True, env=env,
                         check=True, timeout=120).stdout.splitlines()
    english, vietnamese = (json.loads(line) for line in out)
    assert english["procedures"] == ["1.000656"] and NOTE in english["replies"][0]["text"]
    assert "Procedure code 1.000656" in english["replies"][0]["text"]
    assert "Mã thủ tục 1.000656" in vietnamese["replies"][0]["text"]
