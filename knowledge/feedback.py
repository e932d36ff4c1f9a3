"""Feedback (phản ánh, kiến nghị — PAKN) as text: its tracking code, the phrasings that ask to send
one, and the ones that are a complaint or a denunciation instead (other legal processes).

- **Tracking code** ``PA-YYMMDD-NNNN``: the Vietnam date of receipt and that day's sequence (four
  digits at least; the 10,000th item of a day gets five). Typed loosely like dossier codes: lower
  case, spaces or other dashes around the parts.
- **Asking to send feedback**: "tôi muốn phản ánh …", "góp ý …", "kiến nghị …" (also typed without
  accents: "phan anh", "gop y"; "phản ảnh" is a common spelling).
- **Complaint / denunciation**: "khiếu nại …" (a request to review an administrative decision or
  act, Luật Khiếu nại 2011) and "tố cáo …" (reporting a violation of the law, Luật Tố cáo 2018)
  have their own procedures; Decree 20/2008/NĐ-CP art. 1 leaves them out of PAKN.

Phrases are matched word by word with ``knowledge.query.PhraseTable``: accents are optional, a
forgotten tone mark is forgiven, other accents must agree when both sides carry them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from knowledge.query import PhraseTable
from knowledge.text import clean, fold, words

PREFIX = "PA"
EXAMPLE = "PA-260311-0001"
_CODE = re.compile(r"(?<![\w.])pa\s?[-‐‑‒–—_ ]\s?(\d{6})\s?[-‐‑‒–—_ ]\s?(\d{4,6})(?!\w)", re.IGNORECASE)

TOPICS = ("dossier", "procedure", "desk", "other")
MAX_DAYS = 90  # an agency's own handling time, in working days: anything longer is a typo

ASK_PHRASES = ("phản ánh", "phản ảnh", "kiến nghị", "góp ý", "pakn", "phản ánh kiến nghị")
COMPLAINT_PHRASES = ("khiếu nại", "đơn khiếu nại", "khiếu nại quyết định")
DENUNCIATION_PHRASES = ("tố cáo", "đơn tố cáo")
# Words that carry no content of their own around the request ("tôi muốn phản ánh ạ").
_FILLER = frozenset(words(
    "tôi em mình anh chị cháu con muốn xin cho được gửi gởi về việc vấn đề là với ạ nhé nha ạ cần có một ý kiến "
    "làm sao thế nào như nào ở đâu đâu bot ad ơi bạn giúp"
))


def format_code(day: date, number: int) -> str:
    return f"{PREFIX}-{day:%y%m%d}-{number:04d}"


def split_code(text: str | None) -> tuple[str | None, str, str]:
    """(the tracking code inside ``text`` in its one stored form — "PA-260311-0001" — or None,
    the text before it, the text after it)."""
    text = clean(text)
    match = _CODE.search(text)
    if match is None:
        return None, text, ""
    day, number = match.groups()
    try:
        date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
    except ValueError:
        return None, text, ""
    return f"{PREFIX}-{day}-{number}", text[: match.start()].strip(), text[match.end():].strip()


def find_feedback_code(text: str | None) -> str | None:
    return split_code(text)[0]


def substance(text: str) -> int:
    """How many words of ``text`` say something: syllables with letters only (codes, numbers and
    dates are not a description)."""
    return sum(1 for w in words(text) if w.isalpha())


@cache
def _tables() -> tuple[PhraseTable, PhraseTable]:
    ask, legal = PhraseTable(), PhraseTable()
    for phrase in ASK_PHRASES:
        ask.add(phrase, "feedback")
    for phrase in COMPLAINT_PHRASES:
        legal.add(phrase, "complaint")
    for phrase in DENUNCIATION_PHRASES:
        legal.add(phrase, "denunciation")
    return ask, legal


@dataclass(frozen=True)
class FeedbackAsk:
    """A message asking to send feedback; ``has_content``: it also says what about (more than the
    request itself), so it can be kept as the feedback's text."""

    has_content: bool


