"""One record per national code out of many sources.

A curated record (``bundled``: written by us from the portal's record and checked against it) wins
while no source record is newer than the one it was checked against. Otherwise the richest record
wins: first by ``SOURCE_RANK`` (the portal family — opengov, portal-api, sync — >
portal-raw > bqp > bundled > catalog > lists), then detailed over names-only, then the newest, then
by how much it holds. The winner
keeps its documents, channels and name; list fields it lacks (level, kind, subjects, the portal
link, ...) are filled from the other records of the same code, richest first — OpenGOV, for one,
never says the level, and only the catalogue knows the portal page of a Ministry of Defence record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from knowledge.catalogue.facts import national_agency, province_of
from knowledge.catalogue.model import SOURCE_PREFERENCE, SOURCE_RANK, Procedure

# Filled from other sources when the winner has nothing; documents and channels never are (they
# must describe one and the same version of the procedure).
GAP_FIELDS = (
    "field",
    "category_code",
    "promulgating_agency",
    "executing_agency",
    "levels",
    "subjects",
    "results",
    "requirements",
    "legal_basis",
    "steps",
    "submit_address",
    "kind",
    "portal_url",
)


def richness(p: Procedure) -> int:
    return (
        sum(len(g.items) for g in p.documents)
        + sum(1 + len(c.fees) for c in p.channels)
        + len(p.legal_basis)
        + len(p.steps)
        + sum(bool(getattr(p, f)) for f in GAP_FIELDS)
    )


def rank_key(p: Procedure) -> tuple:
    return (
        SOURCE_RANK.get(p.source, 0),
        p.detailed,
        p.retrieved_at or date.min,
        SOURCE_PREFERENCE.get(p.source, 0),
        richness(p),
        p.source,
        p.name,
    )


CURATED = "bundled"
# The crawls a curated record was checked against were taken days apart (18 and 20 July 2026): a
# source record retrieved later than this after the check is a newer version of the procedure.
CURATED_FOR = timedelta(days=30)


def _still_current(curated: Procedure, candidates: list[Procedure]) -> bool:
    """A curated record (written by us, its facts checked against the portal's record of a given
    date) answers for its code until a detailed source record is retrieved well after that check
    (a sync after the procedure changed): that one then replaces it whole."""
    checked = (curated.retrieved_at or date.min) + CURATED_FOR
    return all((c.retrieved_at or date.min) <= checked for c in candidates if c.detailed and c is not curated)


@dataclass
class Merged:
    procedures: list[Procedure]  # one per code, by code
    used: dict[str, int] = field(default_factory=dict)  # source → records that won
    superseded: dict[str, int] = field(default_factory=dict)  # source → records that lost


def merge(records: Iterable[Procedure]) -> Merged:
    by_code: dict[str, list[Procedure]] = {}
    for p in records:
        by_code.setdefault(p.code, []).append(p)
    result = Merged(procedures=[])
    for code in sorted(by_code):
        candidates = sorted(by_code[code], key=rank_key, reverse=True)
        curated = next((c for c in candidates if c.source == CURATED), None)
        if curated is not None:
            candidates.remove(curated)
            current = _still_current(curated, candidates)
            candidates.insert(0 if current else len(candidates), curated)
        winner, others = candidates[0], candidates[1:]
        result.used[winner.source] = result.used.get(winner.source, 0) + 1
        for other in others:
            result.superseded[other.source] = result.superseded.get(other.source, 0) + 1
        # A curated record that is no longer current donates nothing (its facts may be the old ones).
        result.procedures.append(fill_gaps(winner, [o for o in others if o.source != CURATED]))
    return result


def fill_gaps(winner: Procedure, others: list[Procedure]) -> Procedure:
    update: dict = {}
    for name in GAP_FIELDS:
        if getattr(winner, name):
            continue
        donor = next((o for o in others if getattr(o, name)), None)
        if donor is not None:
            update[name] = getattr(donor, name)
    merged = winner.model_copy(update=update) if update else winner
    merged = _carry_currency(merged, others)
    # Known only once the records are together (OpenGOV has no level, only the portal an address).
    province = province_of(merged)
    agency = national_agency(merged, [o.executing_agency or "" for o in others])
    if (province, agency) == (merged.province, merged.executing_agency):
        return merged
    return merged.model_copy(update={"province": province, "executing_agency": agency})


_NO_UNIT = re.compile(r"^(\d+(?:[.,]\d+)?) \(không rõ đơn vị / unit unclear\)")


def _carry_currency(winner: Procedure, others: list[Procedure]) -> Procedure:
    """A fee the winner gives as a bare number ("20", no unit) that another record of the same code
    gives with its currency ("20 USD", the portal API's ``currencyName``) for the same channel and
    kind: the currency is the record's own, so it is carried over."""
    channels, changed = [], False
    for ch in winner.channels:
        fees = []
        for f in ch.fees:
            m = _NO_UNIT.match(f.text) if f.amount_vnd is None else None
            if m:
                said = {re.match(rf"{re.escape(m.group(1))} ([A-Z]{{3}})\b", d.text)
                        for o in others for c in o.channels if c.method == ch.method
                        for d in c.fees if d.kind == f.kind and d.amount_vnd is None}
                units = {u.group(1) for u in said if u}
                if len(units) == 1:
                    f = f.model_copy(update={"text": f"{m.group(1)} {units.pop()}{f.text[m.end():]}"})
                    changed = True
            fees.append(f)
        channels.append(ch.model_copy(update={"fees": fees}))
    return winner.model_copy(update={"channels": channels}) if changed else winner
