"""The working-day calendar and due dates (knowledge.calendar, knowledge.duedate) against the rules
in the shared docs/vn-rules.md: its worked examples, its 2024–2026 table, and properties."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from knowledge.calendar import (
    VN_TZ,
    CalendarFileError,
    CalendarRangeError,
    OfficeHours,
    WorkingCalendar,
    compare_with_holidays,
    default_calendar,
    parse_calendar_text,
)
from knowledge.duedate import DueDateError, Pause, Unit, due_date, parse_pause, parse_unit

CAL = default_calendar()
D = date


def vn(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm)


# --- vn-rules.md: worked examples -----------------------------------------------------------
# (received, days, unit, pauses, due date, fragments the explanation must contain)
WORKED_EXAMPLES = [
    (vn(2026, 11, 19, 10), 3, "working", [], D(2026, 11, 25), ["tính từ 20/11", "bỏ qua 24/11 (Ngày Văn hóa Việt Nam)"]),
    (vn(2025, 1, 24, 9), 5, "working", [], D(2025, 2, 7), ["tính từ 03/02", "27/01–31/01 (Tết Nguyên đán)"]),
    (vn(2025, 4, 26, 9), 1, "working", [], D(2025, 4, 28), ["ngày làm bù", "tính từ 28/04"]),
    (vn(2025, 4, 29, 10), 3, "working", [], D(2025, 5, 7), ["tính từ 05/05", "30/04", "01/05", "02/05"]),
    (vn(2026, 11, 23, 16, 10), 0, "same_day", [], D(2026, 11, 25), ["sau 15:00", "bỏ qua 24/11 (Ngày Văn hóa Việt Nam)"]),
    (
        vn(2026, 3, 2, 9),
        5,
        "working",
        [(vn(2026, 3, 5, 10), vn(2026, 3, 9, 15))],
        D(2026, 3, 12),
        ["đã dùng 2 ngày", "còn 3 ngày", "tính lại từ 10/03"],
    ),
]


@pytest.mark.parametrize(("received", "days", "unit", "pauses", "due", "fragments"), WORKED_EXAMPLES)
def test_worked_examples(received, days, unit, pauses, due, fragments):
    result = due_date(received, days, unit, pauses)
    assert result.due_date == due
    assert result.due_at == datetime.combine(due, time(17, 0), tzinfo=VN_TZ)
    assert "hạn 17:00" in result.explanation and f"{due:%d/%m/%Y}" in result.explanation
    for fragment in fragments:
        assert fragment in result.explanation, result.explanation


def test_cutoff_is_reported_and_can_be_switched_off():
    late = vn(2026, 11, 23, 16, 10)
    assert due_date(late, 0, "same_day").cutoff_applied
    assert due_date(late, 0, "same_day", same_day_cutoff=False).due_date == D(2026, 11, 23)
    assert due_date(vn(2026, 11, 23, 14, 59), 0, "SAME_DAY").due_date == D(2026, 11, 23)
    assert due_date(vn(2026, 11, 23, 15, 0), 0, "SAME_DAY").due_date == D(2026, 11, 25)  # 15:00 is not before 15:00
    assert due_date(vn(2026, 11, 23, 14), 0, "same_day", same_day_cutoff=time(13, 30)).due_date == D(2026, 11, 25)
    assert due_date(vn(2026, 11, 22, 10), 0, "same_day").due_date == D(2026, 11, 23)  # Sunday
    assert due_date(vn(2025, 4, 26, 9), 0, "same_day").due_date == D(2025, 4, 26)  # make-up Saturday
    assert due_date(vn(2026, 11, 23, 10), 0, "working").unit is Unit.SAME_DAY  # "0 ngày làm việc"


def test_receipt_after_hours_or_on_a_day_off_starts_at_the_next_working_day():
    evening = due_date(vn(2026, 11, 19, 18, 30), 1, "working")
    assert evening.start == evening.due_date == D(2026, 11, 20)
    assert "sau giờ làm việc" in evening.explanation
    holiday = due_date(vn(2026, 11, 24, 9), 1, "working")
    assert holiday.due_date == D(2026, 11, 25)
    assert "Ngày Văn hóa Việt Nam" in holiday.explanation
    assert due_date(vn(2025, 1, 29, 9), 1, "working").due_date == D(2025, 2, 3)  # on Tết


def test_aware_datetimes_are_converted_to_vietnam_time():
    utc = datetime(2026, 11, 19, 3, 0, tzinfo=timezone.utc)  # 10:00 in Hanoi
    assert due_date(utc, 3, "WORKING_DAY").due_date == D(2026, 11, 25)
    late_utc = datetime(2026, 11, 23, 9, 10, tzinfo=timezone.utc)  # 16:10 in Hanoi
    assert due_date(late_utc, 0, "same_day").due_date == D(2026, 11, 25)
    assert due_date(utc, 3).due_at.utcoffset() == timedelta(hours=7)


# --- calendar days, half days, hours, months --------------------------------------------------
def test_calendar_days_move_to_the_next_working_day():
    assert due_date(vn(2026, 11, 14, 9), 10, "DAY").due_date == D(2026, 11, 25)  # 24/11 is a holiday
    shifted = due_date(vn(2026, 3, 2, 9), 5, "calendar")  # Sat 7/3 -> Mon 9/3
    assert shifted.due_date == D(2026, 3, 9)
    assert "thứ Bảy" in shifted.explanation and "ngày làm việc tiếp theo" in shifted.explanation
    assert due_date(vn(2026, 2, 1, 9), 30, "calendar").due_date == D(2026, 3, 3)
    assert due_date(vn(2026, 3, 2, 9), 2.2, "calendar").due_date == D(2026, 3, 5)  # rounded up to 3 days


def test_half_days_round_up_and_fall_due_at_the_end_of_the_morning():
    received = vn(2026, 3, 2, 9)  # Monday
    half = due_date(received, 0.5, "working")
    assert half.due_at == datetime(2026, 3, 3, 11, 30, tzinfo=VN_TZ)
    assert due_date(received, 1, "working").due_at == datetime(2026, 3, 3, 17, 0, tzinfo=VN_TZ)
    assert due_date(received, 1.5, "working").due_at == datetime(2026, 3, 4, 11, 30, tzinfo=VN_TZ)
    assert due_date(received, 0.3, "working").due_at == half.due_at
    assert "làm tròn lên 0,5 ngày" in due_date(received, 0.3, "working").explanation


def test_working_hours_run_on_the_office_clock():
    assert due_date(vn(2026, 3, 2, 9), 8, "HOUR").due_at == datetime(2026, 3, 3, 9, 30, tzinfo=VN_TZ)
    # received in the evening: the clock starts at the next opening
    assert due_date(vn(2026, 3, 2, 18), 4, "hour").due_at == datetime(2026, 3, 3, 11, 30, tzinfo=VN_TZ)
    # across the 24/11 holiday, with a pause: 1 h used, 3 h on Mon 23 afternoon, 4 h on Wed 25
    paused = due_date(vn(2026, 11, 19, 9), 8, "hour", [(vn(2026, 11, 19, 10), vn(2026, 11, 23, 14))])
    assert paused.due_at == datetime(2026, 11, 25, 11, 30, tzinfo=VN_TZ)
    assert "bỏ qua 24/11 (Ngày Văn hóa Việt Nam)" in paused.explanation


def test_months_keep_the_date_and_move_off_days_off():
    assert due_date(vn(2026, 1, 31, 9), 1, "MONTH").due_date == D(2026, 3, 2)  # 28/02 is a Saturday
    assert due_date(vn(2026, 10, 24, 9), 1, "month").due_date == D(2026, 11, 25)  # 24/11 holiday
    with pytest.raises(DueDateError):
        due_date(vn(2026, 1, 5, 9), 1, "month", [(vn(2026, 1, 6), vn(2026, 1, 7))])


# --- pauses ---------------------------------------------------------------------------------
def test_pause_before_day_one_uses_nothing():
    # paused the afternoon of the receipt day, resumed Wednesday: 3 days from Thursday
    result = due_date(vn(2026, 3, 2, 9), 3, "working", [(vn(2026, 3, 2, 14), vn(2026, 3, 4, 10))])
    assert result.due_date == D(2026, 3, 9)
    assert result.pauses[0].used == 0 and result.pauses[0].restart == D(2026, 3, 5)


def test_pause_after_the_due_date_does_not_move_it_and_one_on_it_leaves_a_day():
    received = vn(2026, 3, 2, 9)
    after = due_date(received, 3, "working", [(vn(2026, 3, 6, 9), vn(2026, 3, 20, 9))])
    assert after.due_date == D(2026, 3, 5) and after.pauses[0].ignored
    on_due_day = due_date(received, 3, "working", [(vn(2026, 3, 5, 9), vn(2026, 3, 10, 9))])
    assert on_due_day.due_date == D(2026, 3, 11)  # Tue 3, Wed 4 used; 1 day left from Wed 11


def test_several_pauses_apply_one_after_another():
    result = due_date(
        vn(2026, 3, 2, 9),
        5,
        "working",
        [(vn(2026, 3, 5, 10), vn(2026, 3, 9, 15)), (vn(2026, 3, 11, 8), vn(2026, 3, 16, 9))],
    )
    # used 3, 4 | 10 | then 2 left from Tue 17: 17, 18
    assert [p.remaining for p in result.pauses] == [3, 2]
    assert result.due_date == D(2026, 3, 18)
    assert result.counted_days == (D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 10), D(2026, 3, 17), D(2026, 3, 18))


def test_open_pause_has_no_due_date_but_knows_what_is_left():
    result = due_date(vn(2026, 3, 2, 9), 5, "working", [(vn(2026, 3, 5, 10), None)])
    assert result.due_date is None and result.paused and result.remaining == 3
    assert "chưa có hạn mới" in result.explanation
    closed = due_date(vn(2026, 3, 2, 9), 5, "working", [(vn(2026, 3, 5, 10), vn(2026, 3, 9, 15))])
    assert closed.due_date == CAL.add_working_days(D(2026, 3, 9), 3)


@pytest.mark.parametrize(
    "pauses",
    [
        [(vn(2026, 3, 1, 9), vn(2026, 3, 4))],  # before the receipt
        [(vn(2026, 3, 5), vn(2026, 3, 4))],  # ends before it begins
        [(vn(2026, 3, 3), vn(2026, 3, 6)), (vn(2026, 3, 5), vn(2026, 3, 9))],  # overlap
        [(vn(2026, 3, 3), None), (vn(2026, 3, 5), vn(2026, 3, 9))],  # after an open pause
    ],
)
def test_impossible_pauses_are_refused(pauses):
    with pytest.raises(DueDateError):
        due_date(vn(2026, 3, 2, 9), 5, "working", pauses)


def test_pause_parsing_forms():
    assert parse_pause("2026-03-05T10:00/2026-03-09T15:00") == Pause(vn(2026, 3, 5, 10), vn(2026, 3, 9, 15))
    assert parse_pause("2026-03-05T10:00/") == Pause(vn(2026, 3, 5, 10), None)
    assert parse_pause({"start": "2026-03-05T10:00", "end": None}).end is None
    with pytest.raises(DueDateError):
        parse_pause("<script>alert(1)</script>")


# --- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("days", [-1, float("nan"), float("inf"), True, "3", None, 10**9])
def test_bad_amounts_are_refused(days):
    with pytest.raises(DueDateError):
        due_date(vn(2026, 3, 2, 9), days, "working")


@pytest.mark.parametrize("unit", ["OTHER", "fortnight", "🙂", "'; DROP TABLE x; --", "", "<b>day</b>"])
def test_unknown_units_are_refused(unit):
    with pytest.raises(DueDateError):
        parse_unit(unit)


def test_units_in_every_spelling():
    nfd = unicodedata.normalize("NFD", "Ngày làm việc")
    assert parse_unit(nfd) is Unit.WORKING
    assert parse_unit("WORKING_DAY") is Unit.WORKING
    assert parse_unit("DAY") is Unit.CALENDAR
    assert parse_unit("trong ngày") is Unit.SAME_DAY
    assert parse_unit("HOUR") is Unit.HOUR


def test_years_outside_the_supported_range_are_refused():
    with pytest.raises(CalendarRangeError):
        CAL.is_working_day(D(1999, 5, 3))
    with pytest.raises(CalendarRangeError):
        due_date(vn(2100, 12, 30, 9), 10, "working")


# --- vn-rules.md: the 2024–2026 table -------------------------------------------------------
TABLE = {
    2024: (
        [D(2024, 1, 1), *(D(2024, 2, d) for d in (8, 9, 12, 13, 14)), D(2024, 4, 18), D(2024, 4, 29),
         D(2024, 4, 30), D(2024, 5, 1), D(2024, 9, 2), D(2024, 9, 3)],
        [D(2024, 5, 4)],
    ),
    2025: (
        [D(2025, 1, 1), *(D(2025, 1, d) for d in range(27, 32)), D(2025, 4, 7), D(2025, 4, 30), D(2025, 5, 1),
         D(2025, 5, 2), D(2025, 9, 1), D(2025, 9, 2)],
        [D(2025, 4, 26)],
    ),
    2026: (
        [D(2026, 1, 1), *(D(2026, 2, d) for d in range(16, 21)), D(2026, 4, 27), D(2026, 4, 30), D(2026, 5, 1),
         D(2026, 8, 31), D(2026, 9, 1), D(2026, 9, 2), D(2026, 11, 24)],
        [D(2026, 8, 22)],
    ),
}
TABLE_DAYS = [(year, d) for year, (off, _) in TABLE.items() for d in off]
TABLE_MAKEUP = [(year, d) for year, (_, makeup) in TABLE.items() for d in makeup]


@pytest.mark.parametrize(("year", "day"), TABLE_DAYS, ids=[d.isoformat() for _, d in TABLE_DAYS])
def test_every_weekday_off_in_the_table_is_not_a_working_day(year, day):
    assert day.weekday() < 5
    assert not CAL.is_working_day(day)
    assert CAL.day_off_name(day)


@pytest.mark.parametrize(("year", "day"), TABLE_MAKEUP, ids=[d.isoformat() for _, d in TABLE_MAKEUP])
def test_every_makeup_saturday_in_the_table_is_a_working_day(year, day):
    assert day.weekday() == 5
    assert CAL.is_working_day(day)
    assert not CAL.is_working_day(day + timedelta(days=1))  # the Sunday after stays off


@pytest.mark.parametrize("year", sorted(TABLE))
def test_ordinary_weekdays_around_each_block_are_working_days(year):
    off = set(TABLE[year][0])
    for day in off:
        for step in (-1, 1):
            neighbour = day + timedelta(days=step)
            while neighbour in off or neighbour.weekday() >= 5:
                neighbour += timedelta(days=step)
            assert CAL.is_working_day(neighbour), neighbour


@pytest.mark.parametrize("year", sorted(TABLE))
def test_data_file_and_holidays_package_both_reproduce_the_table(year):
    off, makeup = TABLE[year]
    for cal in (CAL, WorkingCalendar()):  # the packaged file, and the package alone
        assert [d.date for d in cal.days_off(year)] == sorted(off)
        assert [d.date for d in cal.makeup_days(year)] == makeup
    assert compare_with_holidays(CAL, year) == []
    working = sum(CAL.is_working_day(D(year, 1, 1) + timedelta(days=i)) for i in range(366 if year == 2024 else 365))
    assert working == len(CAL._year(year).work)


def test_names_are_vietnamese():
    names = {d.date: d.name for y in TABLE for d in CAL.days_off(y)}
    assert names[D(2026, 11, 24)] == "Ngày Văn hóa Việt Nam"
    assert names[D(2025, 1, 27)] == "Tết Nguyên đán"
    assert names[D(2024, 4, 18)] == "Giỗ Tổ Hùng Vương"
    assert names[D(2026, 4, 27)] == "Nghỉ bù Giỗ Tổ Hùng Vương"
    assert names[D(2026, 9, 2)] == "Quốc khánh"
    assert "nghỉ bù" in names[D(2025, 5, 2)].lower()
    assert all(unicodedata.is_normalized("NFC", n) for n in names.values())
    # years beyond the data file: the package, with the same wording
    assert {d.name for d in WorkingCalendar().days_off(2027)} >= {"Tết Nguyên đán", "Giỗ Tổ Hùng Vương", "Quốc khánh"}


# --- helpers' semantics ---------------------------------------------------------------------
def test_working_days_between_counts_after_a_up_to_b():
    assert CAL.working_days_between(D(2026, 11, 19), D(2026, 11, 25)) == 3
    assert CAL.working_days_between(D(2026, 11, 25), D(2026, 11, 19)) == -3
    assert CAL.working_days_between(D(2026, 11, 25), D(2026, 11, 25)) == 0
    assert CAL.working_days_between(D(2026, 11, 21), D(2026, 11, 22)) == 0  # a weekend
    assert CAL.working_days_between(D(2024, 12, 31), D(2025, 2, 3)) == 18  # across the year and Tết
    assert CAL.next_working_day(D(2025, 1, 24)) == D(2025, 2, 3)
    assert CAL.add_working_days(D(2025, 2, 3), -1) == D(2025, 1, 24)
    assert CAL.previous_working_day(D(2025, 4, 28)) == D(2025, 4, 26)  # the make-up Saturday


# --- data files and overrides -----------------------------------------------------------------
def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return path


EXTRA_DAY = """
[years.2026]
complete = false
days_off = [ { date = 2026-11-20, name = "Ngày nghỉ thử nghiệm" } ]
"""


def test_an_override_file_moves_the_due_date(tmp_path):
    cal = WorkingCalendar.load(write(tmp_path, EXTRA_DAY))
    result = due_date(vn(2026, 11, 19, 10), 3, "working", calendar=cal)
    assert result.due_date == D(2026, 11, 26)
    assert "Ngày nghỉ thử nghiệm" in result.explanation
    assert not cal.is_working_day(D(2026, 11, 20))
    assert not cal.is_working_day(D(2026, 11, 24))  # the packaged days stay (complete = false)
    assert [(k, s, d.date) for k, s, d in compare_with_holidays(cal, 2026)] == [("off", "file", D(2026, 11, 20))]


def test_a_complete_year_replaces_and_a_makeup_sunday_adds(tmp_path):
    cal = WorkingCalendar.load(write(tmp_path, """
