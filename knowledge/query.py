"""From a citizen's sentence to weighted search terms.

A question such as "lam lai cccd bi mat can gi" becomes:
- syllables in recall form (``term``: folded, "y" → "i" at syllable end, "01" → "1");
- phrases from the synonyms file recognised and expanded to the official words
  ("cccd" → "thẻ căn cước", "bi mat" → "cấp lại"), the alias itself kept at a lower weight;
- question words and fillers dropped ("cần gì" tells what is asked, it names no procedure);
- adjacent pairs of the remaining syllables as bigrams ("khai sinh", "tạm trú");
- what the citizen asks about (documents, fee, time, place), for the answer to lead with it.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

from knowledge.text import canon, fold, has_diacritics, same_word_typed, strip_accents, words

DATA = Path(__file__).with_name("data")
ASKS = ("documents", "fee", "time", "place")

# An abbreviation: letters with no vowel ("bhyt", "tnld", "qsdd", "gcn").
_ABBREVIATION = re.compile(r"[b-df-hj-np-tv-z]{2,8}")
_HAS_ABBREVIATION = re.compile(r"\b[b-df-hj-np-tv-z]{2,8}\b")

# A syllable whose only vowel is a final "y" is spelled with "i" too ("lý"/"lí", "kỹ"/"kĩ").
_FINAL_Y = re.compile(r"^([bcdghklmnpqrstvx]{0,3})y$")


@lru_cache(maxsize=1 << 18)
def recall(word: str) -> str:
    """The recall form of one syllable already in ``canon`` form (as ``words`` returns them):
    folded, final "y" as "i", numbers without leading zeros."""
    t = strip_accents(word)
    if t.isdigit():
        return t.lstrip("0") or "0"
    return _FINAL_Y.sub(r"\1i", t)


def term(word: str) -> str:
    """The recall form of any one word."""
    return recall(canon(word))


def terms(text: str) -> list[str]:
    return [recall(w) for w in words(text)]


# --- phrase dictionaries ------------------------------------------------------------------
class PhraseTable:
    """Phrases mapped to values; finds the longest matches in a question.

    Matching is accent-insensitive, except where both sides carry accents: then they must agree
    (a forgotten tone mark is forgiven), so that "bị mất" (lost) does not match "bí mật" (secret),
    nor "từ" (from) "tử" (death). A question typed without accents matches on the folded form.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, ...], list[tuple[tuple[str, ...], object]]] = {}
        self._longest: dict[str, int] = {}  # first word -> the longest phrase it starts
        self.longest = 0

    def add(self, phrase: str, value) -> None:
        spelled = tuple(words(phrase))
        key = tuple(recall(w) for w in spelled)
        if not key:
            return
        entries = self._entries.setdefault(key, [])
        if (spelled, value) not in entries:
            entries.append((spelled, value))
        self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))
        self.longest = max(self.longest, len(key))

    def words(self) -> frozenset[str]:
        """Every word (recall form) of every phrase."""
        return frozenset(w for key in self._entries for w in key)

    @staticmethod
    def _agrees(spelled: tuple[str, ...], typed: list[str]) -> bool:
        return all(same_word_typed(s, t) for s, t in zip(spelled, typed))

    def matches(self, typed: list[str], seq: list[str] | None = None) -> list[tuple[int, int, list]]:
        """Non-overlapping (start, end, values) in ``typed`` (canon words), longest first, left to
        right; ``seq`` is their recall forms (computed when not given)."""
        seq = seq if seq is not None else [recall(w) for w in typed]
        found, i = [], 0
        while i < len(seq):
            for n in range(min(self._longest.get(seq[i], 0), len(seq) - i), 0, -1):
                entries = self._entries.get(tuple(seq[i : i + n]))
                values = [v for spelled, v in entries or () if self._agrees(spelled, typed[i : i + n])]
                if values:
                    found.append((i, i + n, list(dict.fromkeys(values))))
                    i += n
                    break
            else:
                i += 1
        return found


def phrase_lines(path: Path, form: str) -> Iterator[tuple[str, list[str]]]:
    """The lines of a ``words = phrase, phrase, ...`` file (synonyms.txt, english.txt): the left
    side and its phrases, ``#`` starting a comment; a line without "=" is an error naming it."""
    for lineno, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError(f"{path.name} line {lineno}: expected '{form}': {raw!r}")
        left, right = line.split("=", 1)
        yield left.strip(), [phrase.strip() for phrase in right.split(",") if phrase.strip()]


