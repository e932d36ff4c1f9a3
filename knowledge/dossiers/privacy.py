"""Personal data of applicants: shown only masked, and only after the second factor (the last 4
digits of the phone or ID number registered with the dossier). The HCMC portal's mistake — the full
name from the code alone — is not repeated."""

from __future__ import annotations

import hmac
import re

from knowledge.text import clean

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


def second_factor(text: str | None) -> str | None:
    """The 4 digits of an answer ("1234", "số cuối 5 6 7 8" is not accepted: one group of 4 digits)."""
    found = _FOUR.findall(clean(text))
    return found[0] if len(found) == 1 else None


def matches(answer: str, phone: str | None, id_number: str | None) -> bool:
    """Constant-time comparison with the last 4 digits of the phone and of the ID number."""
    ok = False
    for value in (phone, id_number):
        if value and len(value) >= 4:
            ok |= hmac.compare_digest(answer.encode(), value[-4:].encode())
    return ok
