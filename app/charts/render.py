"""Draw a company's charts as SVG with matplotlib's SVG backend (no pyplot, no Agg, no script).

Output is byte-for-byte deterministic for the same numbers: a fixed ``svg.hashsalt`` for element
ids, no creation date, and text kept as <text> (``svg.fonttype: none``) so it stays small,
selectable and is escaped by matplotlib's XML writer.
"""

import io
import threading
from collections.abc import Callable

import matplotlib
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from app.charts import data

matplotlib.rcParams.update(
    {
        "svg.hashsalt": "outcry",
        "svg.fonttype": "none",
        "font.family": ["DejaVu Sans", "sans-serif"],
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#6b6b6b",
        "axes.labelcolor": "#222222",
        "xtick.color": "#444444",
        "ytick.color": "#444444",
    }
)
ACCENT = "#c0392b"
INK = "#0b5394"
SOFT = "#9fb7d3"
MUTED = "#8a8a8a"
# Matplotlib's text layout and font cache are not documented as thread-safe; routes run in a
# thread pool, and a chart renders in tens of milliseconds, so one at a time is cheap.
_lock = threading.Lock()


def _svg(draw: Callable[[Axes], None], *, width: float = 6.4, height: float = 3.2) -> bytes:
    with _lock:
        figure = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasSVG(figure)
        draw(figure.add_subplot())
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _empty(ax: Axes, what: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, what, ha="center", va="center", color=MUTED, transform=ax.transAxes)


def _whole_numbers(axis: Axis) -> None:
    """Counts of complaints: no tick at 2.5. An axis's default locator (AutoLocator) is a
    MaxNLocator, the one that can keep to integers."""
    locator = axis.get_major_locator()
    if isinstance(locator, MaxNLocator):
        locator.set_params(integer=True)


def monthly(months: list[tuple[str, int]]) -> bytes:
    def draw(ax: Axes) -> None:
        labels = [m for m, _ in months]
        ax.bar(range(len(months)), [n for _, n in months], color=INK, width=0.7)
        step = max(1, len(labels) // 8)  # about eight labels, whatever the span
        ax.set_xticks(range(0, len(labels), step), labels[::step])
        ax.tick_params(axis="x", labelrotation=30)
        _whole_numbers(ax.yaxis)
        ax.set_ylabel("Complaints filed")
        ax.set_title("Complaints per month", loc="left")

    return _svg(draw)


def survival(result: data.Survival) -> bytes:
    def draw(ax: Axes) -> None:
        if not result.n:
            _empty(ax, "No complaints yet")
            return
        xs = [t for t, _ in result.curve]
        ys = [s for _, s in result.curve]
        # Flat to the last complaint followed, but no further than data.VIEW_DAYS: a year of flat
        # line would squeeze the part readers look at into a few pixels.
        end = min(max(result.longest_days, xs[-1], 1.0), data.VIEW_DAYS)
        shown = [(x, y) for x, y in result.curve if x <= end]
        xs, ys = [x for x, _ in shown], [y for _, y in shown]
        ax.step([*xs, end], [*ys, ys[-1]], where="post", color=ACCENT, linewidth=2)
        ax.axhline(0.5, color=MUTED, linestyle="--", linewidth=1)
        if result.median_days is not None:
            ax.annotate(
                f"median {data.duration_label(result.median_days)}",
                (result.median_days, 0.5),
                xytext=(8, 8),
                textcoords="offset points",
                color="#222222",
            )
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, end)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("Days since filing")
        ax.set_ylabel("Still waiting for an answer")
        ax.set_title("Time to first response (Kaplan-Meier)", loc="left")

    return _svg(draw)


def distribution(bars: list[tuple[str, int]]) -> bytes:
    def draw(ax: Axes) -> None:
        labels = [label for label, _ in bars]
        colors = [SOFT if label == "still waiting" else INK for label in labels]
        ax.bar(range(len(bars)), [n for _, n in bars], color=colors, width=0.7)
        ax.set_xticks(range(len(labels)), labels)
        ax.tick_params(axis="x", labelrotation=20)
        _whole_numbers(ax.yaxis)
        ax.set_ylabel("Complaints")
        ax.set_title("How long the first response took", loc="left")

    return _svg(draw)


def resolutions(rows: list[data.ResolutionRow]) -> bytes:
    def draw(ax: Axes) -> None:
        if not any(r.total for r in rows):
            _empty(ax, "No resolutions yet")
            return
        ys = range(len(rows))
        confirmed = [r.confirmed for r in rows]
        ax.barh(ys, confirmed, color=INK, label="confirmed by the consumer")
        ax.barh(ys, [r.other for r in rows], left=confirmed, color=SOFT, label="not confirmed")
        ax.set_yticks(list(ys), [r.label for r in rows])
        ax.invert_yaxis()
        _whole_numbers(ax.xaxis)
        ax.set_xlabel("Complaints the company resolved")
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=2)
        ax.set_title("Resolution types", loc="left")

    return _svg(draw)