@dataclass(frozen=True)
class Expansion:
    """The official words an alias stands for, and how much they weigh in a search."""

    words: str
    weight: float = 1.0


@dataclass(frozen=True)
class Vocabulary:
    """The data files: synonyms and question words."""

    synonyms: PhraseTable
    stop: PhraseTable
    asks: PhraseTable
    document_cues: PhraseTable
    goal_cues: PhraseTable
    _fillers: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)  # phrase -> is_filler

    def spell_out(self, text: str) -> str:
        """The official words for the abbreviations a catalogue text itself uses ("BHYT", "TNLĐ"),
        as extra " . "-separated phrases, so that a question in full words finds them."""
        if not _HAS_ABBREVIATION.search(strip_accents(text.lower())):
            return ""
        spelled = words(text)
        extra = [
            e.words
            for start, end, expansions in self.synonyms.matches(spelled)
            if end - start == 1 and _ABBREVIATION.fullmatch(strip_accents(spelled[start]))
            for e in expansions
            if e.weight == 1.0
        ]
        return "".join(f" . {e}" for e in dict.fromkeys(extra))

    def is_filler(self, spelled: list[str]) -> bool:
        """Whether these words are entirely question words or fillers."""
        covered = sum(end - start for table in (self.stop, self.asks) for start, end, _ in table.matches(spelled))
        return bool(spelled) and covered >= len(spelled)

    def filler_phrase(self, phrase: str) -> bool:
        """``is_filler`` of a synonym's official words, kept (the same few come back in every question)."""
        found = self._fillers.get(phrase)
        if found is None:
            found = self._fillers[phrase] = self.is_filler(words(phrase))
        return found

    @classmethod
    def load(cls, synonyms_file: Path | None = None, question_file: Path | None = None) -> Vocabulary:
        synonyms = PhraseTable()
        for official, aliases in phrase_lines(synonyms_file or DATA / "synonyms.txt", "official words = alias, ..."):
            weak = official.startswith("~")  # a place or agency: searched, but weighs less
            expansion = Expansion(canon(official.lstrip("~ ")), WEAK_EXPANSION if weak else 1.0)
            for alias in aliases:
                synonyms.add(alias, expansion)
        data = tomllib.loads((question_file or DATA / "question_words.toml").read_text("utf-8"))
        stop, asks, cues, goals = PhraseTable(), PhraseTable(), PhraseTable(), PhraseTable()
        for word in data["stop"]["words"]:
            stop.add(word, "stop")
        for kind, phrases in data["asks"].items():
            for phrase in phrases:
                asks.add(phrase, kind)
        for phrase in data["document_cues"]["words"]:
            cues.add(phrase, "document")
        for phrase in data["goal_cues"]["words"]:
            goals.add(phrase, "goal")
        return cls(synonyms, stop, asks, cues, goals)


@cache
def default_vocabulary() -> Vocabulary:
    return Vocabulary.load()


# --- Telex / VNI leftovers ------------------------------------------------------------------
_TELEX_VOWELS = {"aa": "â", "aw": "ă", "ee": "ê", "oo": "ô", "ow": "ơ", "uw": "ư", "dd": "đ"}
_TELEX_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_VNI_VOWELS = {"a8": "ă", "a6": "â", "e6": "ê", "o6": "ô", "o7": "ơ", "u7": "ư", "d9": "đ"}
_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}