[years.2027]
days_off = [ { date = 2027-01-01, name = "Tết Dương lịch" } ]
makeup_days = [ { date = 2027-01-03, name = "Làm bù thử" } ]
"""))
    assert cal.is_working_day(D(2027, 2, 8))  # Tết 2027 per holidays, not in this complete list
    assert cal.is_working_day(D(2027, 1, 3))  # a Sunday made a working day
    assert not cal.is_working_day(D(2027, 1, 1))
    assert not WorkingCalendar().is_working_day(D(2027, 2, 8))


def test_agency_office_hours_from_a_file(tmp_path):
    cal = WorkingCalendar.load(write(tmp_path, """
[office_hours.agencies."000.00.22.h26"]
morning = "07:00-11:00"
afternoon = "13:00-16:00"
"""))
    hours = cal.office_hours("000.00.22.H26")
    assert hours == OfficeHours.parse("07:00-11:00", "13:00-16:00")
    assert cal.office_hours("another") == OfficeHours()
    result = due_date(vn(2026, 11, 19, 10), 3, calendar=cal, office_hours=hours)
    assert result.due_at == datetime(2026, 11, 25, 16, 0, tzinfo=VN_TZ)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[years.2026\n", "TOML"),
        ("[years.2026]\nday_off = []\n", "day_off"),
        ("[years.2026]\ndays_off = [ { date = 2025-01-01, name = 'x' } ]\n", "2025-01-01"),
        ("[years.2026]\ndays_off = [ { date = 2026-01-02 } ]\n", "name"),
        ("[years.2026]\ndays_off = [ { date = 'soon', name = 'x' } ]\n", "soon"),
        ("[years.2026]\nmakeup_days = [ { date = 2026-08-24, name = 'x' } ]\n", "2026-08-24"),
        ("[years.2026]\ndays_off = [ { date = 2026-08-22, name = 'x' } ]\n"
         "makeup_days = [ { date = 2026-08-22, name = 'y' } ]\n", "2026-08-22"),
        ("[years.1900]\n", "1900"),
        ("[office_hours]\nmorning = '7h30'\n", "HH:MM"),
        ("[office_hours]\nmorning = '11:00-07:00'\n", "11:00"),
    ],
)
def test_malformed_files_get_a_clear_error(text, problem):
    with pytest.raises(CalendarFileError) as err:
        parse_calendar_text(text, "admin.toml")
    assert "admin.toml" in str(err.value) and problem in str(err.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CalendarFileError, match="không đọc được"):
        WorkingCalendar.load(tmp_path / "nope.toml")


# --- properties -----------------------------------------------------------------------------
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
moments = st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2095, 12, 31))
day_counts = st.integers(min_value=0, max_value=80)


@st.composite
def pauses_after(draw, received: datetime):
    pauses, cursor = [], received
    for _ in range(draw(st.integers(0, 3))):
        start = cursor + timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
        end = start + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
        pauses.append((start, end))
        cursor = end
    return pauses


@PROPS
@given(moments, day_counts, st.sampled_from(["working", "calendar", "same_day", "hour"]), st.data())
def test_the_due_date_is_a_working_day(received, days, unit, data):
    pauses = data.draw(pauses_after(received)) if unit != "hour" else []
    result = due_date(received, days, unit, pauses)
    assert CAL.is_working_day(result.due_date)
    assert result.due_at.date() == result.due_date
    assert result.explanation.endswith(f"{result.due_date:%d/%m/%Y}.") or "nửa ngày" in result.explanation


@PROPS
@given(moments, st.integers(0, 120), st.integers(0, 120), st.sampled_from(["working", "calendar", "hour"]))
def test_more_time_never_gives_an_earlier_due(received, half_a, half_b, unit):
    a, b = sorted((half_a / 2, half_b / 2))
    assert due_date(received, a, unit).due_at <= due_date(received, b, unit).due_at


@PROPS
@given(moments, st.integers(1, 60), st.sampled_from(["working", "calendar", "same_day"]), st.data())
def test_a_pause_never_makes_the_due_date_earlier(received, days, unit, data):
    pauses = data.draw(pauses_after(received))
    assert due_date(received, days, unit, pauses).due_date >= due_date(received, days, unit).due_date


@PROPS
@given(st.dates(min_value=D(2005, 1, 3), max_value=D(2095, 12, 25)), st.integers(1, 4), st.times())
def test_calendar_and_working_days_agree_within_a_plain_week(day, n, at):
    monday = day - timedelta(days=day.weekday())
    # days 1..n after a Monday are Tue..Fri: only a day off in between can make the counts differ
    assume(all(CAL.is_working_day(monday + timedelta(days=i)) for i in range(1, n + 1)))
    received = datetime.combine(monday, at)
    assert due_date(received, n, "calendar").due_date == due_date(received, n, "working").due_date


@PROPS
@given(moments, st.integers(1, 400))
def test_calendar_days_are_working_days_counted_up_to_the_nominal_day(received, n):
    nominal = received.date() + timedelta(days=n)
    expected = CAL.add_working_days(received.date(), CAL.working_days_between(received.date(), nominal))
    if not CAL.is_working_day(nominal):
        expected = CAL.next_working_day(nominal)
    assert due_date(received, n, "calendar").due_date == expected


@PROPS
@given(st.dates(min_value=D(2003, 1, 1), max_value=D(2098, 12, 31)), st.integers(-400, 400))
def test_add_and_between_are_inverse(day, n):
    later = CAL.add_working_days(day, n)
    if n >= 0 or CAL.is_working_day(day):  # (later, day] holds day itself only when it is worked
        assert CAL.working_days_between(day, later) == n
    assert CAL.working_days_between(later, day) == -CAL.working_days_between(day, later)
    if n:
        assert CAL.is_working_day(later)
        assert (later > day) == (n > 0)


@PROPS
@given(moments, st.integers(1, 60), st.data())
def test_closing_an_open_pause_continues_with_what_was_left(received, days, data):
    start = received + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 60)))
    end = start + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 30)))
    open_ = due_date(received, days, "working", [(start, None)])
    closed = due_date(received, days, "working", [(start, end)])
    if open_.due_date is None:  # the pause began before the time ran out
        assert closed.due_date == CAL.add_working_days(end.date(), int(open_.remaining))
    else:
        assert closed.due_date == open_.due_date


def day_by_day(received: datetime, n: int, pauses) -> date:
    """The rule read literally: walk the days after the receipt; a day counts if it is a working day
    and not within a pause, from the day the pause began to the day it ended, both included."""
    d, counted = received.date(), 0
    while True:
        d += timedelta(days=1)
        paused = any(start.date() <= d <= end.date() for start, end in pauses)
        if CAL.is_working_day(d) and not paused:
            counted += 1
            if counted == n:
                return d


@PROPS
@given(moments, st.integers(1, 60), st.data())
def test_matches_a_day_by_day_reading_of_the_rule(received, days, data):
    pauses = data.draw(pauses_after(received))
    assert due_date(received, days, "working", pauses).due_date == day_by_day(received, days, pauses)
