"""The verdict on a dossier's timing, in words a citizen understands (vn-rules.md, "Late dossiers"):

- running (status 2/4): due in N working days, due today, overdue by N working days (now > due);
- paused (5/6): waiting for the citizen, the clock is stopped;
- finished (9/10): "trước hạn" before the due date, "đúng hạn" at or before the due time on the due
  date, "quá hạn" otherwise; a dossier whose due date was moved by an apology letter still counts as
  late (the new date is shown beside it); without a known finish time, just "finished";
- not started (1), not received (3), ended without a result (7/8): no verdict on time.

"N working days" follows ``WorkingCalendar.working_days_between``: due in N = between(today, due),
overdue by N = between(due, today) (0 when the due time passed earlier today: "quá hạn từ hôm nay").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from knowledge.calendar import WorkingCalendar, to_local
from knowledge.dossiers.status import FINISHED, PAUSED, RUNNING
from knowledge.duedate import Unit, amount_words


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # not_started | not_received | ended | paused | no_due | due_in | due_today | overdue
    #            | finished | finished_early | finished_on_time | finished_late
    days: int | None = None  # working days: due in / overdue by / early by / late by
    due_at: datetime | None = None  # the due time judged against (the original one)
    rescheduled_to: datetime | None = None  # the new appointment of an apology letter
    remaining: float | None = None  # paused: what is left once the clock runs again
    unit: str | None = None  # paused: the unit of ``remaining`` (knowledge.duedate.Unit)

    @property
    def late(self) -> bool:
        return self.kind in ("overdue", "finished_late")

    @property
    def vi(self) -> str:
        return _words(self)[0]

    @property
    def en(self) -> str:
        return _words(self)[1]


def verdict(
    status: int,
    due_at: datetime | None,
    now: datetime,
    calendar: WorkingCalendar,
    *,
    finished_at: datetime | None = None,
    rescheduled_due_at: datetime | None = None,
    remaining: float | None = None,
    unit: str | None = None,
) -> Verdict:
    tz = calendar.tz
    now = to_local(now, tz)
    due = to_local(due_at, tz) if due_at else None
    moved = to_local(rescheduled_due_at, tz) if rescheduled_due_at else None
    if status == 1:
        return Verdict("not_started")
    if status == 3:
        return Verdict("not_received")
    if status in (7, 8):
        return Verdict("ended")
    if status in PAUSED:
        return Verdict("paused", due_at=due, remaining=remaining, unit=unit)
    if status in FINISHED:
        if due is not None and finished_at is None and moved is not None:
            return Verdict("finished_late", None, due, moved)  # an apology letter: late whatever the moment
        if due is None or finished_at is None:  # no finish time known: no judgement on time
            return Verdict("finished")
        done = to_local(finished_at, tz)
        if done > due or moved is not None:
            late = max(0, calendar.working_days_between(due.date(), done.date()))
            return Verdict("finished_late", late, due, moved)
        if done.date() < due.date():
            return Verdict("finished_early", calendar.working_days_between(done.date(), due.date()), due)
        return Verdict("finished_on_time", 0, due)
    assert status in RUNNING, status
    if due is None:
        return Verdict("no_due")
    if now > due:
        return Verdict("overdue", max(0, calendar.working_days_between(due.date(), now.date())), due, moved)
    if now.date() == due.date():
        return Verdict("due_today", 0, due, moved)
    return Verdict("due_in", max(1, calendar.working_days_between(now.date(), due.date())), due, moved)


def _wd(n: int | None) -> str:
    return f"{n} working day" + ("" if n == 1 else "s")


def _when(moment: datetime) -> str:
    return f"{moment:%H:%M %d/%m/%Y}"


def _words(v: Verdict) -> tuple[str, str]:
    n = v.days
    if v.kind == "not_started":
        return ("Hồ sơ chưa được tiếp nhận nên chưa bắt đầu tính thời hạn.",
                "Not yet accepted: the processing time has not started.")
    if v.kind == "not_received":
        return ("Hồ sơ không được tiếp nhận (xem lý do trên phiếu từ chối).",
                "The dossier was not accepted (see the refusal slip).")
    if v.kind == "ended":
        return ("Hồ sơ đã kết thúc mà không có kết quả.", "The dossier ended without a result.")
    if v.kind == "paused":
        left_vi = left_en = ""
        if v.unit == Unit.SAME_DAY:
            left_vi = " Sau khi bổ sung, hồ sơ được giải quyết trong ngày."
            left_en = " Once you answer, it is handled the same day."
        elif v.remaining:
            amount_vi, amount_en = amount_words(v.remaining, v.unit or Unit.WORKING)
            left_vi, left_en = f" Sau khi bổ sung, còn {amount_vi}.", f" Once you answer, {amount_en} remain."
        return ("Tạm dừng: cơ quan đang chờ bạn bổ sung giấy tờ hoặc nộp phí; thời hạn tạm ngừng tính." + left_vi,
                "Paused: the agency is waiting for you (documents or payment); the clock is stopped." + left_en)
    if v.kind == "no_due":
        return ("Chưa xác định được hạn trả kết quả.", "The due date is not known.")
    if v.kind == "finished":
        return ("Đã có kết quả.", "Finished.")
    moved_vi = moved_en = ""
    if v.rescheduled_to is not None:
        moved_vi = f" Cơ quan đã xin lỗi và hẹn lại: {_when(v.rescheduled_to)}."
        moved_en = f" The agency apologised and set a new date: {_when(v.rescheduled_to)}."
    if v.kind == "finished_early":
        return (f"Hoàn thành trước hạn ({n} ngày làm việc).", f"Finished early ({_wd(n)} before the due date).")
    if v.kind == "finished_on_time":
        return ("Hoàn thành đúng hạn.", "Finished on time.")
    if v.kind == "finished_late":
        late_vi = f" {n} ngày làm việc" if n else ""
        late_en = f" by {_wd(n)}" if n else ""
        return (f"Hoàn thành quá hạn{late_vi}.{moved_vi}", f"Finished late{late_en}.{moved_en}")
    if v.kind == "overdue":
        if n:
            return (f"Quá hạn {n} ngày làm việc.{moved_vi}", f"Overdue by {_wd(n)}.{moved_en}")
        return (f"Quá hạn: đã qua giờ hẹn hôm nay ({v.due_at:%H:%M}).{moved_vi}",
                f"Overdue: the due time today ({v.due_at:%H:%M}) has passed.{moved_en}")
    if v.kind == "due_today":
        return (f"Đến hạn hôm nay, trước {v.due_at:%H:%M}.{moved_vi}", f"Due today, by {v.due_at:%H:%M}.{moved_en}")
    return (f"Đang trong hạn: còn {n} ngày làm việc.{moved_vi}", f"On time: due in {_wd(n)}.{moved_en}")
