"""Questions asked in English ("how do I renew my driving licence"): told apart from Vietnamese
typed without accents, and put into the catalogue's words (``knowledge/data/english.txt``), so
that the same search answers them. Unknown English words are left out: the catalogue is in
Vietnamese, and an English word matched against unaccented Vietnamese syllables ("the" as
"thẻ", "do" as "đỏ") would mislead."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from knowledge.query import PhraseTable, phrase_lines
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
    for vietnamese, phrases in phrase_lines(DATA, "vietnamese = english, ..."):
        for phrase in phrases:
            table.add(phrase, vietnamese)
    return table


@cache
def _english_words() -> frozenset[str]:
    return _COMMON | _table().words()


def _english(text: str) -> list[str] | None:
    """The message's words, lower-cased, when it is English; None otherwise."""
    typed = [w.lower() for w in words(text)]
    if not typed or any(has_diacritics(w) for w in typed):
        return None
    known = _english_words()
    return typed if sum(w in known for w in typed) >= ENGLISH_SHARE * len(typed) else None


def in_vietnamese(text: str) -> str | None:
    """The catalogue's words for an English question (phrases found, in order), or None when
    the message is not English."""
    typed = _english(text)
    if typed is None:
        return None
    return " . ".join(v for _, _, values in _table().matches(typed) for v in values[:1])


# English words that are also Vietnamese syllables typed without accents ("the can cuoc" is "thẻ
# căn cước", "no" is "nợ"): they do not tell the language of a message apart.
_SYLLABLES = frozenset("""
a am an ban bang be bit bo can co con dan do em ha hang he hi ho in la long ma man me mo no on pin
sang so son tan the tin to top van
""".split())


@lru_cache(maxsize=1024)  # asked for each reply's language and the chat's, several times a message
def language_of(text: str) -> str | None:
    """"en" for a message in English, "vi" for one with Vietnamese accents, None when it does not
    say (unaccented Vietnamese, a code, "ok"). Stricter than the search's test: the answer's
    language follows, so it takes two English words that no Vietnamese syllable spells."""
    typed = [w.lower() for w in words(text)]
    if any(has_diacritics(w) for w in typed):
        return "vi"
    english = _english(text)
    if english is not None and sum(w in _english_words() and w not in _SYLLABLES for w in english) >= 2:
        return "en"
    return None
