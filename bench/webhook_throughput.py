"""Messages per second through POST /telegram/webhook until the reply reaches the Bot API, for
motcua and, in the same run, for python-telegram-bot's own minimal echo bot behind a webhook route
of the same server (PTB's ``examples/customwebhookbot`` pattern: the update put on PTB's in-memory
``update_queue``, answered by an echo handler; the framework's limit). Both talk to one local fake
Bot API. Telegram's 30 messages/s limiter is off for both (it would measure itself), and so is the
outbox's one-message-per-second-per-chat pacing (the same kind of platform limit).

motcua runs its durable path: every update stored in the inbox (SQLite by default) before the 200,
answered by the inbox worker, the reply planned in the outbox and sent by its dispatcher.

Two echo bots: PTB's stock one (its default httpx networking) — the baseline of the target — and
the same echo bot on motcua's networking (``bot/channels/telegram_http.AiohttpRequest``), to show what
the conversation itself costs once the HTTP client is the same.

    .venv/bin/python bench/webhook_throughput.py [--messages 2000] [--users 32]

Prints throughput, p50/p99 latency (webhook POST → sendMessage at the fake API), the CPU time per
message of the process serving the bot (this one: the citizens and the fake API run in another),
and the ratio.
The motcua run uses a fresh SQLite database with the bundled catalogue, as a fresh install does.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import create_app  # noqa: E402
from bot.channels.telegram_http import AiohttpRequest  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.wiring import core_deps  # noqa: E402
from db.catalogue_repo import upsert_procedures  # noqa: E402
from db.engine import Database  # noqa: E402
import knowledge.search  # noqa: E402
from knowledge.catalogue.importers import import_paths  # noqa: E402
from telegram.ext import Application  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402
from tests.fakes.server import LocalServer  # noqa: E402
from tests.fakes.telegram_api import FakeBotApi, text_update  # noqa: E402

SECRET = "bench-secret"
STOCK = "PTB echo bot"
SAME_HTTP = "PTB echo bot, aiohttp"
# A citizen's mix: procedure questions, follow-ups, help, a greeting — and the 200 everyday
# questions of questions-holdout.jsonl between them, so that answers are not all the same few.
EVERYDAY = ["đăng ký tạm trú cần giấy tờ gì", "phí bao nhiêu?", "làm căn cước mất bao lâu", "/help",
            "đăng ký khai sinh cho con", "nộp ở đâu?", "xin chào", "cấp lại giấy phép lái xe bị mất"]
_HOLDOUT = Path(__file__).resolve().parent / "questions-holdout.jsonl"
MESSAGES = [m for n, line in enumerate(_HOLDOUT.read_text("utf-8").splitlines())
            for m in (json.loads(line)["question"], EVERYDAY[n % len(EVERYDAY)])]


def settings_for(base_url: str, database_url: str, data_dir: Path = Path("data")) -> Settings:
    return Settings(database_url=database_url, data_dir=data_dir, telegram_token="1:BENCH", telegram_base_url=base_url,
                    telegram_mode="webhook", telegram_webhook_secret=SECRET, outbox_per_chat_seconds=0,
                    outbox_poll_seconds=0.2)


async def drive(url: str, api: FakeBotApi, n: int, users: int, first_chat: int) -> dict:
    """``users`` citizens chat at once, each in their own chat, sending their next message when the
    reply to the previous one has arrived (as people do): n messages in all."""
    waiting: dict[str, asyncio.Future] = {}

    def on_call(call) -> None:
        future = waiting.get(str(call.params.get("chat_id"))) if call.method == "sendMessage" else None
        if future is not None and not future.done():
            future.set_result(call.at)

    api.listener = on_call
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    latencies: list[float] = []
    ids = itertools.count(first_chat * 10)
    loop = asyncio.get_running_loop()

    async def citizen(http: aiohttp.ClientSession, chat: int, count: int) -> None:
        for k in range(count):
            waiting[str(chat)] = future = loop.create_future()
            sent = time.perf_counter()
            update = text_update(next(ids), chat, MESSAGES[(chat + k) % len(MESSAGES)])
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 200, response.status
            latencies.append(await asyncio.wait_for(future, 60) - sent)

    counts = [n // users + (1 if u < n % users else 0) for u in range(users)]
    start = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=users)) as http:
        await asyncio.gather(*(citizen(http, first_chat + u, c) for u, c in enumerate(counts)))
    elapsed = time.perf_counter() - start
    api.listener = None
    latencies.sort()
    return {"rate": n / elapsed, "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]}


async def serve_motcua(base_url: str, database_url: str, data_dir: Path = Path("data")) -> LocalServer:
    settings = settings_for(base_url, database_url, data_dir)
    app = await create_app(settings, channel_options={"telegram": {"overall_max_rate": 0, "typing_after": 5.0}})
    return await LocalServer(app).start()


async def serve_echo(base_url: str, stock: bool = True) -> LocalServer:
    """PTB's minimal echo bot (a MessageHandler that replies with the text) under an aiohttp
    webhook route, as PTB's customwebhookbot example does it; ``stock``: with PTB's default
    networking (httpx, 256 connections), else with motcua's (bot/channels/telegram_http.py)."""
    request = HTTPXRequest(connection_pool_size=256) if stock else AiohttpRequest()
    ptb = (Application.builder().token("1:BENCH").base_url(base_url).updater(None).request(request)
           .concurrent_updates(256).build())

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text)

    ptb.add_handler(MessageHandler(filters.TEXT, echo))

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
            return web.Response(status=401)
        await ptb.update_queue.put(Update.de_json(await request.json(), ptb.bot))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/telegram/webhook", webhook)

    async def lifecycle(_app):
        await ptb.initialize()
        await ptb.start()
        yield
        await ptb.stop()
        await ptb.shutdown()

    app.cleanup_ctx.append(lifecycle)
    return await LocalServer(app).start()


