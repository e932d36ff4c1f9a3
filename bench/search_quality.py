"""Search quality and cost, next to plain BM25 (bm25s) and plain rapidfuzz in the same run.

    python bench/search_quality.py [--questions FILE ...] [--part dev|holdout|all]
                                   [--curated on|off|both] [--top 3] [--cli] [--failures N]

Uses the configured database (MOTCUA_DATABASE_URL / MOTCUA_DATA_DIR; import the catalogue first:
``motcua catalogue import ../shared/catalogue``). Needs the ``bench`` extra (bm25s).

- motcua: the index the service builds, with the hand-curated everyday names
  (``knowledge/data/common_procedures.txt``) on and off (``MOTCUA_SEARCH_CURATED``).
- plain BM25: bm25s (Lucene BM25) over the folded syllables of each procedure's whole text (name
  and all fields concatenated): no synonyms, pairs, fields, coverage, prior or grouping.
- plain rapidfuzz: ``process.extract`` with ``fuzz.WRatio`` on folded names.

A question counts as found at k when any code in its ``expected`` list is among the first k
results. ``--part`` keeps to one part of the sets that have one (``dev`` may be tuned on,
``holdout`` never). Per-query cost is measured in this process and printed as a ratio to bm25s's
(these machines are noisy: absolute times are indicative only). ``--cli`` also checks that
``motcua search --json`` (the external contract) returns what the in-process index returns.

Files with an ``expect`` field (``questions-scope.jsonl``) are scored on the decision instead:
the share of out-of-scope messages that get "none", and of small talk recognised as such.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import bm25s  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from bot.config import get_settings  # noqa: E402
from db.catalogue_repo import load_procedures  # noqa: E402
from db.engine import Database  # noqa: E402
from handlers.catalogue import build_index  # noqa: E402
from knowledge.decision import decide  # noqa: E402
from knowledge.query import terms  # noqa: E402
from knowledge.text import fold  # noqa: E402

SHARED = Path(os.environ.get("MOTCUA_SHARED_DIR", REPO.parent / "shared"))
DEFAULT_QUESTIONS = [
    SHARED / "eval" / "dev-questions.jsonl",
    REPO / "bench" / "questions-holdout.jsonl",
    REPO / "bench" / "questions-longtail.jsonl",
    REPO / "bench" / "questions-english.jsonl",
    REPO / "bench" / "questions-scope.jsonl",
]


def whole_text(p) -> str:
    return " ".join(
        [p.name, p.field or "", p.executing_agency or "", p.requirements, " ".join(p.results), " ".join(p.subjects)]
        + [i.name for g in p.documents for i in g.items]
        + p.steps
    )


class PlainBM25:
    """bm25s over folded syllables (the same tokens motcua's index starts from)."""

    def __init__(self, procedures) -> None:
        self.codes = [p.code for p in procedures]
        corpus = [terms(whole_text(p)) for p in procedures]
        self.vocab = {t: i for i, t in enumerate(sorted({t for doc in corpus for t in doc}))}
        self.retriever = bm25s.BM25()
        ids = [[self.vocab[t] for t in doc] for doc in corpus]
        self.retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self.vocab), show_progress=False)

    def search(self, text: str, top: int) -> list[str]:
        ids = [self.vocab[t] for t in terms(text) if t in self.vocab]
        if not ids:
            return []
        docs, scores = self.retriever.retrieve(
            bm25s.tokenization.Tokenized(ids=[ids], vocab=self.vocab), k=top, show_progress=False, n_threads=1
        )
        return [self.codes[d] for d, s in zip(docs[0], scores[0]) if s > 0]


class PlainRapidfuzz:
    def __init__(self, procedures) -> None:
        self.codes = [p.code for p in procedures]
        self.folded = [fold(p.name) for p in procedures]

    def search(self, text: str, top: int) -> list[str]:
        return [self.codes[i] for _, _, i in process.extract(fold(text), self.folded, scorer=fuzz.WRatio, limit=top)]


def accuracy(questions: list[dict], results: list[list[str]]) -> tuple[float, float]:
    top1 = sum(bool(r) and r[0] in set(q["expected"]) for q, r in zip(questions, results))
    top3 = sum(bool(set(q["expected"]) & set(r[:3])) for q, r in zip(questions, results))
    return top1 / len(questions), top3 / len(questions)


def timed(search, texts: list[str], top: int) -> tuple[list, list[float]]:
    results, times = [], []
    for text in texts:
        start = time.perf_counter()
        results.append(search(text, top))
        times.append(time.perf_counter() - start)
    return results, times


def run_cli(texts: list[str], top: int, curated: bool) -> list[dict]:
    stdin = "".join(t.replace("\n", " ") + "\n" for t in texts)
    beside = Path(sys.executable).with_name("motcua")  # the venv's entry point, if not on PATH
    command = [str(beside) if beside.exists() else "motcua", "search", "--json", "--top", str(top)]
    env = dict(os.environ, MOTCUA_SEARCH_CURATED="1" if curated else "0")
    out = subprocess.run(command, input=stdin, capture_output=True, text=True, check=True, env=env).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(texts), "one JSON line per question"
    return lines


async def load(url: str):
    db = Database(url)
    try:
        return await load_procedures(db)
    finally:
        await db.dispose()


def text_of(q: dict) -> str:
    return q.get("question") or q["message"]