def untelex(word: str) -> str | None:
    """Decode a syllable typed with Telex or VNI keys but no input method ("ddawng" → "đăng",
    "kys" → "ký", "d9a8ng" → "đăng"); None when it does not look like one."""
    import unicodedata

    w, changed = word, False
    for table in (_TELEX_VOWELS, _VNI_VOWELS):
        for keys, letter in table.items():
            if keys in w:
                w, changed = w.replace(keys, letter), True
    tone = None
    if w and (w[-1] in _VNI_TONES or (w[-1] in _TELEX_TONES and len(w) > 2)):
        tone = _VNI_TONES.get(w[-1]) or _TELEX_TONES.get(w[-1])
        w, changed = w[:-1], True
    if not changed or not w.isalpha():
        return None
    if tone:
        # The tone goes on the main vowel: the marked one if any, else the last-but-one of a
        # final vowel pair ("hoa" → "hòa") or the last vowel before a final consonant.
        vowels = [i for i, c in enumerate(w) if fold(c) in "aeiouy"]
        if not vowels:
            return None
        marked = [i for i in vowels if c_marked(w[i])]
        if marked:
            pos = marked[-1]
        elif vowels[-1] == len(w) - 1 and len(vowels) > 1:
            pos = vowels[-2]
        else:
            pos = vowels[-1]
        w = w[: pos + 1] + tone + w[pos + 1 :]
    return unicodedata.normalize("NFC", w)


def c_marked(ch: str) -> bool:
    return ch in "ăâêôơư"


# --- the analysed query ---------------------------------------------------------------------
@dataclass
class Query:
    text: str
    asks: list[str] = field(default_factory=list)  # documents / fee / time / place, in order seen
    weights: dict[str, float] = field(default_factory=dict)  # term or "a b" bigram -> weight
    spelled: dict[str, str] = field(default_factory=dict)  # term or bigram -> as the citizen typed it
    expansions: list[str] = field(default_factory=list)  # official phrases the synonyms added
    english: bool = False  # asked in English (searched in the catalogue's words)

    @property
    def empty(self) -> bool:
        return not self.weights

    def add(self, key: str, weight: float) -> None:
        if weight > self.weights.get(key, 0.0):
            self.weights[key] = weight


ALIAS_WEIGHT = 0.5  # the citizen's own word, once a synonym has named the official one
EXPANSION_WEIGHT = 1.0
WEAK_EXPANSION = 0.4
DOCUMENT_CLAUSE_WEIGHT = 0.4
GOAL_CLAUSE_WEIGHT = 1.5
NUMBER_WEIGHT = 0.3
_CLAUSE_END = {"khong", "ko", "k", "hay", "hoac", "va", "thi", "de", "con"}


class Lexicon(Protocol):
    """What the search index tells the analysis about its words."""

    def knows(self, key: str) -> bool:
        """Whether a term (or "a b" bigram) occurs anywhere in the catalogue."""

    def names_pair(self, bigram: str) -> bool:
        """Whether an "a b" bigram occurs in some procedure name."""

    def names_word(self, term: str) -> bool:
        """Whether a term occurs in some procedure name."""

    def compound(self, bigram: str) -> bool:
        """Whether "a b" is a word of its own in the catalogue ("từ chối", "trước bạ"): the pair
        accounts for most occurrences of its rarer syllable."""


def analyse(text: str, vocabulary: Vocabulary | None = None, lexicon: Lexicon | None = None) -> Query:
    """With a ``lexicon`` (the index):
    - a filler that is half of a compound is kept ("từ" in "từ chối"), and so is an unaccented
      one that forms a pair found in a procedure name ("di" in "di chuc": without accents "đi" and
      "di" look the same);
    - when unknown words decode as Telex/VNI leftovers into known ones, the decoded sentence is
      searched too (an extra variant, never replacing the original: "cccd" must stay "cccd")."""
    vocabulary = vocabulary or default_vocabulary()
    raw = _normalise_shorthand(words(text), vocabulary)
    query = Query(text=text)
    _add_sequence(query, raw, vocabulary, 1.0, lexicon)
    if lexicon is not None:
        decoded = [(untelex(w) if not lexicon.knows(recall(w)) else None) for w in raw]
        if any(d and lexicon.knows(term(d)) for d in decoded):
            variant = [d if d and lexicon.knows(term(d)) else w for w, d in zip(raw, decoded)]
            _add_sequence(query, variant, vocabulary, 0.9, lexicon)
    return query


def _normalise_shorthand(raw: list[str], vocabulary: Vocabulary) -> list[str]:
    """Chat shorthand whose every reading is a filler ("ko" → "không", "j" → "gì") is replaced, so
    that the fillers and question phrases around it are recognised ("cần j")."""
    out: list[str] = []
    i = 0
    for start, end, officials in vocabulary.synonyms.matches(raw):
        if all(vocabulary.filler_phrase(o.words) for o in officials):
            out.extend(raw[i:start])
            out.extend(words(officials[0].words))
            i = end
    out.extend(raw[i:])
    return out


