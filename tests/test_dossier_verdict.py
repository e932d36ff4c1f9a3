"""The verdict a citizen reads, on the dates of the worked examples of vn-rules.md; the facts it is
derived from (processing time, pauses from the history, the due time); status labels."""

from datetime import datetime

import pytest

from knowledge.calendar import VN_TZ, default_calendar
from knowledge.catalogue.bundled import load_bundled
from knowledge.catalogue.model import Method
from knowledge.dossiers.derive import Event, derive, pauses, processing_time
from knowledge.dossiers.status import parse_status
from knowledge.dossiers.verdict import verdict

CAL = default_calendar()


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


# Received Thu 19/11/2026 10:00, 3 working days → due Wed 25/11/2026 17:00 (24/11 is a holiday).
DUE = vn(2026, 11, 25, 17, 0)


@pytest.mark.parametrize(
    ("status", "now", "finished", "kind", "days", "words"),
    [
        (4, vn(2026, 11, 20, 10), None, "due_in", 2, "còn 2 ngày làm việc"),
        (2, vn(2026, 11, 24, 10), None, "due_in", 1, "còn 1 ngày làm việc"),  # the holiday itself
        (4, vn(2026, 11, 25, 9), None, "due_today", 0, "Đến hạn hôm nay, trước 17:00"),
        (4, vn(2026, 11, 25, 17, 0), None, "due_today", 0, "Đến hạn hôm nay"),  # at the due time: not late
        (4, vn(2026, 11, 25, 17, 30), None, "overdue", 0, "đã qua giờ hẹn hôm nay"),
        (4, vn(2026, 11, 26, 9), None, "overdue", 1, "Quá hạn 1 ngày làm việc"),
        (4, vn(2026, 11, 30, 9), None, "overdue", 3, "Quá hạn 3 ngày làm việc"),
        (5, vn(2026, 11, 30, 9), None, "paused", None, "chờ bạn bổ sung"),
        (6, vn(2026, 11, 30, 9), None, "paused", None, "thời hạn tạm ngừng tính"),
        (10, vn(2026, 12, 1), vn(2026, 11, 23, 15), "finished_early", 1, "trước hạn"),
        (9, vn(2026, 12, 1), vn(2026, 11, 25, 16), "finished_on_time", 0, "đúng hạn"),
        (10, vn(2026, 12, 1), vn(2026, 11, 25, 17, 0), "finished_on_time", 0, "đúng hạn"),
        (10, vn(2026, 12, 1), vn(2026, 11, 25, 17, 1), "finished_late", 0, "Hoàn thành quá hạn."),
        (10, vn(2026, 12, 1), vn(2026, 11, 27, 10), "finished_late", 2, "quá hạn 2 ngày làm việc"),
        (1, vn(2026, 11, 30), None, "not_started", None, "chưa được tiếp nhận"),
        (3, vn(2026, 11, 30), None, "not_received", None, "không được tiếp nhận"),
        (7, vn(2026, 11, 30), None, "ended", None, "không có kết quả"),
        (8, vn(2026, 11, 30), None, "ended", None, "không có kết quả"),
    ],
)
def test_verdict(status, now, finished, kind, days, words):
    v = verdict(status, DUE, now, CAL, finished_at=finished)
    assert v.kind == kind
    assert v.days == days
    assert words in v.vi
    assert v.en  # English second, always


def test_tet_is_not_counted_in_due_in():
    # Fri 24/01/2025 09:00, 5 working days → Fri 07/02/2025; on Mon 27/01 (Tết) 5 working days remain
    due = vn(2025, 2, 7, 17)
    assert verdict(4, due, vn(2025, 1, 27, 9), CAL).days == 5
    assert verdict(4, due, vn(2025, 2, 3, 9), CAL).days == 4


def test_an_apology_letter_does_not_make_a_late_dossier_on_time():
    new = vn(2026, 12, 2, 17)
    running = verdict(4, DUE, vn(2026, 11, 27, 9), CAL, rescheduled_due_at=new)
    assert running.kind == "overdue" and "hẹn lại: 17:00 02/12/2026" in running.vi
    done = verdict(10, DUE, vn(2026, 12, 3), CAL, finished_at=vn(2026, 12, 1, 10), rescheduled_due_at=new)
    assert done.kind == "finished_late" and done.late


def test_without_a_due_date():
    assert verdict(4, None, vn(2026, 11, 30), CAL).kind == "no_due"
    assert verdict(10, None, vn(2026, 11, 30), CAL, finished_at=vn(2026, 11, 29)).kind == "finished"


def test_finished_without_a_known_finish_time_is_not_judged():
    # B2: "now" is not when it finished (imported long after): no on-time judgement
    v = verdict(10, DUE, vn(2027, 1, 5), CAL)
    assert v.kind == "finished" and not v.late and "Đã có kết quả" in v.vi
    moved = verdict(10, DUE, vn(2027, 1, 5), CAL, rescheduled_due_at=vn(2026, 12, 2, 17))
    assert moved.kind == "finished_late"  # an apology letter was sent: late in any case


