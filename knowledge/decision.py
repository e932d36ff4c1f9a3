"""From a message to a decision: answer one procedure, offer a few, or say that none fits (small
talk; a subject another body answers, with where to go; or nothing in the catalogue close enough).

The thresholds are calibrated on the development questions (bench/README.md): in-scope questions
score 10.8 or more in 95 % of cases, out-of-scope ones under 5.3 in 75 %; a direct answer is right
about 95 % of the time when its score leads the next by half and its name is at least 40 %
explained by the question. Where a subject of ``knowledge/data/scope.toml`` is named, the search
must be surer still: "kiện" or "ngân hàng" in a question about a procedure come with strong
matches (score ≥ 14 on the development questions), lawsuits and bank cards without.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.query import Query
from knowledge.scope import Outside, names_cue, outside, small_talk
from knowledge.search import Hit, SearchIndex

# Scores are sums of idf, which grows with the log of the catalogue's size: the floors are in units
# of a rare term's idf (8.26 over the national catalogue of 5,771 records), so that they mean the
# same over the bundled catalogue, a province's or a national one with every province's copies.
MIN_SCORE = 0.97  # below this no procedure fits (8.0 over the national catalogue)
OUTSIDE_MIN_SCORE = 1.7  # the same when the message names a subject another body answers (14.0)
ANSWER_LEAD = 1.5  # the best hit answers alone when it scores this much above the next
ANSWER_COVERAGE = 0.4  # … and the question explains this share of its name
CANDIDATE_SHARE = 0.5  # candidates offered: those within this share of the best score
MAX_CANDIDATES = 5
# A procedure whose name uses the subject's cue answers the question only when the question explains
# this share of that name ("bảo hiểm nhân thọ Prudential có nên mua không" explains 29 % of "Phê chuẩn …
# bảo hiểm nhân thọ", "muốn làm đại lý bảo hiểm nhân thọ…" 97 % of its procedure's).
NAMED_CUE_COVERAGE = 0.45
SMALL_TALK_UNKNOWN = 1  # a message no procedure fits is small talk with one word outside its phrases


@dataclass(frozen=True)
class Decision:
    decision: str  # "answer" | "choose" | "none"
    hits: list[Hit]  # the ranking, best first
    offered: list[Hit]  # what is offered: the answer, the candidates to choose from, or nothing
    query: Query | None = None
    small_talk: str | None = None  # greet, thank, goodbye, affirm, deny, who, insult, help
    outside: Outside | None = None  # the subject another body answers
    related: Hit | None = None  # a catalogue procedure on that subject ("… đơn khởi kiện …")

    def as_json(self) -> dict:
        out: dict = {"decision": self.decision, "results": [h.as_json() for h in self.hits],
                     "offered": [h.code for h in self.offered]}
        if self.small_talk:
            out["small_talk"] = self.small_talk
        if self.outside:
            out["outside"] = self.outside.topic
        if self.related:
            out["related"] = self.related.as_json()
        return out


def decide(index: SearchIndex, message: str | Query, top: int = MAX_CANDIDATES) -> Decision:
    """The decision for a message (or its analysed query, when the caller has one already)."""
    text = message if isinstance(message, str) else message.text
    if (kind := small_talk(text)) is not None:
        return Decision("none", [], [], small_talk=kind)
    query = index.analyse(text) if isinstance(message, str) else message
    hits = index.search_query(query, top=max(top, MAX_CANDIDATES))
    subject = outside(text)
    best = hits[0] if hits else None
    if (subject is not None and best is not None and names_cue(best.name, subject.cue)
            and best.coverage >= NAMED_CUE_COVERAGE):
        subject = None  # the catalogue names it ("Hỗ trợ vay vốn …" for "vay vốn") and is what is asked
    floor = (OUTSIDE_MIN_SCORE if subject else MIN_SCORE) * index.rare_idf
    # A short question its best hit's name accounts for entirely ("căn cước") is about the
    # catalogue, however common its words.
    content = [t for t, w in query.weights.items() if " " not in t and w >= 1.0]
    named = best is not None and subject is None and bool(content) and index.names_all(best.code, content)
    if best is None or (best.score < floor and not named):
        if subject is None and (kind := small_talk(text, unknown=SMALL_TALK_UNKNOWN)) is not None:
            return Decision("none", hits[:top], [], query, small_talk=kind)  # small talk but for a name or a word
        related = None
        if subject and subject.related:
            related = next((h for h in hits if any(names_cue(h.name, w) for w in subject.related)), None)
        return Decision("none", hits[:top], [], query, outside=subject, related=related)
    close = [h for h in hits if h.score >= CANDIDATE_SHARE * best.score]
    if len(close) == 1 or (best.score >= ANSWER_LEAD * hits[1].score and best.coverage >= ANSWER_COVERAGE):
        return Decision("answer", hits[:top], [best], query)
    return Decision("choose", hits[:top], close, query)
