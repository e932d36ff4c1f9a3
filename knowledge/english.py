"""Questions asked in English ("how do I renew my driving licence"): told apart from Vietnamese
typed without accents, and put into the catalogue's words (``knowledge/data/english.txt``), so
that the same search answers them. Unknown English words are left out: the catalogue is in
Vietnamese, and an English word matched against unaccented Vietnamese syllables ("the" as
"thẻ", "do" as "đỏ") would mislead."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from knowledge.query import PhraseTable
from knowledge.text import has_diacritics, words

DATA = Path(__file__).with_name("data") / "english.txt"
ENGLISH_SHARE = 0.6  # a message is English when this share of its words are English words

# Common English words (function words, question words, everyday verbs), for telling English from
# Vietnamese without accents: "lam lai cccd bi mat" has none of them.
_COMMON = frozenset("""
a about after all also am an and any apply are as ask at back be because been before bring but by
can could did do does doing done for from get go going got had has have he her here him his home how
i if i'm in into is it its just know like live living long make many me month months more much must
my need needs new next no not now of off old on one or our out own please should so some still take
than that the their them then there they this to too under up us want wants was we week well were
what when where which while who why will with without would year years you your
""".split())


@cache
def _table() -> PhraseTable:
    table = PhraseTable()
    for lineno, raw in enumerate(DATA.read_text("utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError(f"english.txt line {lineno}: expected 'vietnamese = english, ...': {raw!r}")
        vietnamese, english = line.split("=", 1)
        for phrase in english.split(","):
            if phrase.strip():
                table.add(phrase.strip(), vietnamese.strip())
    return table


def _english_words() -> frozenset[str]:
    return _COMMON | frozenset(w for key in _table()._entries for w in key)


def is_english(text: str) -> bool:
    typed = [w.lower() for w in words(text)]
    if not typed or any(has_diacritics(w) for w in typed):
        return False
    known = _english_words()
    return sum(w in known for w in typed) >= ENGLISH_SHARE * len(typed)


def in_vietnamese(text: str) -> str | None:
    """The catalogue's words for an English question (phrases found, in order), or None when
    the message is not English."""
    if not is_english(text):
        return None
    typed = [w.lower() for w in words(text)]
    found = [v for _, _, values in _table().matches(typed) for v in values[:1]]
    return " . ".join(found)