def _history(*entries):
    return [Event(s, at) for s, at in entries]


def test_derive_the_paused_worked_example():
    history = _history((2, vn(2026, 3, 2, 9)), (5, vn(2026, 3, 5, 10)), (4, vn(2026, 3, 9, 15)))
    d = derive(received_at=vn(2026, 3, 2, 9), status=4, history=history, calendar=CAL, days=5, unit="working")
    assert d.due_at == vn(2026, 3, 12, 17)
    assert "tạm dừng" in d.due.explanation and "tính lại từ 10/03" in d.due.explanation


def test_derive_an_open_pause_has_no_due_date_but_what_remains():
    history = _history((2, vn(2026, 3, 2, 9)), (6, vn(2026, 3, 5, 10)))
    d = derive(received_at=vn(2026, 3, 2, 9), status=6, history=history, calendar=CAL, days=5, unit="working")
    assert d.due_at is None and d.due.remaining == 3
    v = verdict(6, d.due_at, vn(2026, 3, 20), CAL, remaining=d.due.remaining)
    assert v.kind == "paused" and "còn 3 ngày làm việc" in v.vi


def test_pauses_from_history_several_and_consecutive():
    history = _history(
        (2, vn(2026, 3, 2, 9)), (5, vn(2026, 3, 3, 9)), (6, vn(2026, 3, 4, 9)), (4, vn(2026, 3, 5, 9)),
        (5, vn(2026, 3, 10, 9)),
    )
    assert [(p.start.day, p.end.day if p.end else None) for p in pauses(history)] == [(3, 5), (10, None)]


def test_the_backends_due_time_wins_and_a_difference_is_flagged():
    history = _history((2, vn(2026, 11, 19, 10)))
    same = derive(received_at=vn(2026, 11, 19, 10), status=2, history=history, calendar=CAL, days=3,
                  unit="working", due_at_given=DUE)
    assert same.due_at == DUE and not same.due_mismatch
    other = derive(received_at=vn(2026, 11, 19, 10), status=2, history=history, calendar=CAL, days=3,
                   unit="working", due_at_given=vn(2026, 11, 24, 17))
    assert other.due_at == vn(2026, 11, 24, 17) and other.due_at_computed == DUE and other.due_mismatch


def test_finished_and_returned_moments_come_from_the_history():
    history = _history((2, vn(2026, 11, 19, 10)), (9, vn(2026, 11, 24, 10)), (10, vn(2026, 11, 25, 8)))
    d = derive(received_at=vn(2026, 11, 19, 10), status=10, history=history, calendar=CAL, days=3, unit="working")
    assert d.finished_at == vn(2026, 11, 24, 10) and d.returned_at == vn(2026, 11, 25, 8)


def test_processing_time_from_the_catalogue_per_channel():
    procedures = {p.code: p for p in load_bundled()}
    assert processing_time(None, None, procedures["1.004194"], Method.ONLINE) == (3.0, "working")
    # Land: the channels differ (online 15, counter 5): known with the channel, no guess without it
    assert processing_time(None, None, procedures["1.012783"], Method.DIRECT) == (5.0, "working")
    assert processing_time(None, None, procedures["1.012783"], None) is None
    # "3 ngày làm việc kể từ ..." only in words; certification is same day (15:00 cut-off)
    assert processing_time(None, None, procedures["2.000720"], None) == (3.0, "working")
    assert processing_time(None, None, procedures["2.000815"], None) == (0.0, "same_day")
    assert processing_time(None, None, procedures["3.000333"], None) == (10.0, "calendar")
    assert processing_time(7, "working", procedures["1.004194"], None) == (7, "working")


@pytest.mark.parametrize(
    ("label", "code"),
    [(4, 4), ("10", 10), ("Chờ tiếp nhận", 1), ("Đang xử lý", 4), ("dang xu ly", 4), ("Chờ bổ sung hồ sơ", 5),
     ("Đã trả kết quả", 10), ("Dừng xử lý", 8), ("Từ chối chuyên ngành", 8), ("Đã hủy", 7),
     ("ĐÃ TRẢ KẾT QUẢ", 10), ("Yêu cầu thực hiện nghĩa vụ tài chính", 6)],
)
def test_status_labels(label, code):
    assert parse_status(label) == code


@pytest.mark.parametrize("bad", [0, 11, "", "đang bay", True, None, 4.5])
def test_unknown_status_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="status"):
        parse_status(bad)


@pytest.mark.parametrize(("remaining", "unit", "words"), [
    (2.5, "working", "còn 2,5 ngày làm việc"), (8, "calendar", "còn 8 ngày."),
    (3.5, "hour", "còn 3,5 giờ làm việc"), (0.0, "same_day", "giải quyết trong ngày"),
])
def test_paused_says_what_remains_in_its_unit(remaining, unit, words):
    v = verdict(5, None, vn(2026, 3, 20), CAL, remaining=remaining, unit=unit)
    assert v.kind == "paused" and v.unit == unit and words in v.vi
