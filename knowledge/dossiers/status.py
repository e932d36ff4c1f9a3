"""Dossier statuses: the national sync codes 1–10 (names, what the clock does) and the provincial
labels that map onto them (``knowledge/data/dossier_statuses.toml``; an administrator may add a file
of their own with ``load_labels(path)``)."""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from functools import cache
from pathlib import Path

from knowledge.text import fold

LABELS_FILE = Path(__file__).resolve().parent.parent / "data" / "dossier_statuses.toml"


class Clock(StrEnum):
    NOT_STARTED = "not_started"  # 1: registered (usually online), not yet accepted
    NONE = "none"  # 3: not received, there is no clock
    RUNNING = "running"  # 2, 4
    PAUSED = "paused"  # 5, 6: waiting for the citizen
    ENDED = "ended"  # 7, 8: withdrawn or stopped, no result
    FINISHED = "finished"  # 9, 10


STATUSES: dict[int, tuple[str, str, Clock]] = {
    1: ("Mới đăng ký", "Registered, not yet accepted", Clock.NOT_STARTED),  # how it came: the dossier's channel
    2: ("Được tiếp nhận", "Received", Clock.RUNNING),
    3: ("Không được tiếp nhận", "Not accepted", Clock.NONE),
    4: ("Đang xử lý", "Being processed", Clock.RUNNING),
    5: ("Yêu cầu bổ sung giấy tờ", "Waiting for more documents from the applicant", Clock.PAUSED),
    6: ("Yêu cầu thực hiện nghĩa vụ tài chính", "Waiting for the applicant to pay fees or taxes", Clock.PAUSED),
    7: ("Công dân yêu cầu rút hồ sơ", "Withdrawn at the applicant's request", Clock.ENDED),
    8: ("Dừng xử lý", "Processing stopped", Clock.ENDED),
    9: ("Đã xử lý xong", "Done: the result is ready at the desk", Clock.FINISHED),
    10: ("Đã trả kết quả", "The result has been handed over", Clock.FINISHED),
}
RUNNING = (2, 4)  # the clock runs: what reminders and "overdue" sweeps look at
PAUSED = (5, 6)
FINISHED = (9, 10)


def name(status: int) -> str:
    return STATUSES[status][0]


def english(status: int) -> str:
    return STATUSES[status][1]


def clock(status: int) -> Clock:
    return STATUSES[status][2]


def _key(label: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(label)).split())


@cache
def load_labels(path: Path = LABELS_FILE) -> dict[str, int]:
    """Folded label → code, the national names included."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    labels = {_key(n): code for code, (n, _, _) in STATUSES.items()}
    for label, code in data.get("labels", {}).items():
        if code not in STATUSES:
            raise ValueError(f"{path}: {label!r} maps to {code}, not a status code 1–10")
        labels[_key(label)] = code
    return labels


def parse_status(value: object, labels: dict[str, int] | None = None) -> int:
    """1–10 (a number or its digits) or a label ("Đang xử lý", "cho bo sung ho so"); ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("trạng thái phải là mã 1–10 hoặc tên trạng thái / status must be 1–10 or a label")
    if isinstance(value, int | float) and float(value).is_integer() and int(value) in STATUSES:
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and int(text) in STATUSES:
            return int(text)
        code = (labels or load_labels()).get(_key(text))
        if code is not None:
            return code
    shown = str(value)[:60]
    raise ValueError(
        f"trạng thái không hợp lệ / unknown status {shown!r}: dùng mã 1–10 hoặc một tên như "
        "\"Đang xử lý\", \"Chờ bổ sung hồ sơ\", \"Đã trả kết quả\" / use 1–10 or a known label"
    )
