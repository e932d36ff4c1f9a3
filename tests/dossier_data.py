"""Dossiers for tests, in the JSON shape of the ingest API and the import files."""

from __future__ import annotations

import copy

BASE = {
    "code": "000.00.22.H26-260302-0001",
    "procedure_code": "1.004194",  # Đăng ký tạm trú: 3 working days
    "agency_code": "000.00.22.H26",
    "agency_name": "Công an xã Tân Hòa",
    "applicant_name": "Nguyễn Văn An",
    "applicant_phone": "0912345678",
    "applicant_id_number": "001203012345",
    "received_at": "2026-03-02T09:00:00+07:00",
    "processing_days": 5,
    "processing_unit": "working",
    "status": 4,
    "status_history": [
        {"status": 2, "at": "2026-03-02T09:00:00+07:00", "note": ""},
        {"status": 5, "at": "2026-03-05T10:00:00+07:00", "note": "Thiếu bản sao giấy khai sinh"},
        {"status": 4, "at": "2026-03-09T15:00:00+07:00", "note": "Đã bổ sung"},
    ],
    "finished_at": None,
    "returned_at": None,
}
# vn-rules.md worked example: 5 working days, paused Thu 5/3 10:00 → resumed Mon 9/3 15:00 → due Thu 12/3
DUE_LOCAL = "17:00 12/03/2026"


def dossier(**changes) -> dict:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data
