"""The conversation core on N generated messages (issue #11, item 7): crashes, replies over a
channel's limit after splitting, empty answers.

    .venv/bin/python bench/fuzz_pipeline.py [--messages 100000] [--seed 11] [--database-url URL]

The messages are the seeded mix of ``tests/fuzz_inputs.py`` (the one ``tests/test_fuzz.py`` runs at
CI's size): citizens' questions from ``bench/questions-*.jsonl`` and the bundled catalogue's names,
mutated (accents removed, typos, NFD, emoji, markup, SQL-looking text, very long, empty, control
characters), commands with odd arguments, random Unicode, dossier codes, and button payloads that
look real but are forged (real buttons' payloads with a field changed). They come from citizens'
chats on every channel and from two officials' chats (an officer on Telegram, a head on Zalo), with
the test dossiers of ``tests/official_data.py``; a few claim an arbitrary time (``Incoming.at``).

Each message goes through ``handlers.handle`` on the bundled catalogue and a fresh SQLite file (or
``--database-url``: that database, migrated, the catalogue and the test data loaded into it). A
crash is an exception ``handle`` raised, or one it caught and logged (the citizen sees "the system
is busy"). Every reply is rendered and split as each channel sends it (``bot.preview.RENDER``) and
each part compared with the channel's ``message_limit``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import time
import traceback
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from bot.preview import RENDER  # noqa: E402
from db.catalogue_repo import upsert_procedures  # noqa: E402
from db.engine import Database  # noqa: E402
from handlers import Incoming, handle  # noqa: E402
from handlers.catalogue import Catalogue, build_index  # noqa: E402
from handlers.deps import Deps  # noqa: E402
from knowledge.catalogue.bundled import load_bundled  # noqa: E402
from knowledge.channels import capabilities  # noqa: E402
from scratch_db import scratch_database  # noqa: E402  (bench/, the script's directory)
from tests.fuzz_inputs import LoggedErrors, harvest, message, vocabulary  # noqa: E402
from tests.official_data import COMMUNE, DISTRICT, official, seed, standard_dossiers  # noqa: E402

CHANNELS = tuple(RENDER)  # every channel a reply can be rendered for
OFFICIALS = [("telegram", "701"), ("zalo", "702")]


def questions() -> list[str]:
    found = []
    for path in sorted(BENCH.glob("questions-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                found.append(row.get("question") or row.get("message") or "")
    return [q for q in found if q]


def moment(rng: random.Random) -> datetime | None:
    """Mostly none (the core's clock); 3 % any moment a platform could claim, at any offset."""
    if rng.random() >= 0.03:
        return None
    offset = timezone(timedelta(minutes=rng.randint(-14 * 60, 14 * 60)))
    return datetime(rng.randint(1, 9999), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), tzinfo=offset)


def chat(rng: random.Random, chats: int) -> tuple[str, str]:
    if rng.random() < 0.1:
        return rng.choice(OFFICIALS)
    channel = rng.choice(CHANNELS)
    return channel, f"{channel[:2]}-{rng.randrange(chats)}"


def printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode()


def where(exc_info) -> str:
    """A crash's cause: the exception and the last line of a feature (handlers/) it went through."""
    _, exc, tb = exc_info
    frames = [f for f in traceback.extract_tb(tb) if f.filename.startswith(str(REPO)) and "/.venv/" not in f.filename]
    features = [f for f in frames if f.filename.startswith(str(REPO / "handlers")) and not f.filename.endswith("core.py")]
    if not (frames := features or frames):
        return type(exc).__name__
    return f"{type(exc).__name__} at {Path(frames[-1].filename).relative_to(REPO)}:{frames[-1].lineno}"


