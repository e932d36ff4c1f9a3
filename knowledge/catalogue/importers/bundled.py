"""Our own format: ``{"format": "motcua-catalogue/1", "retrieved_at": ..., "procedures": [...]}``,
each procedure a ``Procedure`` as JSON (the default catalogue shipped in knowledge/data, exports).
A record without ``source`` is "bundled"; without ``retrieved_at`` it takes the file's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from knowledge.catalogue.importers.common import Skip, as_date, dict_of, finish, national_code

FORMAT = "motcua-catalogue/1"
SOURCE = "bundled"


def matches(data: Any) -> bool:
    return isinstance(data, dict) and "format" in data


def read(data: dict) -> Iterator:
    if data.get("format") != FORMAT:
        yield Skip("unknown format", f"format {str(data.get('format'))[:40]!r}, expected {FORMAT!r}")
        return
    procedures = data.get("procedures")
    if not isinstance(procedures, list):
        yield Skip("invalid record", "'procedures' is not a list")
        return
    retrieved_at = as_date(data.get("retrieved_at"))
    for number, item in enumerate(procedures, start=1):
        item = dict_of(item)
        try:
            national_code(item.get("code"))
            record = {**item, "source": item.get("source") or SOURCE}
            record["retrieved_at"] = as_date(item.get("retrieved_at")) or retrieved_at
            yield finish(record)
        except Skip as skip:
            yield Skip(skip.reason, f"procedure {number}: {skip.detail}".rstrip(": "))
