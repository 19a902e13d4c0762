"""The report's charts, drawn with matplotlib's Agg canvas (no display, no pyplot) as PNG bytes. Called off the
event loop (``asyncio.to_thread``) with the figures already read: nothing here touches the database.

Each chart is a function of an ``Axes``, so the monthly report draws each on its own figure and
``/stats`` draws them together on one."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from handlers.core.i18n import Translator
from handlers.reports.figures import RATINGS, Figures
from handlers.reports.fonts import cjk_family

DPI = 100
SIZE = (8.0, 4.5)  # inches: 800 × 450 pixels
DASHBOARD = (10.0, 7.5)  # /stats: four panels, 1000 × 750 pixels
BLUE, GREEN, AMBER, RED, GREY = "#3b7dd8", "#3aa55d", "#e0a800", "#d64545", "#8a8f98"
_LOCK = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe

Chart = Callable[[Axes, Figures, Translator], None]


def _empty(ax: Axes, t: Translator) -> None:
    ax.text(0.5, 0.5, t("rp.chart.none"), ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])


def incidents_by_category(ax: Axes, figures: Figures, t: Translator) -> None:
    ax.set_title(t("rp.chart.incidents", month=figures.month))
    counts = figures.by_category
    if not counts:
        return _empty(ax, t)
    labels = [t(f"cat.{code}") for code in counts]
    ax.barh(labels[::-1], list(counts.values())[::-1], color=BLUE)
    ax.set_xlabel(t("rp.chart.count"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return None


def tickets_by_part(ax: Axes, figures: Figures, t: Translator) -> None:
    """Tickets by week of a month, by month of a quarter or a year; the on-time share as a line."""
    ax.set_title(t("rp.chart.tickets" if figures.kind == "month" else "rp.chart.tickets_by_month", month=figures.month))
    if not any(received for received, _, _ in figures.parts):
        return _empty(ax, t)
    unit = "rp.chart.week" if figures.kind == "month" else "rp.chart.month"
    labels = [t(unit, n=n) for n in figures.part_numbers]
    ax.bar(labels, [received for received, _, _ in figures.parts], color=BLUE, label=t("rp.chart.received"))
    ax.set_ylabel(t("rp.chart.count"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    share = ax.twinx()
    points = [(k, 100 * ok / timed) for k, (_, timed, ok) in enumerate(figures.parts) if timed]
    if points:
        share.plot([labels[k] for k, _ in points], [v for _, v in points], color=GREEN, marker="o")
    share.set_ylim(0, 105)
    share.set_ylabel(t("rp.chart.on_time_share"), color=GREEN)
    return None


def satisfaction_mix(ax: Axes, figures: Figures, t: Translator) -> None:
    ax.set_title(t("rp.chart.satisfaction", month=figures.month))
    counts = [figures.ratings.get(r, 0) for r in RATINGS]
    if not any(counts):
        return _empty(ax, t)
    labels = [t(f"rp.rating.{r}") for r in RATINGS]
    bars = ax.bar(labels, counts, color=[GREEN, AMBER, RED])
    ax.bar_label(bars)
    ax.set_ylabel(t("rp.chart.count"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return None


def patrols_by_plan(ax: Axes, figures: Figures, t: Translator) -> None:
    ax.set_title(t("rp.chart.patrols", month=figures.month))
    plans = [p for p in figures.plans if p.rounds]
    if not plans:
        return _empty(ax, t)
    shares = [100 * p.on_time / p.rounds for p in plans]
    bars = ax.barh([p.plan for p in plans][::-1], shares[::-1], color=GREEN)
    ax.bar_label(bars, labels=[f"{p.on_time}/{p.rounds}" for p in plans][::-1])
    ax.set_xlim(0, 115)
    ax.set_xlabel(t("rp.chart.on_time_share"))
    return None


MONTHLY: tuple[tuple[str, Chart], ...] = (
    ("incidents", incidents_by_category),
    ("tickets", tickets_by_part),
    ("satisfaction", satisfaction_mix),
    ("patrols", patrols_by_plan),
)


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    FigureCanvasAgg(figure).print_png(out)
    return out.getvalue()


def _figure(size: tuple[float, float]) -> Figure:
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    return figure


def draw(chart: Chart, figures: Figures, t: Translator) -> bytes:
    """One chart as a PNG of 800 × 450 pixels."""
    with _LOCK, matplotlib.rc_context({"font.family": [cjk_family()], "axes.unicode_minus": False}):
        figure = _figure(SIZE)
        chart(figure.add_subplot(), figures, t)
        return _png(figure)


def dashboard(figures: Figures, t: Translator) -> bytes:
    """The four charts on one PNG of 1000 × 750 pixels (``/stats``)."""
    with _LOCK, matplotlib.rc_context({"font.family": [cjk_family()], "axes.unicode_minus": False}):
        figure = _figure(DASHBOARD)
        for ax, (_, chart) in zip(figure.subplots(2, 2).flat, MONTHLY, strict=True):
            chart(ax, figures, t)
        return _png(figure)


def draw_all(jobs: Sequence[tuple[Figures, Translator]]) -> list[list[bytes]]:
    """Each job's :data:`MONTHLY` charts as PNGs, in order: what the report's child process runs
    (``handlers.reports.drawing.draw_aside``); plain values in, bytes out, so both pickle."""
    return [[draw(chart, figures, t) for _, chart in MONTHLY] for figures, t in jobs]
