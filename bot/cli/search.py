from __future__ import annotations

import json
import sys

import click

from bot.cli.common import run


@click.command("search")
@click.option("--top", "top", default=5, show_default=True, type=click.IntRange(1, 50), help="Results per query.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per query.")
@click.argument("query", required=False)
def search(top: int, as_json: bool, query: str | None) -> None:
    """Find procedures for a question / Tìm thủ tục theo câu hỏi.

    With no QUERY, reads one query per line from standard input and writes one JSON line per
    query: {"query": ..., "decision": "answer" | "choose" | "none", "results": [{"code": ...,
    "name": ..., "score": ...}], "offered": [codes]}, with "small_talk" (its kind) or "outside"
    (the subject another body answers) when the decision is "none" for that reason.
    """
    from bot.wiring import core_deps
    from knowledge.decision import decide

    async def go() -> None:
        async with core_deps() as deps:
            index = deps.catalogue.index
            if query is None:
                for line in sys.stdin:
                    q = line.rstrip("\r\n")
                    line = {"query": q, **decide(index, q, top).as_json()}
                    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
                    sys.stdout.flush()
                return
            decision = decide(index, query, top)
            hits = decision.hits
            if as_json:
                click.echo(json.dumps({"query": query, **decision.as_json()}, ensure_ascii=False))
                return
            click.echo(f"decision: {decision.decision}"
                       + (f" ({decision.small_talk or decision.outside.topic})" if decision.small_talk or decision.outside else ""))
            if not hits:
                click.echo("Không tìm thấy thủ tục phù hợp. / No procedure found.")
            for n, h in enumerate(hits, 1):
                more = f"  (+{len(h.variants)} nơi khác)" if h.variants else ""
                click.echo(f"{n}. {h.code}  {h.score:7.2f}  {h.name}{more}")

    run(go())