def asks_feedback(text: str) -> FeedbackAsk | None:
    typed = words(text)
    found = _tables()[0].matches(typed)
    if not found:
        return None
    spans = {i for start, end, _ in found for i in range(start, end)}
    rest = [w for i, w in enumerate(typed) if i not in spans and w not in _FILLER]
    return FeedbackAsk(has_content=len(rest) >= 3)


def legal_kind(text: str) -> str | None:
    """"complaint" (khiếu nại), "denunciation" (tố cáo), or None. Both named: the denunciation (a
    violation of the law is the graver matter, and its procedure protects the one who reports)."""
    kinds = {value for _, _, values in _tables()[1].matches(words(text)) for value in values}
    if "denunciation" in kinds:
        return "denunciation"
    return "complaint" if "complaint" in kinds else None


# --- which complaint / denunciation procedures fit a message ------------------------------------
LEGAL_KEYS = {"complaint": ("giải quyết khiếu nại", "khieu nai"), "denunciation": ("giải quyết tố cáo", "to cao")}
# Words every such procedure's name has (the act, the level, the usual objects): they tell nothing
# about which one fits.
_GENERIC = frozenset(fold(w) for w in words(
    "thủ tục giải quyết khiếu nại tố cáo đơn lần đầu hai tại cấp xã phường huyện tỉnh thành phố trung ương "
    "thực hiện về quyết định hành vi hành chính kỷ luật của công dân cơ quan nhà nước tổ chức cá nhân và đối với "
    "không thuộc lĩnh vực người có thẩm quyền ubnd ủy ban nhân dân cán bộ công chức"
)) | frozenset(fold(w) for w in _FILLER)
# The Ministry of Defence's own procedures (its units' staff and conscripts): only when asked.
_MILITARY = ("quoc phong", "quan doi", "quan khu", "quan chung", "quan doan", "binh doan", "binh chung", "su doan",
             "trung doan", "lu doan", "bien phong", "canh sat bien", "hoc vien", "quan su")


# What citizens call a body, and the words its procedures' names use ("cảnh sát giao thông" is the
# police: "… đối với lực lượng Công an nhân dân"; the army's are "cấp Bộ Quốc phòng").
_ALIASES = {"canh sat giao thong": "cong an", "csgt": "cong an", "canh sat khu vuc": "cong an",
            "quan doi": "quoc phong", "bo doi": "quoc phong", "quan su": "quoc phong"}


def _bigrams(text: str) -> set[str]:
    folded = [fold(w) for w in words(text)]
    pairs = {f"{a} {b}" for a, b in zip(folded, folded[1:]) if not (a in _GENERIC and b in _GENERIC)}
    joined = " ".join(folded)
    return pairs | {alias for cue, alias in _ALIASES.items() if re.search(rf"\b{cue}\b", joined)}


def _about(name: str, key: str) -> bool:
    """The procedure IS the handling of one ("Giải quyết khiếu nại …", "Thủ tục giải quyết đơn tố
    cáo …"), not one that mentions it in passing (a land registration "theo kết quả giải quyết
    tranh chấp, khiếu nại")."""
    folded = fold(name).removeprefix("thu tuc ").lstrip(": ")
    return folded.startswith("giai quyet") and key in folded[:60]


def _general(name: str) -> bool:
    return all(fold(w) in _GENERIC for w in words(name))


def pick_legal(kind: str, text: str, candidates: list[tuple[str, str]], limit: int = 3) -> list[tuple[str, str]]:
    """Of the catalogue's (code, name) found for a complaint (or a denunciation), the ones that fit
    the message: those whose name shares a specific pair of words with it ("công an", "sở hữu công
    nghiệp"), else the general ones ("Giải quyết khiếu nại lần đầu tại cấp xã"); never a military
    one unless the message is about the army. Nothing fits: an empty list (the reply then says
    where to go rather than name a wrong procedure)."""
    key = LEGAL_KEYS[kind][1]
    military = any(m in fold(text) for m in _MILITARY)
    fitting = [(c, n) for c, n in candidates if _about(n, key)
               and (military or not any(m in fold(n) for m in _MILITARY))]
    asked = _bigrams(text)
    specific = [(c, n) for c, n in fitting if asked & {b for b in _bigrams(n)}]
    return (specific or [(c, n) for c, n in fitting if _general(n)])[:limit]
