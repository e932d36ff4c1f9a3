"""Search quality and latency, next to two baselines computed in the same run.

    python bench/search_quality.py [--questions FILE ...] [--top 3]

Uses the configured database (MOTCUA_DATABASE_URL / MOTCUA_DATA_DIR; import the catalogue first:
``motcua catalogue import ../shared/catalogue``).

1. motcua: the real command-line contract, ``motcua search --json --top K`` with the questions on
   standard input, as the external checks run it.
2. plain BM25: Okapi BM25 over the folded syllables of each procedure's whole text (name and all
   fields concatenated): no synonyms, pairs, fields, coverage, prior or grouping.
3. plain rapidfuzz: ``process.extract`` with ``fuzz.WRatio`` on folded names.

A question counts as found at k when any code in its ``expected`` list is among the first k
results. Latency is measured in this process for all three methods over the same questions, and
printed as a ratio to plain BM25's (these machines are noisy: absolute times are indicative only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rapidfuzz import fuzz, process  # noqa: E402

from bot.config import get_settings  # noqa: E402
from db.catalogue_repo import load_procedures  # noqa: E402
from db.engine import Database  # noqa: E402
from handlers.catalogue import build_index  # noqa: E402
from knowledge.query import terms  # noqa: E402
from knowledge.text import fold  # noqa: E402

DEFAULT_QUESTIONS = [REPO.parent / "shared" / "eval" / "dev-questions.jsonl", REPO / "bench" / "questions-holdout.jsonl"]


class PlainBM25:
    def __init__(self, procedures, k1: float = 1.2, b: float = 0.75) -> None:
        self.codes = [p.code for p in procedures]
        self.names = [p.name for p in procedures]
        self.k1, self.b = k1, b
        docs = []
        for p in procedures:
            text = " ".join(
                [p.name, p.field or "", p.executing_agency or "", p.requirements, " ".join(p.results), " ".join(p.subjects)]
                + [i.name for g in p.documents for i in g.items]
                + p.steps
            )
            docs.append(Counter(terms(text)))
        self.lengths = [sum(c.values()) for c in docs]
        self.avg = sum(self.lengths) / len(self.lengths)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for d, counts in enumerate(docs):
            for t, tf in counts.items():
                self.postings[t].append((d, tf))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def search(self, text: str, top: int) -> list[str]:
        scores: dict[int, float] = defaultdict(float)
        for t in set(terms(text)):
            for d, tf in self.postings.get(t, ()):
                norm = self.k1 * (1 - self.b + self.b * self.lengths[d] / self.avg)
                scores[d] += self.idf[t] * tf * (self.k1 + 1) / (tf + norm)
        return [self.codes[d] for d in sorted(scores, key=lambda d: -scores[d])[:top]]


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


def timed(search, questions: list[dict], top: int) -> tuple[list[list[str]], list[float]]:
    results, times = [], []
    for q in questions:
        start = time.perf_counter()
        results.append(search(q["question"], top))
        times.append(time.perf_counter() - start)
    return results, times


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_cli(questions: list[dict], top: int) -> tuple[list[list[str]], float]:
    stdin = "".join(q["question"].replace("\n", " ") + "\n" for q in questions)
    start = time.perf_counter()
    beside = Path(sys.executable).with_name("motcua")  # the venv's entry point, if not on PATH
    command = [str(beside) if beside.exists() else "motcua", "search", "--json", "--top", str(top)]
    out = subprocess.run(command, input=stdin, capture_output=True, text=True, check=True, env=os.environ.copy()).stdout
    elapsed = time.perf_counter() - start
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(questions), "one JSON line per question"
    for line, q in zip(lines, questions):
        assert line["query"] == q["question"].replace("\n", " ")
    return [[r["code"] for r in line["results"]] for line in lines], elapsed


async def load(url: str):
    db = Database(url)
    try:
        return await load_procedures(db)
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", nargs="*", type=Path, default=[p for p in DEFAULT_QUESTIONS if p.exists()])
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args()

    procedures = asyncio.run(load(get_settings().resolved_database_url))
    print(f"catalogue: {len(procedures)} procedures ({sum(p.detailed for p in procedures)} detailed)")
    start = time.perf_counter()
    ours = build_index(procedures)
    built_ours = time.perf_counter() - start
    start = time.perf_counter()
    bm25 = PlainBM25(procedures)
    built_bm25 = time.perf_counter() - start
    fuzzy = PlainRapidfuzz(procedures)
    print(f"index build: motcua {built_ours:.1f} s = {built_ours / built_bm25:.1f}× plain BM25's\n")

    for path in args.questions:
        questions = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        cli_results, cli_seconds = run_cli(questions, args.top)
        ours_results, ours_times = timed(lambda t, k: [h.code for h in ours.search(t, k)], questions, args.top)
        assert ours_results == cli_results, "the CLI and the in-process index must agree"
        bm25_results, bm25_times = timed(bm25.search, questions, args.top)
        fuzzy_results, fuzzy_times = timed(fuzzy.search, questions, args.top)
        base = statistics.median(bm25_times)
        print(f"{path.name}: {len(questions)} questions")
        print(f"  {'method':18s} {'top-1':>6s} {'top-3':>6s}   {'p50 (× BM25)':>13s} {'p99 (× BM25)':>13s}")
        for name, results, times in (
            ("motcua (CLI)", cli_results, ours_times),
            ("plain BM25", bm25_results, bm25_times),
            ("plain rapidfuzz", fuzzy_results, fuzzy_times),
        ):
            a1, a3 = accuracy(questions, results)
            print(
                f"  {name:18s} {a1:6.1%} {a3:6.1%}   {pct(times, 50) * 1e3:6.1f} ms ({pct(times, 50) / base:4.1f}×)"
                f" {pct(times, 99) * 1e3:6.1f} ms ({pct(times, 99) / base:4.1f}×)"
            )
        print(f"  (the CLI run, index build included: {cli_seconds:.1f} s)")
        by_variant: dict[str, list[int]] = defaultdict(list)
        for q, r in zip(questions, ours_results):
            by_variant[q.get("variant", "?")].append(bool(r) and r[0] in set(q["expected"]))
        print("  motcua top-1 by variant: " + ", ".join(f"{v} {sum(x) / len(x):.0%} ({len(x)})" for v, x in sorted(by_variant.items())))
        print()


if __name__ == "__main__":
    main()