def report_ranking(path, questions, indexes, bm25, fuzzy, top, failures, cli) -> None:
    texts = [text_of(q) for q in questions]
    rows = []
    base_results, base_times = timed(bm25.search, texts, top)
    for label, index in indexes.items():
        results, times = timed(lambda t, k, index=index: [h.code for h in index.search(t, k)], texts, top)
        decisions = [decide(index, t).decision for t in texts]
        rows.append((label, results, times, decisions))
        if cli:
            lines = run_cli(texts, top, label.endswith("on"))
            assert [[r["code"] for r in line["results"]] for line in lines] == results, "CLI and index disagree"
            assert [line["decision"] for line in lines] == decisions, "CLI and index disagree on the decision"
    fuzzy_results, fuzzy_times = timed(fuzzy.search, texts, top)
    base = statistics.mean(base_times)
    print(f"{path.name}: {len(questions)} questions")
    print(f"  {'method':22s} {'top-1':>6s} {'top-3':>6s}  {'mean ms':>8s} {'× bm25s':>8s}  {'none':>5s} {'answer right':>13s}")
    for label, results, times, decisions in rows:
        a1, a3 = accuracy(questions, results)
        none = sum(d == "none" for d in decisions) / len(questions)
        answered = [(q, r) for q, r, d in zip(questions, results, decisions) if d == "answer"]
        right = sum(r[0] in set(q["expected"]) for q, r in answered)
        print(f"  {label:22s} {a1:6.1%} {a3:6.1%}  {statistics.mean(times) * 1e3:8.2f} {statistics.mean(times) / base:8.1f}"
              f"  {none:5.1%} {right}/{len(answered)}")
    for label, results, times in (("plain BM25 (bm25s)", base_results, base_times), ("plain rapidfuzz", fuzzy_results, fuzzy_times)):
        a1, a3 = accuracy(questions, results)
        print(f"  {label:22s} {a1:6.1%} {a3:6.1%}  {statistics.mean(times) * 1e3:8.2f} {statistics.mean(times) / base:8.1f}")
    by_variant: dict[str, list[bool]] = defaultdict(list)
    for q, r in zip(questions, rows[0][1]):
        by_variant[q.get("variant", "?")].append(bool(r) and r[0] in set(q["expected"]))
    print(f"  {rows[0][0]} top-1 by variant: " + ", ".join(f"{v} {sum(x) / len(x):.0%} ({len(x)})" for v, x in sorted(by_variant.items())))
    if failures:
        label, results, _, decisions = rows[-1]
        print(f"  failures ({label}):")
        shown = 0
        for q, r, d in zip(questions, results, decisions):
            if r and r[0] in set(q["expected"]) and d != "none":
                continue
            print(f"    {q['id']} [{d}] {text_of(q)[:110]}\n      want {q['expected'][:3]} got {r[:3]}")
            shown += 1
            if shown >= failures:
                break
    print()


def report_decisions(path, questions, indexes, failures) -> None:
    print(f"{path.name}: {len(questions)} messages")
    for label, index in indexes.items():
        kinds: dict[str, list[bool]] = defaultdict(list)
        wrong = []
        for q in questions:
            result = decide(index, text_of(q))
            got = result.small_talk or result.decision
            ok = got == q["expect"] if q["expect"] != "none" else result.decision == "none" and not result.small_talk
            kinds["none" if q["expect"] == "none" else "small talk"].append(ok)
            if not ok:
                wrong.append((q, got, [h.code for h in result.hits[:2]]))
        print(f"  {label:22s} " + ", ".join(f"{k} {sum(v) / len(v):.1%} ({len(v)})" for k, v in kinds.items()))
        for q, got, codes in wrong[:failures]:
            print(f"    {q['id']} want {q['expect']} got {got} {codes}: {text_of(q)[:100]}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", nargs="*", type=Path, default=[p for p in DEFAULT_QUESTIONS if p.exists()])
    parser.add_argument("--part", choices=["dev", "holdout", "all"], default="all")
    parser.add_argument("--curated", choices=["on", "off", "both"], default="both")
    parser.add_argument("--top", type=int, default=3)
    parser.add_argument("--cli", action="store_true", help="check the motcua search --json contract too")
    parser.add_argument("--failures", type=int, default=0, help="print up to N failures (of the last index)")
    args = parser.parse_args()

    procedures = asyncio.run(load(get_settings().resolved_database_url))
    print(f"catalogue: {len(procedures)} procedures ({sum(p.detailed for p in procedures)} detailed)")
    indexes, builds = {}, {}
    for curated in ([True, False] if args.curated == "both" else [args.curated == "on"]):
        start = time.perf_counter()
        indexes[f"motcua, curated {'on' if curated else 'off'}"] = build_index(procedures, curated)
        builds[curated] = time.perf_counter() - start
    start = time.perf_counter()
    bm25 = PlainBM25(procedures)
    built_bm25 = time.perf_counter() - start
    fuzzy = PlainRapidfuzz(procedures)
    print("index build: " + ", ".join(f"motcua (curated {'on' if c else 'off'}) {s:.1f} s = {s / built_bm25:.1f}× bm25s's"
                                       for c, s in builds.items()) + "\n")

    for path in args.questions:
        questions = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        if args.part != "all":
            # A set without parts is the shared development set or wholly held out.
            whole = "dev" if path.parent.name == "eval" else "holdout"
            questions = [q for q in questions if q.get("part", whole) == args.part]
        if not questions:
            continue
        if "expect" in questions[0]:
            report_decisions(path, questions, indexes, args.failures)
        else:
            report_ranking(path, questions, indexes, bm25, fuzzy, args.top, args.failures, args.cli)


if __name__ == "__main__":
    main()
