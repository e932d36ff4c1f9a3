"""Asking to talk with a person — an official — instead of the assistant: "gặp cán bộ", "cho tôi nói
chuyện với người thật", "talk to a human" (accents optional, on the folded text).

What is not such a request, though it names an official: a question about what a procedure
requires or where and when ("đăng ký khai sinh có cần gặp cán bộ tư pháp không?", "gặp cán bộ địa
chính ở đâu?") — the catalogue answers those; and feedback about an official ("phản ánh cán bộ thái
độ kém"), which names no wish to talk.
"""

from __future__ import annotations

import re

from knowledge.text import fold, words

_PERSON = (r"(?:mot |cac |vi )?(?:can bo|nhan vien|chuyen vien|tu van vien|ho tro vien|nguoi that|nguoi truc"
           r"|nguoi ho tro|nguoi phu trach|con nguoi)")
_VI = re.compile(
    r"\b(?:gap|noi chuyen|trao doi|chat|nhan tin|ket noi|chuyen|lien he|lien lac|hoi)(?: truc tiep)?"
    r"(?: (?:voi|cho|sang|toi|den|gap))?(?: truc tiep)? " + _PERSON + r"\b"
    # "cho tôi nói chuyện với người" (the issue's own words): a person, said plainly
    r"|\bnoi chuyen (?:truc tiep )?voi (?:mot )?nguoi\b(?! (?:than|nha|khac|nuoc ngoai|dan|bao lanh|giam ho))"
    r"|\bnguoi that\b"
)
_EN = re.compile(
    r"\b(?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an |the |some |your )?(?:real |live )?"
    r"(?:person|human|officer|official|someone|somebody|agent|staff|operator)\b"
    r"|\b(?:real|live) (?:person|human|agent)\b|\bhuman agent\b"
)
# Asking whether a procedure needs it: "có cần / có phải / cần phải / phải gặp cán bộ".
_NEED_BEFORE = re.compile(r"\b(?:co can|co phai|can phai|phai|bat buoc|co bat buoc)\s*(?:di |den |truc tiep )*$")
# Asking where or when to find one: the procedure's place and hours answer it.
_WHERE_WHEN = re.compile(r"\b(?:o dau|cho nao|may gio|khi nao|luc nao|bao gio|gio nao|ngay nao|where|when)\b")
# "cán bộ tư pháp", "cán bộ địa chính": an office's staff, named in a question about a procedure.
_ROLE_AFTER = re.compile(r"^\s*(?:tu phap|ho tich|dia chinh|thue|tiep nhan|thu ly|xu ly|van hoa|lao dong|y te"
                         r"|cong an|moi truong|xay dung|giao duc)\b")
_QUESTION_END = re.compile(r"(?:\?|\b(?:khong|chua|nao|dau|gi|sao|a|ha))\s*[?.!]*\s*$")
_POLITE = re.compile(r"\b(?:duoc|dc|duoc ko|giup)\s+(?:khong|ko|k|nhe|nha|a)\s*[?.!]*\s*$")


def asks_official(text: str | None) -> bool:
    folded = fold(text)
    if not folded:
        return False
    if _EN.search(folded):
        return True
    match = _VI.search(folded)
    if match is None:
        return False
    if _NEED_BEFORE.search(folded[: match.start()]) or _WHERE_WHEN.search(folded[match.end():]):
        return False
    question = _QUESTION_END.search(folded) and not _POLITE.search(folded)
    return not (question and _ROLE_AFTER.match(folded[match.end():]))


# Words of the request itself, and the ones that carry nothing around it ("cho tôi gặp cán bộ ạ").
_REQUEST_WORDS = frozenset(fold(w) for w in words(
    "gặp nói chuyện trao đổi chat nhắn tin kết nối chuyển liên hệ lạc hỏi trực tiếp với cho sang tới đến một các vị "
    "cán bộ nhân viên chuyên viên tư vấn hỗ trợ người thật trực phụ trách con "
    "tôi em mình anh chị cháu con muốn xin được cần giúp ạ nhé nha ơi ad bạn bot không ko k được đc "
    "talk speak to with a an the some your real live person human officer official someone somebody agent staff "
    "operator i want would like please can could me let"
))


def says_what_about(text: str | None) -> bool:
    """The request also says what it is about (three words besides the request itself): it can
    stand as a feedback item's content."""
    return sum(1 for w in words(text) if w.isalpha() and fold(w) not in _REQUEST_WORDS) >= 3
