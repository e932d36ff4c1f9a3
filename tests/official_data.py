"""Officials, dossiers around a fixed "now" and linked chats, for the officials' tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.dossier_repo import upsert_dossiers
from db.officials_repo import create_invite, redeem_invite
from knowledge.calendar import VN_TZ
from knowledge.dossiers.schema import DossierIn

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=VN_TZ)  # Wednesday, office hours
COMMUNE = "000.31.22.H26"  # UBND xã Tân Hòa
POLICE = "001.31.22.H26"  # Công an xã Tân Hòa: a sub-unit of the commune by the code
WARD = "000.05.22.H26"  # UBND phường Đông Thành: a sibling of the commune
DISTRICT = "000.00.22.H26"  # covers all three
NAMES = {COMMUNE: "UBND xã Tân Hòa", POLICE: "Công an xã Tân Hòa", WARD: "UBND phường Đông Thành",
         DISTRICT: "UBND huyện"}

# code → (agency, due, status); NOW is Wed 11/03/2026 10:00
OVERDUE_OLD = f"{COMMUNE}-260223-0001"  # due Wed 04/03: overdue by 5 working days
OVERDUE_NEW = f"{COMMUNE}-260302-0002"  # due Tue 10/03: overdue by 1
DUE_TODAY = f"{COMMUNE}-260304-0003"  # due Wed 11/03 17:00
DUE_TOMORROW = f"{POLICE}-260305-0001"  # due Thu 12/03 17:00
DUE_LATER = f"{COMMUNE}-260306-0004"  # due Wed 18/03: nothing to remind
WARD_OVERDUE = f"{WARD}-260302-0001"  # another agency's overdue dossier
FINISHED = f"{COMMUNE}-260302-0005"  # finished on time

DUE = {
    OVERDUE_OLD: "2026-03-04T17:00:00+07:00", OVERDUE_NEW: "2026-03-10T17:00:00+07:00",
    DUE_TODAY: "2026-03-11T17:00:00+07:00", DUE_TOMORROW: "2026-03-12T17:00:00+07:00",
    DUE_LATER: "2026-03-18T17:00:00+07:00", WARD_OVERDUE: "2026-03-09T17:00:00+07:00",
    FINISHED: "2026-03-09T17:00:00+07:00",
}
PHONES = {OVERDUE_OLD: "0911000001", OVERDUE_NEW: "0911000002", DUE_TODAY: "0911000003", DUE_TOMORROW: "0911000004",
          DUE_LATER: "0911000005", WARD_OVERDUE: "0911000006", FINISHED: "0911000007"}


def default_history(received: str) -> list[dict]:
    """Received at the desk, then being processed half an hour later."""
    start = datetime.fromisoformat(received)
    return [{"status": 2, "at": received, "note": "", "by": "Một cửa"},
            {"status": 4, "at": (start + timedelta(minutes=30)).isoformat(), "note": "", "by": "Chuyên viên"}]


def dossier(code: str, *, due: str | None = None, status: int = 4, history: list | None = None,
            received: str | None = None, **extra) -> dict:
    agency = code.rsplit("-", 2)[0]
    yymmdd = code.rsplit("-", 2)[1]
    received = received or f"20{yymmdd[:2]}-{yymmdd[2:4]}-{yymmdd[4:]}T09:00:00+07:00"
    data = {
        "code": code, "procedure_code": "1.004194", "agency_code": agency, "agency_name": NAMES.get(agency, agency),
        "applicant_name": "Trần Thị Mai", "applicant_phone": PHONES.get(code, "0912345678"),
        "applicant_id_number": "001203012345", "received_at": received, "processing_days": 5,
        "processing_unit": "working", "due_at": due or DUE.get(code), "status": status,
        "status_history": history or default_history(received),
    }
    data.update(extra)
    return data


def standard_dossiers() -> list[dict]:
    items = [dossier(code) for code in (OVERDUE_OLD, OVERDUE_NEW, DUE_TODAY, DUE_TOMORROW, DUE_LATER, WARD_OVERDUE)]
    items.append(dossier(FINISHED, status=10, finished_at="2026-03-06T10:00:00+07:00",
                         returned_at="2026-03-06T15:00:00+07:00",
                         history=[{"status": 2, "at": "2026-03-02T09:00:00+07:00"},
                                  {"status": 9, "at": "2026-03-06T10:00:00+07:00"},
                                  {"status": 10, "at": "2026-03-06T15:00:00+07:00"}]))
    return items


async def seed(deps, items: list[dict] | None = None, *, now: datetime | None = None):
    return await upsert_dossiers(deps.db, [DossierIn.model_validate(i) for i in (items or standard_dossiers())],
                                 calendar=deps.calendar, procedures=deps.catalogue.index.get, source="test", now=now)


async def official(db, agency: str, name: str, channel: str, chat_id: str, *, role: str = "officer"):
    """An official linked to one chat (the invite redeemed)."""
    invite = await create_invite(db, agency_code=agency, name=name, role=role)
    linked = await redeem_invite(db, invite.code, channel, chat_id)
    assert linked is not None
    return linked