async def imported(catalogue: Path, tmp: Path) -> Path:
    """A migrated SQLite file with ``catalogue`` imported, copied for each round; the search index
    is built once (cached in ``tmp``, as ``MOTCUA_DATA_DIR`` caches it) before any round."""
    path = tmp / "template.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.migrate()
        stats = await upsert_procedures(db, import_paths([catalogue]).procedures)
        print(f"catalogue: {stats.inserted} procedures imported from {catalogue}", flush=True)
    finally:
        await db.dispose()
    async with core_deps(Settings(database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp)) as deps:
        print(f"search index: {len(deps.catalogue.index)} procedures", flush=True)
    return path


def load_process(conn, messages: int, users: int) -> None:
    """The fake Bot API and the citizens, in their own process: the bot under test has the
    other core to itself (the machine has two)."""

    async def main() -> None:
        api = await FakeBotApi().start()
        conn.send(api.base_url)
        first_chat = 10_000_000
        loop = asyncio.get_running_loop()
        while (url := await loop.run_in_executor(None, conn.recv)) is not None:  # the fake keeps serving
            await drive(url, api, min(200, messages), users, first_chat)  # warm-up
            conn.send(await drive(url, api, messages, users, first_chat + 1_000_000))
            first_chat += 10_000_000
        await api.stop()

    asyncio.run(main())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--users", type=int, default=32, help="citizens chatting at once")
    parser.add_argument("--rounds", type=int, default=3, help="echo/motcua pairs, interleaved (the machine may be shared)")
    parser.add_argument("--database-url", help="motcua's database (default: a fresh SQLite file, as a fresh install)")
    parser.add_argument("--catalogue", type=Path, help="import this catalogue folder (e.g. the national one) into "
                        "each fresh SQLite database first; default: the bundled procedures only")
    parser.add_argument("--cold", action="store_true", help="every question analysed and searched afresh "
                        "(no question cache: each message as if nobody had asked it before)")
    args = parser.parse_args()
    if args.cold:
        knowledge.search.QUESTIONS_KEPT = 0
    context = multiprocessing.get_context("spawn")
    ours_end, load_end = context.Pipe()
    load = context.Process(target=load_process, args=(load_end, args.messages, args.users), daemon=True)
    load.start()
    loop = asyncio.get_running_loop()
    base_url = await loop.run_in_executor(None, ours_end.recv)
    rounds: list[dict[str, dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        template = await imported(args.catalogue, Path(tmp)) if args.catalogue else None
        for n in range(args.rounds):
            results = {}
            for name in (STOCK, SAME_HTTP, "motcua"):
                fresh = Path(tmp) / f"motcua{n}.db"
                if template is not None and name == "motcua":
                    shutil.copyfile(template, fresh)
                database_url = args.database_url or f"sqlite+aiosqlite:///{fresh}"
                server = await (serve_motcua(base_url, database_url, Path(tmp)) if name == "motcua"
                                else serve_echo(base_url, stock=name == STOCK))
                try:
                    cpu = time.process_time()  # this process serves only the bot under test
                    ours_end.send(server.url + "/telegram/webhook")
                    results[name] = await loop.run_in_executor(None, ours_end.recv)
                    results[name]["cpu"] = (time.process_time() - cpu) / (args.messages + min(200, args.messages))
                finally:
                    await server.stop()
            rounds.append(results)
    ours_end.send(None)
    load.join(30)
    print(f"{args.messages} messages per run, {args.users} citizens chatting at once (next message after the reply);")
    print("the fake Bot API and the citizens run in a second process, on loopback; echo and motcua runs interleaved")
    ratios: dict[str, list[float]] = {STOCK: [], SAME_HTTP: []}
    for n, results in enumerate(rounds, 1):
        for name, r in results.items():
            print(f"  round {n}  {name:26s} {r['rate']:8.1f} msg/s   p50 {r['p50'] * 1000:7.1f} ms   "
                  f"p99 {r['p99'] * 1000:7.1f} ms   CPU {r['cpu'] * 1000:5.2f} ms/msg")
        for name in ratios:
            ratios[name].append(results["motcua"]["rate"] / results[name]["rate"])
    for name, values in ratios.items():
        target = " (target >= 1.0x)" if name == STOCK else ""
        print(f"  motcua / {name}: {', '.join(f'{r:.2f}' for r in values)}; median {statistics.median(values):.2f}x{target}")

if __name__ == "__main__":
    asyncio.run(main())
