"""Small talk recognised by general mechanisms (knowledge/scope.py), not message by message: chat
spelling, emoji and emoticons, repeated and doubled letters, names after kin terms, well-wishes,
question words and the yes/no question particle "không". The messages are made up for these
tests; each group also has messages that must stay questions."""

from __future__ import annotations

import pytest

from knowledge.scope import small_talk


@pytest.mark.parametrize("message, kind", [
    ("khum ạ", "deny"), ("hok phải đâu", "deny"), ("hổng cần", "deny"), ("kg phải", "deny"),
    ("chả phải đâu ad", "deny"), ("đc rồi", "affirm"), ("oke nha", "affirm"), ("okê bạn", "affirm"),
    ("okie luôn", "affirm"), ("ukm", "affirm"), ("bạn là ai z", "who"), ("mik cảm ơn nhìu", "thank"),
    ("thui mik đi nha", "goodbye"), ("thx bn", "thank"), ("cảm ưn ad", "thank"), ("hdsd", "help"),
])
def test_chat_spelling_is_read_as_the_standard_word(message, kind):
    assert small_talk(message) == kind


@pytest.mark.parametrize("message, kind", [
    ("không phải rứa đâu", "deny"), ("rứa thôi nghen, bye", "goodbye"), ("ad ơi có ai trực hông", "greet"),
])
def test_regional_forms_are_read_as_the_standard_word(message, kind):
    assert small_talk(message) == kind


@pytest.mark.parametrize("message, kind", [
    ("ok 👍", "affirm"), ("dạ 👌👌", "affirm"), ("em cảm ơn 🙏", "thank"), ("cảm ơn ❤️", "thank"), ("bot 😡", "insult"),
    ("hi 👋", "greet"), ("bye nhé 👋", "goodbye"), ("dạ :)", "affirm"), ("hihi =)))", "affirm"), ("vâng ^^", "affirm"),
    ("ok cảm ơn bạn 😊", "thank"), ("🙏🏻 giúp em với", "help"),
])
def test_emoji_and_emoticons_among_words_stand_for_words(message, kind):
    assert small_talk(message) == kind


def test_sad_or_puzzled_faces_are_no_kind():
    assert small_talk("chị ơi 😢") is None and small_talk("em 🤔") is None


@pytest.mark.parametrize("message, kind", [
    ("?", "help"), ("???", "help"), ("👍", "help"), ("🙂🙏", "help"), ("...", None), ("", None),
])
def test_a_message_without_a_word_gets_the_help(message, kind):
    assert small_talk(message) == kind


@pytest.mark.parametrize("message, kind", [
    ("ok ok", "affirm"), ("vâng vâng", "affirm"), ("cám ơn cám ơn", "thank"), ("okk", "affirm"),
    ("nhaa cảm ơn", "thank"), ("byee", "goodbye"), ("kkkk", "affirm"), ("hahaha", "affirm"),
])
def test_repeated_words_and_doubled_letters(message, kind):
    assert small_talk(message) == kind


@pytest.mark.parametrize("message, kind", [
    ("cảm ơn chị Mai nhiều nha", "thank"), ("chào anh Quốc Bảo ạ", "greet"), ("tạm biệt cô Hằng", "goodbye"),
    ("dạ con cảm ơn bác Tư", "thank"),
])
def test_a_capitalised_name_after_a_kin_term_is_a_name(message, kind):
    assert small_talk(message) == kind


@pytest.mark.parametrize("message", [
    "cảm ơn anh. Khai sinh làm ở đâu",  # a new sentence, not a name
    "chào chị Lan, cho hỏi lệ phí hộ chiếu",
    "cảm ơn Tuấn",  # no kin term before it
])
def test_a_name_is_only_a_name_right_after_a_kin_term(message):
    assert small_talk(message) is None


def test_a_lower_case_name_is_left_to_the_decision_one_unknown_word():
    assert small_talk("cảm ơn chị hằng nhiều") is None
    assert small_talk("cảm ơn chị hằng nhiều", unknown=1) == "thank"


@pytest.mark.parametrize("message, kind", [
    ("xin chào, chúc bạn một ngày tốt lành", "greet"), ("chúc một ngày tốt lành nhé", "goodbye"),
    ("have a great day, bye", "goodbye"), ("cảm ơn, chúc sức khỏe", "thank"),
])
def test_a_well_wish_greets_with_a_greeting_and_otherwise_says_goodbye(message, kind):
    assert small_talk(message) == kind


@pytest.mark.parametrize("message, kind", [
    ("dạ không ạ", "deny"), ("thôi không", "deny"), ("không", "deny"),
    ("bạn là người thật không", "who"), ("có ai đó không", "greet"),
])
def test_a_final_khong_is_a_no_only_after_a_polite_prefix(message, kind):
    assert small_talk(message) == kind


@pytest.mark.parametrize("message", ["được không ạ", "ok không", "đúng không vậy", "có nộp online được không"])
def test_a_yes_no_question_is_not_an_answer(message):
    assert small_talk(message) is None
    assert small_talk(message, unknown=1) is None


@pytest.mark.parametrize("message", [
    "ok thế nộp ở đâu", "vâng, mất bao lâu ạ", "dạ khi nào có ạ", "ok bao nhiêu tiền", "được, cần gì ạ",
])
def test_a_question_word_makes_a_question_even_among_small_talk_words(message):
    assert small_talk(message, unknown=1) is None


@pytest.mark.parametrize("message, kind", [
    ("xin chân thành cảm ơn quý cơ quan", "thank"), ("cảm ơn đã tư vấn tận tình", "thank"),
    ("hiểu rồi ạ", "affirm"), ("ra vậy", "affirm"), ("chẳng phải cái đó", "deny"), ("see you soon", "goodbye"),
    ("ai vận hành trang này vậy", "who"), ("là máy trả lời tự động à", "who"), ("bó tay thật sự", "insult"),
    ("có những tính năng gì", "help"), ("kính chào cán bộ", "greet"), ("mình về đây", "goodbye"),
])
def test_the_general_vocabulary_of_each_kind(message, kind):
    assert small_talk(message) == kind


@pytest.mark.parametrize("message", [
    "cảm ơn, cho hỏi làm căn cước cần gì", "ok vậy làm hộ chiếu ở đâu", "dạ cho em hỏi đăng ký kết hôn",
    "chào bạn, giấy phép lái xe hết hạn thì sao", "khum có giấy khai sinh thì làm sao", "👍 thế còn tạm trú",
    "giúp tôi làm giấy khai sinh", "hộ chiếu", "đăng ký thường trú cho con", "hồ sơ của tôi đến đâu rồi",
])
def test_a_procedure_question_stays_a_question(message):
    assert small_talk(message) is None
    assert small_talk(message, unknown=1) is None


@pytest.mark.parametrize("message, kind", [
    ("chưa hiểu lắm", "help"), ("em không hiểu ạ", "help"), ("hiểu rồi", "affirm"),
])
def test_not_understanding_asks_for_help(message, kind):
    assert small_talk(message) == kind
    assert small_talk("hiểu không") is None  # a question, not an answer


def test_a_final_khong_after_a_word_not_understood_asks_a_question():
    assert small_talk("bạn thông minh không", unknown=1) is None
    assert small_talk("dạ em không ạ", unknown=1) == "deny"


@pytest.mark.parametrize("message, kind", [
    ("có ai đang trực không ạ", "greet"), ("cảm ơn em đã hỗ trợ", "thank"), ("cảm ơn vì đã giúp đỡ", "thank"),
])
def test_a_filler_may_stand_inside_a_phrase(message, kind):
    assert small_talk(message) == kind
