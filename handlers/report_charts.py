"""The report's charts as PNG bytes (matplotlib): on-time rate per agency against the 100 % target,
satisfaction against 90 %, feedback answered in time against 100 %, and a 12-month trend; and the
four together on one image for the chat (``/bao_cao``).

matplotlib is imported here only, inside the functions: nothing else pays for it. Figures are made
with ``matplotlib.figure.Figure`` and no pyplot — no global state and no GUI backend (the Agg
renderer writes the PNG), so a chart can be drawn in a worker thread while the service runs.
Labels are Vietnamese first, English second; DejaVu Sans, matplotlib's own font, has the glyphs.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from db.report_repo import NO_AGENCY, Figures
from handlers.official_view import SATISFACTION_TARGET

ON_TIME_TARGET = 1.0  # the reform target: every dossier on time
FEEDBACK_TARGET = 1.0  # every feedback received, handled and answered in time
MAX_BARS = 25  # agencies per chart; the lowest rates first, the rest counted in a note
NAME_CHARS = 38
DPI = 100
GOOD, SHORT, TOTAL, TARGET = "#2e7d32", "#ef6c00", "#1565c0", "#c62828"


@dataclass(frozen=True)
class Measure:
    title: str
    target: float
    rate: Callable[[Figures], float | None]
    counts: Callable[[Figures], tuple[int, int]]
    none: str  # what a bar without a denominator says


MEASURES = {
    "on_time": Measure("Giải quyết đúng hạn / On-time dossiers", ON_TIME_TARGET, lambda f: f.on_time_rate,
                       lambda f: (f.finished_on_time, f.finished), "chưa có hồ sơ xong / none finished"),
    "satisfaction": Measure("Hài lòng / Satisfied citizens", SATISFACTION_TARGET, lambda f: f.satisfaction_rate,
                            lambda f: (f.satisfied, f.ratings), "chưa có đánh giá / no ratings"),
    "feedback": Measure("Phản ánh trả lời đúng hạn / Feedback answered in time", FEEDBACK_TARGET,
                        lambda f: f.feedback_on_time_rate, lambda f: (f.feedback_answered_on_time, f.feedback_settled),
                        "chưa có phản ánh đến hạn / none due"),
}


def pct(value: float | None) -> str:
    """95,5 % (Vietnamese decimal comma); "" for no value."""
    return "" if value is None else f"{value * 100:.1f}".replace(".", ",") + " %"


def _label(f: Figures) -> str:
    if f.agency_code == "ALL":
        return "Tất cả / All"
    name = unicodedata.normalize("NFC", f.agency_name or f.agency_code or "(chưa rõ cơ quan / no agency)")
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _bars(ax, measure: Measure, total: Figures, rows: Sequence[Figures], month_label: str) -> None:
    """One measure per agency as horizontal bars (the total on top), with its target line."""
    def order(f: Figures):
        rate = measure.rate(f)
        return (rate is None, rate if rate is not None else 0.0, f.agency_code)

    # Feedback without an agency has no dossiers or ratings: that row belongs to the feedback chart only.
    rows = [f for f in rows if f.agency_code != NO_AGENCY or measure.counts(f)[1]]
    shown = sorted(rows, key=order)[:MAX_BARS]
    bars = [total, *shown]
    labels = [_label(f) for f in bars]
    values = [(measure.rate(f) or 0.0) * 100 for f in bars]
    colours = [TOTAL if f is total else GOOD if (measure.rate(f) or 0) >= measure.target else SHORT for f in bars]
    positions = range(len(bars))
    ax.barh(positions, values, color=colours, height=0.6)
    ax.set_yticks(list(positions), labels=labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xticklabels([f"{t} %" for t in (0, 20, 40, 60, 80, 100)])
    ax.axvline(measure.target * 100, color=TARGET, linestyle="--", linewidth=1.2)
    ax.set_xlabel(f"- - -  mục tiêu / target {pct(measure.target)}", color=TARGET, fontsize=9)
    for y, f in zip(positions, bars):
        rate = measure.rate(f)
        part, whole = measure.counts(f)
        text = f" {pct(rate)} ({part}/{whole})" if rate is not None else f" {measure.none}"
        ax.text((rate or 0) * 100, y, text, va="center", fontsize=8)
    title = f"{measure.title} — {month_label}"
    if len(rows) > len(shown):
        title += f"\n({len(shown)}/{len(rows)} cơ quan có tỷ lệ thấp nhất / lowest {len(shown)} of {len(rows)} agencies)"
    ax.set_title(title, fontsize=11)
    ax.grid(axis="x", alpha=0.3)


def _trend(ax, months: Sequence[tuple[str, Figures]]) -> None:
    """The total's three rates over the months, with the targets."""
    labels = [label for label, _ in months]
    x = list(range(len(months)))
    nan = float("nan")
    for key, colour in (("on_time", TOTAL), ("satisfaction", GOOD), ("feedback", SHORT)):
        measure = MEASURES[key]
        values = [(measure.rate(f) * 100 if measure.rate(f) is not None else nan) for _, f in months]
        ax.plot(x, values, marker="o", color=colour, label=measure.title)
    ax.axhline(100, color=TARGET, linestyle="--", linewidth=1)
    ax.axhline(SATISFACTION_TARGET * 100, color=TARGET, linestyle=":", linewidth=1)
    ax.text(x[-1] if x else 0, SATISFACTION_TARGET * 100, "90 %", color=TARGET, fontsize=8, va="bottom", ha="right")
    ax.set_xticks(x, labels=labels, rotation=45, ha="right", fontsize=8)
    ax.set_xlim(-0.5, len(x) - 0.5)
    ax.set_ylim(0, 105)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    ax.set_yticklabels([f"{t} %" for t in (0, 20, 40, 60, 80, 100)])
    ax.set_title(f"Xu hướng 12 tháng / 12-month trend — {labels[0]}–{labels[-1]}" if labels else "", fontsize=11)
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)


