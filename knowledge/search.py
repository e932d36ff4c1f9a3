"""Procedure search: BM25F over syllables and syllable pairs, with synonyms, typo tolerance, the
action a situation asks for, and a small prior for records meant for citizens.

Why this shape (see also ``knowledge.query``):
- Vietnamese words are syllables; the frequent ones ("cấp", "giấy", "đăng", "ký") say little, so
  terms are weighted by rarity (BM25), and adjacent pairs ("khai sinh", "tạm trú") are terms too.
- Fields do not count alike: a word in the name says more than one in the steps (BM25F).
- Questions are typed without accents, so terms are folded; when the citizen did type accents, a
  small bonus goes to names that carry the same accented syllables ("bán" is not "bạn").
- A misspelt word unknown to the catalogue is replaced by its nearest known word (rapidfuzz).
- Near-duplicates (one procedure published per level or per province) are grouped into one hit.

The index is immutable: build a new one and swap the reference (``SearchService``).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge.actions import name_actions, question_actions
from knowledge.catalogue.model import Procedure
from knowledge.english import in_vietnamese
from knowledge.query import Query, Vocabulary, analyse, default_vocabulary, recall
from knowledge.text import _WORD, canon, fold, same_word_typed, words

# Field weights and length normalisation (BM25F). Names decide; the long texts only help recall.
FIELDS: dict[str, tuple[float, float]] = {  # name -> (weight, b)
    "name": (5.0, 0.6),
    "aliases": (3.0, 0.3),  # everyday names from the curated common-procedures file
    "results": (1.5, 0.5),
    "field": (1.0, 0.3),
    "subjects": (0.4, 0.3),
    "agency": (0.5, 0.3),
    "documents": (0.6, 0.75),
    "requirements": (0.4, 0.75),
    "steps": (0.25, 0.75),
}
# The long texts are read up to about this many words: the beginning says what the procedure is,
# the rest is procedure (and reading it all triples the build time for no better answers).
FIELD_LIMIT = {"steps": 800, "documents": 800, "requirements": 400}
BIGRAM_FIELDS = {"name", "aliases", "results", "field", "documents", "requirements", "steps"}
K1 = 1.2
ACCENT_MISMATCH = 0.3  # share of a term's weight kept when the name spells it with other accents
TYPO_WEIGHT = 0.7
CITIZEN_FACTOR = 1.05
PROVINCIAL_COPY_FACTOR = 0.85
NAME_ONLY_FACTOR = 0.9
COPY_SIMILARITY = 90  # token_sort_ratio at which a copy's name is the national record's
AGE_MATCH = 1.25
AGE_MISMATCH = 0.5
ACTION_MATCH = 1.2  # the name does what the situation asks ("bị mất" and "Cấp lại …")
ACTION_MISMATCH = 0.75  # it does something else ("bị mất" and "Cấp đổi …")
RECORDS_DECODED = 512  # records kept decoded (the ones being answered about)
CANDIDATES = 200  # documents ranked in full per question (the rest cannot reach the top)
COVERAGE_FLOOR = 0.5  # a name the question does not explain at all keeps this share of its score
ALIAS_COVERAGE = 0.9  # an everyday name explained in full explains the procedure a little less than
# its official name would: the citizen who adds "ở khu vực biên giới" to "đăng ký kết hôn" means
# the sibling whose official name says so

_SEGMENT = re.compile(r"[.;:,()\[\]\n\-–—/\"“”]+")
_LEVEL_PHRASES = re.compile(
    r"\(?\s*(?:thuc hien )?(?:tai |o )?cap (?:trung uong|tinh|xa|huyen|bo)\s*\)?"
    r"|\bthuc hien tai\b|^thu tuc:?\s*|\s*-\s*tinh [a-z ]+$"
)


def group_key(name: str) -> str:
    """Names that differ only by level or province, accents or punctuation share a key."""
    key = _LEVEL_PHRASES.sub(" ", fold(name))
    return " ".join(re.findall(r"[a-z0-9]+", key))


# Age conditions in names ("dưới 14 tuổi", "từ đủ 14 tuổi trở lên", "từ đủ 75 tuổi đến 80 tuổi")
# and ages in questions ("con em 14 tuổi"), on folded text.
_AGE_FROM_TO = re.compile(r"tu (?:du )?(\d+) tuoi den (duoi )?(\d+) tuoi")
_AGE_UNDER = re.compile(r"(?:duoi|chua du) (\d+) tuoi")
_AGE_FROM = re.compile(r"(?:tu du|tu|du|tren) (\d+) tuoi(?: tro len)?")
_AGE_IN_QUESTION = re.compile(r"(\d{1,3}) tuoi")


def age_range(text: str) -> tuple[int, int] | None:
    """The ages [low, high) a text limits itself to ("dưới 14 tuổi", "từ đủ 75 tuổi đến 80
    tuổi"), or the one age it states ("con em 14 tuổi"); None if it says none."""
    text = fold(text)
    if m := _AGE_FROM_TO.search(text):
        return int(m.group(1)), int(m.group(3)) + (0 if m.group(2) else 1)
    if m := _AGE_UNDER.search(text):
        return 0, int(m.group(1))
    if m := _AGE_FROM.search(text):
        return int(m.group(1)) + ("tren" in m.group(0)), 200
    if m := _AGE_IN_QUESTION.search(text):
        return int(m.group(1)), int(m.group(1)) + 1
    return None


def _near_duplicates(procedures: list[Procedure]) -> dict[str, list[int]]:
    """Group one procedure's records: the same name once level and province are set aside, and
    a province's or a bare-name copy worded a little differently from the national record
    ("Tách thửa đất, hợp thửa đất" / "Tách thửa hoặc hợp thửa đất.") joins the national group."""
    groups: dict[str, list[int]] = defaultdict(list)
    for d, p in enumerate(procedures):
        groups[group_key(p.name)].append(d)
    # Candidates share their first two words with the national name: compare within those only.
    national: dict[str, list[str]] = defaultdict(list)
    for key, ds in groups.items():
        if any(procedures[d].kind != "SPECIFIC" and procedures[d].detailed for d in ds):
            national[" ".join(key.split()[:2])].append(key)
    is_national = {n for ns in national.values() for n in ns}
    for key in [k for k in groups if k not in is_national]:
        bucket = national.get(" ".join(key.split()[:2]))
        if bucket:
            match = process.extractOne(key, bucket, scorer=fuzz.token_sort_ratio, score_cutoff=COPY_SIMILARITY)
            if match is not None and _worded_alike(key, match[0]):
                groups[match[0]].extend(groups.pop(key))
    return groups


# Words a copy may add or drop and still name the same procedure ("Tách thửa đất, hợp thửa đất" /
# "Tách thửa hoặc hợp thửa đất"); any other word makes another procedure ("… vào đường quốc lộ" /
# "… vào đường địa phương", "… hồ sơ người có công" / "… hồ sơ người có công đã chuyển ra").
_GLUE_WORDS = frozenset("thu tuc hoac va cua cac nhung doi voi trong tai cho ve theo la duoc".split())


def _worded_alike(a: str, b: str) -> bool:
    return set(a.split()) ^ set(b.split()) <= _GLUE_WORDS


def _spelled_segments(text: str) -> list[list[str]]:
    return [seq for part in _SEGMENT.split(canon(text)) if (seq := _WORD.findall(part))]


def _segments(text: str, limit: int | None = None) -> list[list[str]]:
    """Runs of terms between punctuation (pairs never span a comma or a full stop); with a
    ``limit``, only the text's first words (roughly that many) are read."""
    if limit is not None:
        text = text[: limit * 8]  # a Vietnamese syllable and its space: ~5 characters
    return [seq for part in _SEGMENT.split(canon(text)) if (seq := [recall(w) for w in _WORD.findall(part)])]


def _field_texts(p: Procedure, vocabulary: Vocabulary, aliases: Sequence[str]) -> dict[str, str]:
    return {
        "name": p.name + vocabulary.spell_out(p.name),
        "aliases": " . ".join(aliases),
        "results": " . ".join(p.results),
        "field": p.field or "",
        "subjects": " . ".join(p.subjects),
        "agency": p.executing_agency or "",
        "documents": " . ".join(item.name for group in p.documents for item in group.items),
        "requirements": p.requirements,
        "steps": " . ".join(p.steps),
    }


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    name: str
    score: float
    variants: tuple[str, ...] = ()  # the same procedure at other levels / in other provinces
    coverage: float = 0.0  # the share of the name (by rarity) the question accounts for

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "score": round(self.score, 4)}


