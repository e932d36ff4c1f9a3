"""Search at national scale: the real catalogue plus provincial copies of its records, up to N
procedures (default 50,000), against bm25s over the same records in the same run.

    python bench/search_scale.py [--procedures 50000] [--questions FILE ...]

A copy is a real detailed record published again by a province (code ``9.<n>``, kind SPECIFIC,
"- tỉnh X" after its name), as provinces do: so the figures say what a national deployment with
every province's copies costs before it happens. Prints build time, per-query cost as a ratio to
bm25s's, top-1/top-3 on the questions (a copy of the expected record counts as right, as the
grouping shows the national record first) and the process's resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from search_quality import PlainBM25, load, timed  # noqa: E402

from bot.config import get_settings  # noqa: E402
from handlers.catalogue import build_index  # noqa: E402
from knowledge.catalogue.facts import PROVINCES  # noqa: E402


def with_copies(procedures, total: int):
    detailed = [p for p in procedures if p.detailed]
    out, origin = list(procedures), {}
    n = 0
    while len(out) < total:
        p = detailed[n % len(detailed)]
        province = PROVINCES[(n // len(detailed)) % len(PROVINCES)]
        code = f"9.{n:06d}"
        out.append(p.model_copy(update={"code": code, "name": f"{p.name} - tỉnh {province}", "kind": "SPECIFIC",
                                        "province": province}))
        origin[code] = p.code
        n += 1
    return out, origin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procedures", type=int, default=50_000)
    parser.add_argument("--questions", nargs="*", type=Path,
                        default=[REPO / "bench" / "questions-holdout.jsonl", REPO / "bench" / "questions-longtail.jsonl"])
    args = parser.parse_args()
    real = asyncio.run(load(get_settings().resolved_database_url))
    procedures, origin = with_copies(real, args.procedures)
    print(f"catalogue: {len(real)} real records + {len(procedures) - len(real)} provincial copies = {len(procedures)}")
    start = time.perf_counter()
    index = build_index(procedures)
    built = time.perf_counter() - start
    start = time.perf_counter()
    bm25 = PlainBM25(procedures)
    built_bm25 = time.perf_counter() - start
    print(f"build: motcua {built:.0f} s = {built / built_bm25:.1f}× bm25s's ({built_bm25:.0f} s)")
    for path in args.questions:
        questions = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        texts = [q["question"] for q in questions]
        ours, ours_times = timed(lambda t, k: [origin.get(h.code, h.code) for h in index.search(t, k)], texts, 3)
        _, base_times = timed(bm25.search, texts, 3)
        top1 = sum(bool(r) and r[0] in q["expected"] for q, r in zip(questions, ours)) / len(questions)
        top3 = sum(bool(set(r) & set(q["expected"])) for q, r in zip(questions, ours)) / len(questions)
        ratio = statistics.mean(ours_times) / statistics.mean(base_times)
        print(f"{path.name}: top-1 {top1:.1%}, top-3 {top3:.1%}; per query {statistics.mean(ours_times) * 1e3:.1f} ms"
              f" = {ratio:.1f}× bm25s's")
    print(f"peak resident memory of this process (both indexes and the records): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
