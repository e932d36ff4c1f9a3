from __future__ import annotations

import json
import sys

import click

from bot.cli.common import run
from bot.wiring import core_deps


@click.command("search")
@click.option("--top", "top", default=5, show_default=True, type=click.IntRange(1, 50), help="Results per query.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per query.")
@click.argument("query", required=False)
def search(top: int, as_json: bool, query: str | None) -> None:
    """Find procedures for a question / Tìm thủ tục theo câu hỏi.

    With no QUERY, reads one query per line from standard input and writes one JSON line per
    query: {"query": ..., "results": [{"code": ..., "name": ..., "score": ...}]}.
    """

    async def go() -> None:
        async with core_deps() as deps:
            index = deps.catalogue.index
            if query is None:
                for line in sys.stdin:
                    q = line.rstrip("\r\n")
                    results = [h.as_json() for h in index.search(q, top)]
                    sys.stdout.write(json.dumps({"query": q, "results": results}, ensure_ascii=False) + "\n")
                    sys.stdout.flush()
                return
            hits = index.search(query, top)
            if as_json:
                click.echo(json.dumps({"query": query, "results": [h.as_json() for h in hits]}, ensure_ascii=False))
                return
            if not hits:
                click.echo("Không tìm thấy thủ tục phù hợp. / No procedure found.")
            for n, h in enumerate(hits, 1):
                more = f"  (+{len(h.variants)} nơi khác)" if h.variants else ""
                click.echo(f"{n}. {h.code}  {h.score:7.2f}  {h.name}{more}")

    run(go())
