"""The JSON shape of one dossier, as every source sends it (push-ingest, import files, a pull
backend), validated with clear per-field errors:

    {"code": "000.00.22.H26-251120-0001", "procedure_code": "1.001193",
     "agency_code": "000.00.22.H26", "agency_name": "UBND xã ...",
     "applicant_name": "Nguyễn Văn An", "applicant_phone": "0912345678",
     "applicant_id_number": "001203012345",
     "received_at": "2025-11-20T09:15:00+07:00",          # ISO 8601 with an offset
     "processing_days": 3, "processing_unit": "working",  # optional: else from the procedure
     "due_at": "2025-11-25T17:00:00+07:00",               # optional: the backend's own due time
     "status": 4,                                         # 1–10, or a provincial label
     "status_history": [{"status": 2, "at": "...", "note": "", "by": "Cán bộ một cửa"}],
     "finished_at": null, "returned_at": null,
     "channel": "DIRECT"}                                 # optional: ONLINE | DIRECT | POSTAL

Unknown keys are ignored (systems send more than we need). Text is NFC. Every date must be one the
working calendar can count from (years 2000–2100 in Vietnam time): an error names the field.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from knowledge.calendar import check_supported
from knowledge.catalogue.model import Method
from knowledge.dossiers.code import EXAMPLE, parse_code
from knowledge.dossiers.status import parse_status
from knowledge.duedate import MAX_DAYS, DueDateError, parse_unit
from knowledge.text import clean, fold

MAX_HISTORY = 200
_PROCEDURE = re.compile(r"^\d\.\d{6}$|^\d\.\d{6}\.[0-9A-Z.]{1,40}$")
_CHANNELS = {
    "online": Method.ONLINE, "truc tuyen": Method.ONLINE, "dvc": Method.ONLINE,
    "direct": Method.DIRECT, "truc tiep": Method.DIRECT,
    "postal": Method.POSTAL, "buu chinh": Method.POSTAL, "buu dien": Method.POSTAL,
}


def _text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("phải là chuỗi / must be a string")
    text = clean(value)
    if len(text) > limit:
        raise ValueError(f"quá dài (> {limit} ký tự) / too long (> {limit} characters)")
    return text


Status = Annotated[int, BeforeValidator(parse_status)]  # 1–10 or a provincial label


class HistoryIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Status
    at: AwareDatetime
    note: str = ""
    by: str = ""  # who changed it (an official's name or a system), when the source says

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: Any) -> str:
        return _text(value, 2000)

    @field_validator("at")
    @classmethod
    def _at(cls, value: datetime) -> datetime:
        return check_supported(value)

    @field_validator("by", mode="before")
    @classmethod
    def _by(cls, value: Any) -> str:
        return _text(value, 200)


class DossierIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str
    procedure_code: str | None = None
    agency_code: str = ""
    agency_name: str = ""
    applicant_name: str = ""
    applicant_phone: str | None = None
    applicant_id_number: str | None = None
    received_at: AwareDatetime
    processing_days: float | None = Field(default=None, ge=0, le=MAX_DAYS)
    processing_unit: str | None = None
    due_at: AwareDatetime | None = None
    status: Status
    status_history: list[HistoryIn] = Field(default_factory=list, max_length=MAX_HISTORY)
    finished_at: AwareDatetime | None = None
    returned_at: AwareDatetime | None = None
    channel: Method | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> str:
        code = parse_code(value) if isinstance(value, str) else None
        if code is None:
            raise ValueError(f"không phải mã hồ sơ / not a dossier code, e.g. {EXAMPLE}")
        return code.canonical

    @field_validator("procedure_code", mode="before")
    @classmethod
    def _procedure(cls, value: Any) -> str | None:
        text = _text(value, 64).upper()
        if not text:
            return None
        if not _PROCEDURE.match(text):
            raise ValueError("mã thủ tục dạng 1.001193 / a procedure code looks like 1.001193")
        return text[:8]  # a procedure-at-agency code names the national procedure first

    @field_validator("received_at", "due_at", "finished_at", "returned_at")
    @classmethod
    def _in_calendar(cls, value: datetime | None) -> datetime | None:
        # Here, per field, rather than when the batch is applied: the 422 names the item and field.
        return check_supported(value) if value is not None else None

    @field_validator("agency_code", mode="before")
    @classmethod
    def _agency_code(cls, value: Any) -> str:
        return _text(value, 48).upper().replace(" ", "")

    @field_validator("agency_name", "applicant_name", mode="before")
    @classmethod
    def _names(cls, value: Any) -> str:
        return _text(value, 300)

    @field_validator("applicant_phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> str | None:
        text = _text(value if not isinstance(value, int) else str(value), 40)
        if not text:
            return None
        digits = re.sub(r"[\s.\-()]", "", text)
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        elif digits.startswith("84") and len(digits) == 11:
            digits = "0" + digits[2:]
        if not re.fullmatch(r"\d{8,15}", digits):
            raise ValueError("số điện thoại 8–15 chữ số / a phone number has 8–15 digits")
        return digits

    @field_validator("applicant_id_number", mode="before")
    @classmethod
    def _id_number(cls, value: Any) -> str | None:
        text = _text(value if not isinstance(value, int) else str(value), 40).upper().replace(" ", "")
        if not text:
            return None
        if not re.fullmatch(r"[A-Z0-9]{6,20}", text) or not re.search(r"\d{4}$", text):
            raise ValueError(
                "số giấy tờ (CCCD 12 số, CMND 9 số, hộ chiếu) / an ID number: 6–20 letters and digits, ending in 4 digits"
            )
        return text

    @field_validator("processing_unit", mode="before")
    @classmethod
    def _unit(cls, value: Any) -> str | None:
        if value in (None, ""):
            return None
        try:
            return parse_unit(value).value
        except DueDateError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Method | None:
        if value in (None, ""):
            return None
        key = " ".join(fold(str(value)).replace("_", " ").split())
        method = _CHANNELS.get(key)
        if method is None:
            raise ValueError("kênh nộp: ONLINE, DIRECT hoặc POSTAL / channel: ONLINE, DIRECT or POSTAL")
        return method

    @model_validator(mode="after")
    def _consistent(self) -> DossierIn:
        if not self.agency_code:
            self.agency_code = self.code.rsplit("-", 2)[0]
        if (self.processing_days is None) != (self.processing_unit is None) and self.processing_unit != "same_day":
            raise ValueError(
                "processing_days và processing_unit đi cùng nhau / give both processing_days and processing_unit"
            )
        for field in ("finished_at", "returned_at", "due_at"):
            moment: datetime | None = getattr(self, field)
            if moment is not None and moment < self.received_at:
                raise ValueError(f"{field} trước received_at / {field} is before received_at")
        return self


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """[{"field": "status_history.0.at", "message": "..."}] — what a person fixing the data needs."""
    errors = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(p) for p in error["loc"]) or "(item)"
        message = error["msg"].removeprefix("Value error, ")
        errors.append({"field": field, "message": message})
    return errors