async def run(db: Database, args) -> None:
    procedures = load_bundled()
    await upsert_procedures(db, procedures)
    deps = Deps(db=db, catalogue=Catalogue(build_index(procedures)))
    await seed(deps)
    await official(db, COMMUNE, "Lê Văn Hùng", *OFFICIALS[0])
    await official(db, DISTRICT, "Vũ Minh", *OFFICIALS[1], role="head")
    vocab = vocabulary(deps.catalogue.index, dossier_codes=[d["code"] for d in standard_dossiers()], questions=questions())
    vocab = await harvest(deps, vocab, [*OFFICIALS, ("telegram", "harvest")])
    print(f"{len(vocab.questions)} questions to mutate, {len(vocab.payloads)} real buttons' payloads to forge, "
          f"seed {args.seed}", flush=True)

    caught = LoggedErrors()
    root = logging.getLogger()
    root.addHandler(caught)
    root.setLevel(logging.ERROR)  # nothing printed: counted here
    rng = random.Random(args.seed)
    kinds: Counter[str] = Counter()
    crashes: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    over: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    longest: Counter[str] = Counter()
    empty = replies_total = 0
    examples: dict[str, str] = {}  # the first crash of each cause, in full
    seconds: list[float] = []
    start = time.perf_counter()
    for n in range(1, args.messages + 1):
        m = message(rng, vocab)
        channel, chat_id = chat(rng, args.chats)
        incoming = Incoming(channel, chat_id, text=m.text, payload=m.payload, user_id=chat_id,
                            locale=rng.choice(("vi", "vi", "en")), at=moment(rng))
        kinds[m.kind] += 1
        logged = len(caught.records)
        began = time.perf_counter()
        try:
            replies = await handle(incoming, deps)
        except Exception:  # noqa: BLE001  (counted: the point of the bench)
            crashes["raised"] += 1
            cause = where(sys.exc_info())
            causes[cause] += 1
            replies = []
            if cause not in examples and len(examples) < args.tracebacks:
                examples[cause] = f"{m.kind} {incoming!r}\n{traceback.format_exc()}"
        seconds.append(time.perf_counter() - began)
        if len(caught.records) > logged:
            crashes["caught by the core"] += 1
            record = caught.records[logged]
            cause = where(record.exc_info) if record.exc_info else record.getMessage()
            causes[cause] += 1
            if cause not in examples and len(examples) < args.tracebacks:
                examples[cause] = (f"{m.kind} {incoming!r}\n{record.getMessage()}\n"
                                   f"{''.join(traceback.format_exception(*record.exc_info)) if record.exc_info else ''}")
            del caught.records[:]
        if not replies or any(not r.render("plain").strip() for r in replies):
            empty += 1
        replies_total += len(replies)
        for reply in replies:
            for name in CHANNELS:
                limit = capabilities(name).message_limit
                for part in RENDER[name](reply):
                    parts[name] += 1
                    longest[name] = max(longest[name], len(part["text"]))
                    if len(part["text"]) > limit:
                        over[name] += 1
        if n % args.progress == 0:
            print(f"  {n} messages, {sum(crashes.values())} crashes, {sum(over.values())} over a limit, "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
    elapsed = time.perf_counter() - start
    root.removeHandler(caught)

    print(f"\nmessages            {args.messages}  ({', '.join(f'{k} {v}' for k, v in kinds.most_common())})")
    print(f"replies             {replies_total}")
    print(f"crashes             {sum(crashes.values())}  ({', '.join(f'{k} {v}' for k, v in crashes.items()) or 'none'})")
    for cause, count in causes.most_common():
        print(f"  {count:6d}  {cause}")
    for name in CHANNELS:
        print(f"over the limit      {name:9s} {over[name]} of {parts[name]} parts "
              f"(limit {capabilities(name).message_limit}, longest {longest[name]})")
    print(f"empty answers       {empty}")
    print(f"time                {elapsed:.0f} s, {args.messages / elapsed:.0f} messages/s, per message p50 "
          f"{statistics.median(seconds) * 1000:.1f} ms, p99 {statistics.quantiles(seconds, n=100)[98] * 1000:.1f} ms")
    for cause, text in examples.items():
        print(f"\n--- {cause} ---\n" + printable(text))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--chats", type=int, default=500, help="citizens' chats per channel the messages come from")
    parser.add_argument("--database-url", help="this database instead of a fresh SQLite file (migrated, data loaded)")
    parser.add_argument("--tracebacks", type=int, default=5, help="causes of crashes shown in full (the first crash of each)")
    parser.add_argument("--progress", type=int, default=10_000, help="a progress line every N messages")
    args = parser.parse_args()
    if args.database_url:
        db = Database(args.database_url)
        try:
            await db.migrate()
            await run(db, args)
        finally:
            await db.dispose()
    else:
        async with scratch_database() as db:
            await run(db, args)


if __name__ == "__main__":
    asyncio.run(main())