def _add_sequence(query: Query, raw: list[str], vocabulary: Vocabulary, scale: float, lexicon) -> None:
    seq = [recall(w) for w in raw]
    asked = vocabulary.asks.matches(raw, seq)
    fillers = vocabulary.stop.matches(raw, seq)
    for _, _, kinds in asked:
        for kind in kinds:
            if kind not in query.asks:
                query.asks.append(kind)

    # Which positions are question words or fillers (not searched).
    dropped = [False] * len(seq)
    for start, end, _ in (*asked, *fillers):
        dropped[start:end] = [True] * (end - start)
    if lexicon is not None:
        stops = {start for start, end, _ in fillers if end - start == 1}
        # A question typed with accents spells its fillers exactly: only a compound rescues one.
        # Typed without accents, "di" may be "đi" or "di" (di chúc): a pair in a name rescues it.
        pair = lexicon.compound if any(has_diacritics(w) for w in raw) else lexicon.names_pair
        for i in stops:
            before = i > 0 and not dropped[i - 1] and pair(f"{seq[i - 1]} {seq[i]}")
            after = i + 1 < len(seq) and not dropped[i + 1] and pair(f"{seq[i]} {seq[i + 1]}")
            if before or after:
                dropped[i] = False

    # Words that name a document the citizen asks about ("có cần giấy X không") say less about
    # which procedure it is than the rest of the sentence.
    weight_at = [scale] * len(seq)
    for cues, factor in ((vocabulary.goal_cues, GOAL_CLAUSE_WEIGHT), (vocabulary.document_cues, DOCUMENT_CLAUSE_WEIGHT)):
        for start, _, _ in cues.matches(raw, seq):
            i = start
            while i < len(seq) and not (i > start and seq[i] in _CLAUSE_END):
                weight_at[i] = scale * factor
                i += 1
    for i, t in enumerate(seq):
        if t.isdigit():  # "80 tuổi", "lần 2": situation, rarely the procedure
            weight_at[i] *= NUMBER_WEIGHT

    # Synonyms: the official words are searched as whole phrases (their bigrams too). A short
    # alias expanded into a long official name should not outweigh the rest of the question.
    aliased = [False] * len(seq)
    for start, end, officials in vocabulary.synonyms.matches(raw, seq):
        officials = [o for o in officials if not vocabulary.filler_phrase(o.words)]
        if not officials:  # shorthand for a filler ("bn" → "bao nhiêu"): nothing to search
            continue
        # An alias the catalogue itself uses in names ("chứng minh nhân dân") keeps its weight.
        official_alias = lexicon is not None and (
            lexicon.names_pair(" ".join(seq[start:end][:2])) if end - start > 1 else lexicon.names_word(seq[start])
        )
        if not official_alias:
            aliased[start:end] = [True] * (end - start)
        base = EXPANSION_WEIGHT * min(weight_at[start:end])
        for official in officials:
            if official.words not in query.expansions:
                query.expansions.append(official.words)
            official_terms = terms(official.words)
            w = base * official.weight * min(1.0, math.sqrt((end - start + 1) / len(official_terms)))
            for t in official_terms:
                query.add(t, w)
            for a, b in zip(official_terms, official_terms[1:]):
                query.add(f"{a} {b}", w)

    kept: list[int] = []
    for i, t in enumerate(seq):
        if dropped[i] and not aliased[i]:
            continue
        kept.append(i)
        query.add(t, (ALIAS_WEIGHT if aliased[i] else 1.0) * weight_at[i])
        if has_diacritics(raw[i]):
            query.spelled.setdefault(t, raw[i])
    # Bigrams of syllables that stood next to each other in the question.
    for i, j in zip(kept, kept[1:]):
        if j == i + 1:
            weight = ALIAS_WEIGHT if (aliased[i] or aliased[j]) else 1.0
            key = f"{seq[i]} {seq[j]}"
            query.add(key, weight * min(weight_at[i], weight_at[j]))
            if has_diacritics(raw[i]) or has_diacritics(raw[j]):
                query.spelled.setdefault(key, f"{raw[i]} {raw[j]}")