class SearchIndex:
    def __init__(
        self,
        procedures: Iterable[Procedure],
        vocabulary: Vocabulary | None = None,
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``aliases``: code -> the everyday names citizens use for it (an extra field). No prior
        favours the procedures that have them: it pulled questions about their uncurated siblings
        toward them (−6 points top-1 on the long-tail development questions, −0.8 on the everyday
        ones)."""
        self.vocabulary = vocabulary or default_vocabulary()
        records: list[Procedure] = sorted(procedures, key=lambda p: p.code)
        self.by_code = {p.code: i for i, p in enumerate(records)}
        aliases = aliases or {}
        n = len(records)

        # Per-field term frequencies and lengths.
        per_doc: list[dict[str, Counter]] = []
        lengths: dict[str, list[int]] = {f: [] for f in FIELDS}
        name_pairs: set[str] = set()
        for p in records:
            fields: dict[str, Counter] = {}
            for fname, text in _field_texts(p, self.vocabulary, aliases.get(p.code, ())).items():
                counts: Counter = Counter()
                length = 0
                for seq in _segments(text, FIELD_LIMIT.get(fname)):
                    counts.update(seq)
                    length += len(seq)
                    if fname in BIGRAM_FIELDS:
                        pairs = [f"{a} {b}" for a, b in zip(seq, seq[1:])]
                        counts.update(pairs)
                        if fname == "name":
                            name_pairs.update(pairs)
                fields[fname] = counts
                lengths[fname].append(length)
            per_doc.append(fields)
        average = {f: (sum(v) / len(v) if v and sum(v) else 1.0) for f, v in lengths.items()}

        # BM25F: one saturated weight per (term, document), then idf once per term.
        # (Per-key lists appended in document order: the hot loop of the build.)
        posting_docs: dict[str, list[int]] = defaultdict(list)
        posting_sats: dict[str, list[float]] = defaultdict(list)
        for d, fields in enumerate(per_doc):
            weighted: dict[str, float] = {}
            get = weighted.get
            for fname, counts in fields.items():
                weight, b = FIELDS[fname]
                factor = weight / (1 - b + b * (lengths[fname][d] / average[fname]))
                for key, tf in counts.items():
                    weighted[key] = get(key, 0.0) + tf * factor
            for key, tfw in weighted.items():
                posting_docs[key].append(d)
                posting_sats[key].append(tfw / (K1 + tfw))
        # All postings in two flat arrays, a term naming its slice: a few hundred thousand terms
        # cost one dict entry each instead of two array objects (memory, and a fast cached start).
        self._term = {key: i for i, key in enumerate(posting_docs)}
        sizes = np.fromiter((len(docs) for docs in posting_docs.values()), dtype=np.int64, count=len(posting_docs))
        self._starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        self._docs = np.fromiter((d for docs in posting_docs.values() for d in docs), dtype=np.int32,
                                 count=int(sizes.sum()))
        self._sats = np.fromiter((x for sats in posting_sats.values() for x in sats), dtype=np.float32,
                                 count=int(sizes.sum()))
        self._idf = np.log(1 + (n - sizes + 0.5) / (sizes + 0.5))
        del posting_docs, posting_sats
        self.rare_idf = math.log(1 + (n - 0.5) / 1.5)  # a term found in one record: the unit of scores
        self._name_pairs = frozenset(name_pairs)
        self._name_words = frozenset(k for fields in per_doc for k in fields["name"] if " " not in k)
        # What names each document, its official name and its everyday names: for the coverage
        # factor, each title's terms with their share of its idf total (an everyday name's shares
        # scaled by ALIAS_COVERAGE), inverted (term -> titles), so that a question's coverage of
        # every name is a few vector additions; titles are numbered in document order.
        title_entries: dict[str, list[tuple[int, float]]] = defaultdict(list)
        title_doc: list[int] = []
        self._title_sets: list[list[frozenset[str]]] = []
        for d, p in enumerate(records):
            sets = []
            for alias, title in enumerate((p.name, *aliases.get(p.code, ()))):
                terms = {t for t in {recall(w) for w in words(title)} if t in self._term}
                if not terms:
                    continue
                total = sum(float(self._idf[self._term[t]]) for t in terms)
                for t in terms:
                    share = float(self._idf[self._term[t]]) / total * (ALIAS_COVERAGE if alias else 1.0)
                    title_entries[t].append((len(title_doc), share))
                title_doc.append(d)
                sets.append(frozenset(terms))
            self._title_sets.append(sets)
        self._title_term = {t: i for i, t in enumerate(title_entries)}
        tsizes = [len(v) for v in title_entries.values()]
        self._title_term_starts = np.concatenate(([0], np.cumsum(tsizes))).astype(np.int64)
        self._title_ids = np.array([i for v in title_entries.values() for i, _ in v], dtype=np.int32)
        self._title_shares = np.array([w for v in title_entries.values() for _, w in v], dtype=np.float64)
        self._title_count = len(title_doc)
        title_doc_array = np.array(title_doc, dtype=np.int32)
        self._titled = np.unique(title_doc_array)  # documents with a title (ascending)
        self._titled_first = np.searchsorted(title_doc_array, self._titled)  # each one's first title
        self._unigrams = sorted(k for k in self._term if " " not in k)

        # How each folded name term is spelled in which names, for accent precision.
        spellings: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for d, p in enumerate(records):
            for seq in _spelled_segments(p.name):
                for w in seq:
                    spellings[recall(w)][w].add(d)
                for a, b in zip(seq, seq[1:]):
                    spellings[f"{recall(a)} {recall(b)}"][f"{a} {b}"].add(d)
        self._spellings = {k: {w: frozenset(ds) for w, ds in v.items()} for k, v in spellings.items()}

        # Groups of near-duplicates, and the prior.
        groups = _near_duplicates(records)
        self._group_of = [0] * n
        self._groups: list[tuple[int, ...]] = []
        for members in groups.values():
            gid = len(self._groups)
            self._groups.append(tuple(members))
            for d in members:
                self._group_of[d] = gid
        self._group_array = np.array(self._group_of, dtype=np.int32)
        self._prior = [self._prior_of(p) for p in records]
        self._prior_array = np.array(self._prior, dtype=np.float64)
        # The age a name is for ("người dưới 14 tuổi"), and what its name does (cấp lại, gia hạn…),
        # as arrays over the documents that have one.
        ages = {d: r for d, p in enumerate(records) if (r := age_range(p.name))}
        self._age_docs = np.fromiter(ages, dtype=np.int32, count=len(ages))
        self._age_limits = np.array([ages[d] for d in ages], dtype=np.float64).reshape(-1, 2)
        does = {d: a for d, p in enumerate(records) if (a := name_actions(p.name))}
        self._has_action = np.zeros(n, dtype=bool)
        self._has_action[list(does)] = True
        by_action: dict[str, list[int]] = defaultdict(list)
        for d, acts in does.items():
            for a in acts:
                by_action[a].append(d)
        self._action_docs = {a: np.array(ds, dtype=np.int32) for a, ds in by_action.items()}
        # The records themselves, compressed: an answer decodes the few it shows (cached).
        self._codes = [p.code for p in records]
        self._names = [p.name for p in records]
        self._stored = [zlib.compress(p.model_dump_json().encode(), 6) for p in records]
        self._decoded: dict[int, Procedure] = {}
        self._misspelled: dict[tuple[str, str], np.ndarray | None] = {}
        self._analysed: dict[str, Query] = {}
        self._searched: dict[tuple[str, int], list[Hit]] = {}

    _CACHES = ("_decoded", "_misspelled", "_analysed", "_searched")  # rebuilt as questions come, never stored

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._CACHES}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, **{name: {} for name in self._CACHES})

    def _record(self, d: int) -> Procedure:
        p = self._decoded.get(d)
        if p is None:
            if len(self._decoded) >= RECORDS_DECODED:
                self._decoded.clear()
            p = self._decoded[d] = Procedure.model_validate_json(zlib.decompress(self._stored[d]))
        return p

    @property
    def procedures(self) -> list[Procedure]:
        """Every record, decoded (for whole-catalogue jobs such as ``motcua catalogue check``)."""
        return [Procedure.model_validate_json(zlib.decompress(b)) for b in self._stored]

    def _posting(self, key: str) -> tuple[np.ndarray, np.ndarray, float] | None:
        i = self._term.get(key)
        if i is None:
            return None
        start, end = self._starts[i], self._starts[i + 1]
        return self._docs[start:end], self._sats[start:end], float(self._idf[i])

    # --- lexicon (used by the query analysis) ------------------------------------------------
    def knows(self, key: str) -> bool:
        return key in self._term

    def names_pair(self, bigram: str) -> bool:
        return bigram in self._name_pairs

    def names_word(self, key: str) -> bool:
        return key in self._name_words

    def compound(self, bigram: str) -> bool:
        i = self._term.get(bigram)
        if i is None:
            return False
        a, b = bigram.split(" ")
        rarer = min(self._size(self._term[a]), self._size(self._term[b]))
        return self._size(i) >= 0.5 * rarer

    def _size(self, i: int) -> int:
        return int(self._starts[i + 1] - self._starts[i])

    def names_all(self, code: str, terms: Iterable[str]) -> bool:
        """Whether every one of ``terms`` is in the procedure's official or everyday names."""
        return any(all(t in title for t in terms) for title in self._title_sets[self.by_code[code]])

    # --- lookups -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._codes)

    def get(self, code: str) -> Procedure | None:
        d = self.by_code.get(code)
        return None if d is None else self._record(d)

    def variants(self, code: str) -> list[Procedure]:
        """The same procedure at other levels or in other provinces (the code itself first)."""
        d = self.by_code.get(code)
        if d is None:
            return []
        members = sorted(self._groups[self._group_of[d]], key=lambda m: (m != d, -self._prior[m]))
        return [self._record(m) for m in members]

    @staticmethod
    def _prior_of(p: Procedure) -> float:
        """How likely a citizen means this one, all else equal (a factor around 1): a procedure
        meant for citizens, the national record rather than one province's copy of it, a record
        with details rather than a bare name."""
        citizen = any("công dân" in s.lower() or "cá nhân" in s.lower() for s in p.subjects)
        return (
            (CITIZEN_FACTOR if citizen else 1.0)
            * (PROVINCIAL_COPY_FACTOR if p.kind == "SPECIFIC" else 1.0)
            * (1.0 if p.detailed else NAME_ONLY_FACTOR)
        )

    # --- search ------------------------------------------------------------------------------
    def analyse(self, text: str) -> Query:
        """The weighted terms of a question; an English one is searched in the catalogue's words
        (``knowledge.english``), its own text kept for what is read from it (ages, actions).
        Kept per text (citizens ask the same questions all day): the caller must not change it."""
        query = self._analysed.get(text)
        if query is None:
            query = _kept(self._analysed, text, self._analyse(text))
        return query

    def _analyse(self, text: str) -> Query:
        if (vietnamese := in_vietnamese(text)) is not None:
            query = analyse(vietnamese, self.vocabulary, self)
            query.text, query.english = text, True
            # What it asks (fee, time, place, documents) is read from the English itself: the
            # question words have no place in the catalogue's words.
            english = [kind for _, _, kinds in self.vocabulary.asks.matches(words(text)) for kind in kinds]
            query.asks[:] = list(dict.fromkeys([*english, *query.asks]))
            return query
        query = analyse(text, self.vocabulary, self)
        self._correct_typos(query)
        return query

    def _correct_typos(self, query: Query) -> None:
        """A word the catalogue does not know is searched as its nearest known word."""
        for key, weight in list(query.weights.items()):
            if " " in key or key in self._term or len(key) < 4 or key.isdigit():
                continue
            match = process.extractOne(key, self._unigrams, scorer=Levenshtein.distance, score_cutoff=1)
            if match:
                query.add(match[0], weight * TYPO_WEIGHT)

    def scores(self, query: Query) -> np.ndarray:
        """Every document's term score (BM25F with accent precision), before coverage, prior and
        age, as one array (0 where nothing matched): a vector sum per query term, so a common
        syllable's few thousand postings cost microseconds. ``search_query`` finishes only the
        documents that can still reach the top."""
        docs, weights = [], []
        for key, qweight in query.weights.items():
            i = self._term.get(key)
            if i is not None:
                start, end = self._starts[i], self._starts[i + 1]
                docs.append(self._docs[start:end])
                weights.append(self._sats[start:end] * (qweight * float(self._idf[i])))
        if not docs:
            return np.zeros(len(self._codes), dtype=np.float64)
        # One pass over every posting of the question's terms.
        scores = np.bincount(np.concatenate(docs), np.concatenate(weights), minlength=len(self._codes))
        # Accents typed by the citizen: a name with the same letters but another tone ("lái xe"
        # for "lại xe") matched only by accident.
        for key, typed in query.spelled.items():
            entry = self._posting(key)
            mask = self._misspelled_postings(key, typed) if entry is not None else None
            if mask is None:
                continue
            docs, sats, idf = entry
            scores[docs[mask]] -= (query.weights[key] * idf * (1 - ACCENT_MISMATCH)) * sats[mask]
        return scores

    def _misspelled_postings(self, key: str, typed: str) -> np.ndarray | None:
        """Which of ``key``'s postings are documents whose name has it only in spellings the typed
        one cannot be (None: none). Cached: the same words come back in question after question."""
        cache = self._misspelled
        if (key, typed) in cache:
            return cache[(key, typed)]
        wrong = self._misspelled_in_name(key, typed)
        mask = None
        if wrong:
            docs = self._posting(key)[0]
            mask = np.isin(docs, np.fromiter(wrong, dtype=np.int32, count=len(wrong)))
        if len(cache) > 4096:
            cache.clear()
        cache[(key, typed)] = mask
        return mask

    def _misspelled_in_name(self, key: str, typed: str) -> frozenset[int]:
        """Documents whose name has ``key`` only in spellings the typed one cannot be."""
        spellings = self._spellings.get(key)
        if not spellings:
            return frozenset()
        typed_words = typed.split(" ")
        right: set[int] = set()
        wrong: set[int] = set()
        for spelled, docs in spellings.items():
            if all(same_word_typed(s, t) for s, t in zip(spelled.split(" "), typed_words)):
                right |= docs
            else:
                wrong |= docs
        return wrong - right

    def _coverages(self, found: set[str]) -> np.ndarray:
        """Per document, how much of its name (rarity-weighted) the question accounts for: "Đăng
        ký khai sinh" is fully explained by "làm khai sinh cho con", "Đăng ký khai sinh cho trẻ em
        sinh ra ở nước ngoài" only in part. The best of the official and the everyday names counts."""
        shares = np.zeros(self._title_count, dtype=np.float64)
        for t in found:
            i = self._title_term.get(t)
            if i is not None:
                start, end = self._title_term_starts[i], self._title_term_starts[i + 1]
                shares[self._title_ids[start:end]] += self._title_shares[start:end]
        coverage = np.zeros(len(self._codes), dtype=np.float64)
        if len(self._titled):
            coverage[self._titled] = np.maximum.reduceat(shares, self._titled_first)
        return coverage

    def _factors(self, query: Query, docs: np.ndarray) -> np.ndarray:
        """The age condition and the action, for each of ``docs``: "con 14 tuổi" is not "người
        dưới 14 tuổi" but "người từ đủ 14 tuổi trở lên"; "bị mất" asks for "Cấp lại …", not
        "Cấp đổi …"."""
        factor = np.ones(len(self._codes), dtype=np.float64)
        if (ages := age_range(query.text)) and len(self._age_docs):
            lo, hi = self._age_limits[:, 0], self._age_limits[:, 1]
            factor[self._age_docs] = np.where((lo < ages[1]) & (ages[0] < hi), AGE_MATCH, AGE_MISMATCH)
        if actions := question_actions(query.text):
            act = np.where(self._has_action, ACTION_MISMATCH, 1.0)
            for a in actions & self._action_docs.keys():
                act[self._action_docs[a]] = ACTION_MATCH
            factor *= act
        return factor[docs]

    def search(self, text: str, top: int = 5) -> list[Hit]:
        return self.search_query(self.analyse(text), top)

    def search_query(self, query: Query, top: int = 5) -> list[Hit]:
        # Kept for the queries ``analyse`` keeps (a query made otherwise is searched afresh).
        if self._analysed.get(query.text) is not query:
            return self._search(query, top)
        hits = self._searched.get((query.text, top))
        if hits is None:
            hits = _kept(self._searched, (query.text, top), self._search(query, top))
        return list(hits)

    def _search(self, query: Query, top: int) -> list[Hit]:
        if query.empty:
            return []
        raw = self.scores(query)
        docs = np.flatnonzero(raw > 0)
        if not len(docs):
            return []
        coverage = self._coverages({k for k in query.weights if " " not in k})
        final = (raw[docs] * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage[docs]) * self._prior_array[docs]
                 * self._factors(query, docs))
        # Only the documents at or above the CANDIDATES-th best score can be the best of a top
        # group, when they hold enough groups (a group's best below them loses to those groups).
        if len(docs) > CANDIDATES:
            above = final >= np.partition(final, len(final) - CANDIDATES)[len(final) - CANDIDATES]
            if len(np.unique(self._group_array[docs[above]])) >= top:
                docs, final = docs[above], final[above]
        # The best document of each group (ties: the higher prior, then the first code), then the
        # groups by their best (ties by code: documents are numbered in code order).
        order = np.lexsort((docs, -self._prior_array[docs], -final))
        _, first = np.unique(self._group_array[docs[order]], return_index=True)
        best = order[first]
        best = best[np.lexsort((docs[best], -final[best]))][:top]
        hits = []
        for i in best.tolist():
            d = int(docs[i])
            others = tuple(self._codes[m] for m in self._groups[self._group_of[d]] if m != d)
            hits.append(Hit(self._codes[d], self._names[d], float(final[i]), others, float(coverage[d])))
        return hits


QUESTIONS_KEPT = 4096  # questions whose analysis and hits are kept (0: none, to measure without)


def _kept(cache: dict, key, value):
    """``value``, kept in ``cache`` (emptied when full: the questions asked all day come back)."""
    if QUESTIONS_KEPT:
        if len(cache) >= QUESTIONS_KEPT:
            cache.clear()
        cache[key] = value
    return value


def lookup_code(index: SearchIndex, text: str) -> Procedure | None:
    """A message that is a procedure code ("1.001193", "thủ tục 1.001193") names it directly."""
    for w in words(text):
        if re.fullmatch(r"\d\.\d{6}", w) and (p := index.get(w)):
            return p
    return None
