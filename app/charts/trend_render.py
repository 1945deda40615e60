"""Monthly trend charts (a company's and the whole site's), drawn like the other charts
(app/charts/render.py: matplotlib's SVG backend, deterministic, text kept as text).

Series never rely on colour alone: each has its own line style and marker and is named in the
legend, and intervals are drawn as shaded bands around their line. Every chart stands beside a
data table with the same numbers on the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from app.charts.render import ACCENT, INK, MUTED, _empty, _svg
from app.stats.trends import Month

GREEN = "#2e7d32"
# (colour, line style, marker): told apart in grey print and by colour-blind readers too.
STYLES = ((INK, "-", "o"), (ACCENT, "--", "s"), (GREEN, ":", "^"))


def _months_axis(ax: Axes, labels: list[str]) -> None:
    step = max(1, len(labels) // 8)  # about eight labels, whatever the span
    ax.set_xticks(range(0, len(labels), step), labels[::step])
    ax.tick_params(axis="x", labelrotation=30)


def _band(
    ax: Axes, lows: Sequence[float | None], highs: Sequence[float | None], colour: str
) -> None:
    """The interval as a shaded band; a month without one is a gap, not bridged."""
    nan = float("nan")
    pairs = [
        (nan, nan) if lo is None or hi is None else (lo, hi)
        for lo, hi in zip(lows, highs, strict=True)
    ]
    if any(lo == lo for lo, _ in pairs):  # not every one NaN
        ax.fill_between(
            range(len(pairs)), [lo for lo, _ in pairs], [hi for _, hi in pairs],
            color=colour, alpha=0.15, linewidth=0,
        )  # fmt: skip


def _line(ax: Axes, values: Sequence[float | None], style: int, label: str) -> None:
    colour, dash, marker = STYLES[style]
    ys = [float("nan") if v is None else v for v in values]  # a gap where there is no number
    ax.plot(range(len(ys)), ys, color=colour, linestyle=dash, marker=marker, markersize=4,
            linewidth=1.8, label=label)  # fmt: skip


def counts(months: list[Month], *, resolved: bool = True) -> bytes:
    """Complaints filed per month, and how many of each month's were answered and resolved."""

    def draw(ax: Axes) -> None:
        if not any(m.filed for m in months):
            _empty(ax, "No complaints in these months")
            return
        _line(ax, [m.filed for m in months], 0, "filed")
        _line(ax, [m.answered for m in months], 1, "answered (so far)")
        if resolved:
            _line(ax, [m.resolved for m in months], 2, "marked resolved (so far)")
        _months_axis(ax, [m.month for m in months])
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("Complaints")
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=3)
        ax.set_title("Complaints filed, answered and resolved, by month filed", loc="left")

    return _svg(draw, height=3.6)


def rates(months: list[Month]) -> bytes:
    """Share answered on time and share confirmed resolved, each with its 95% interval."""

    def draw(ax: Axes) -> None:
        if not any(m.filed for m in months):
            _empty(ax, "No complaints in these months")
            return
        _band(ax, [m.timely_low for m in months], [m.timely_high for m in months], STYLES[0][0])
        _line(ax, [m.timely_rate for m in months], 0, "answered on time")
        _band(
            ax, [m.confirmed_low for m in months], [m.confirmed_high for m in months], STYLES[1][0]
        )
        _line(ax, [m.confirmed_rate for m in months], 1, "confirmed resolved")
        _months_axis(ax, [m.month for m in months])
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=2)
        ax.set_title("Answered on time and confirmed resolved (shaded: 95% interval)", loc="left")

    return _svg(draw, height=3.6)


def response(months: list[Month]) -> bytes:
    """The Kaplan-Meier median time to a first response per monthly cohort, with its interval;
    a month whose median is not reached yet is a gap, marked on the axis."""

    def draw(ax: Axes) -> None:
        if not any(m.filed for m in months):
            _empty(ax, "No complaints in these months")
            return
        _band(
            ax,
            [m.response_median_low for m in months],
            [m.response_median_high for m in months],
            STYLES[0][0],
        )
        _line(ax, [m.response_median_days for m in months], 0, "median")
        pending = [i for i, m in enumerate(months) if m.filed and m.response_median_days is None]
        for i in pending:
            ax.annotate("not reached", (i, 0), xytext=(0, 4), textcoords="offset points",
                        rotation=90, fontsize=8, color=MUTED, ha="center", va="bottom")  # fmt: skip
        _months_axis(ax, [m.month for m in months])
        ax.set_ylim(bottom=0)
        ax.set_ylabel("Days")
        ax.set_title("Median time to a first response (shaded: 95% interval)", loc="left")

    return _svg(draw, height=3.4)


DRAWERS = {"trend_counts": counts, "trend_rates": rates, "trend_response": response}
