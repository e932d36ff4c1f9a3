"""Personal data of applicants: shown only masked, and only after the second factor (the last 4
digits of the phone or ID number registered with the dossier). The HCMC portal's mistake — the full
name from the code alone — is not repeated."""

from __future__ import annotations

import hmac
import re

from knowledge.text import clean, fold

_FOUR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def mask_name(name: str | None) -> str:
    """"Nguyễn Văn An" → "Nguyễn V*** A": the family name, then initials."""
    words = clean(name).split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "***"
    middle = [w[0] + "***" for w in words[1:-1]]
    return " ".join([words[0], *middle, words[-1][0]])


def mask_digits(value: str | None, keep: int = 3) -> str:
    """"0912345678" → "*******678"."""
    if not value:
        return ""
    return "*" * max(0, len(value) - keep) + value[-keep:]


# The words an answer may have around its 4 digits (folded): "số cuối là 5678 ạ", "4 số cuối SĐT
# của em: 5678", "CCCD 2345 nhé", "last 4 digits: 5678". Anything else ("thủ tục ly hôn năm 2024")
# is another message, not a wrong answer.
_ANSWER_WORDS = frozenset("""
    so cuoi la 4 bon cua toi em minh anh chi sdt dt dien thoai cccd cmnd can cuoc cong dan giay to id
    ma xac nhan gui day a ah nhe nha ne vang da u ok oke thi
    last digits digit my is the of phone number are it here
""".split())
_MAX_ANSWER_WORDS = 10


def second_factor(text: str | None) -> str | None:
    """The 4 digits of a message that is essentially an answer: one group of exactly 4 digits, with
    at most a few words of the answer's own around it and no question mark ("số cuối 5 6 7 8" is
    not accepted: one group of 4 digits); None for anything else."""
    text = clean(text)
    found = _FOUR.findall(text)
    if len(found) != 1 or "?" in text or "？" in text:
        return None
    words = re.findall(r"[^\W_]+", fold(_FOUR.sub(" ", text)))
    if len(words) > _MAX_ANSWER_WORDS or any(w not in _ANSWER_WORDS for w in words):
        return None
    return "".join(str(int(c)) for c in found[0])  # full-width digits from some keyboards too


def matches(answer: str, phone: str | None, id_number: str | None) -> bool:
    """Constant-time comparison with the last 4 digits of the phone and of the ID number."""
    ok = False
    for value in (phone, id_number):
        if value and len(value) >= 4:
            ok |= hmac.compare_digest(answer.encode(), value[-4:].encode())
    return ok