def _bar_height(rows: Sequence[Figures]) -> float:
    return 1.6 + 0.38 * (min(len(rows), MAX_BARS) + 1)


def chart(name: str, total: Figures, rows: Sequence[Figures], month_label: str,
          months: Sequence[tuple[str, Figures]] = ()) -> bytes:
    """One chart as PNG: ``on_time``, ``satisfaction``, ``feedback`` (per agency) or ``trend``."""
    if name == "trend":
        figure = _figure(10, 5)
        _trend(figure.add_subplot(), months)
    else:
        figure = _figure(10, _bar_height(rows))
        _bars(figure.add_subplot(), MEASURES[name], total, rows, month_label)
    return _png(figure)


CHARTS = ("on_time", "satisfaction", "feedback", "trend")


def charts(total: Figures, rows: Sequence[Figures], month_label: str,
           months: Sequence[tuple[str, Figures]]) -> dict[str, bytes]:
    """Every chart, by name (the CLI writes them as ``<name>.png``)."""
    return {name: chart(name, total, rows, month_label, months) for name in CHARTS}


def summary(total: Figures, rows: Sequence[Figures], month_label: str, months: Sequence[tuple[str, Figures]],
            heading: str) -> bytes:
    """The four charts on one image, for a chat message."""
    height = max(_bar_height(rows), 4.5)
    figure = _figure(16, 2 * height + 0.6)
    figure.suptitle(unicodedata.normalize("NFC", heading), fontsize=13)
    grid = figure.add_gridspec(2, 2)
    for (row, col), name in zip(((0, 0), (0, 1), (1, 0)), ("on_time", "satisfaction", "feedback")):
        _bars(figure.add_subplot(grid[row, col]), MEASURES[name], total, rows, month_label)
    _trend(figure.add_subplot(grid[1, 1]), months)
    return _png(figure)
