"""What the results page shows: numbers in words, and a dot-and-whisker chart per rate.

Pure functions of `ExperimentResults`: the chart's geometry is computed here and drawn by the
template as server-side SVG (no script, no inline style), with the same numbers in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alertsvc.domain.message import Message, msg
from alertsvc.domain.stats import Interval
from alertsvc.services.experiments import RATE_ACTIONS, ExperimentResults, VariantResult


def _(text: str) -> str:
    """Marks a label for the catalogs; the template translates it (`_(label)`)."""
    return text


# What each rate means, in words; the ack action's code is shown next to it.
RATE_LABELS: dict[str, str] = {
    "closed_app": _("Closed the app"),
    "dismissed": _("Dismissed the reminder"),
    "school_use": _("Said it's for school"),
    "report_wrong": _("Reported “not in school”"),
}
ACK_LABELS: dict[str, str] = {
    "shown": _("Shown"),
    "dismissed": _("Dismissed"),
    "closed_app": _("Closed app"),
    "school_use": _("School use"),
    "report_wrong": _("Report wrong"),
}

# Chart geometry, in SVG user units (the viewBox; CSS scales it to the column's width).
WIDTH = 360
LABEL_WIDTH = 112
PLOT_LEFT = LABEL_WIDTH + 8
PLOT_RIGHT = WIDTH - 18
ROW_HEIGHT = 30
TOP = 10
AXIS_HEIGHT = 30
CAP = 6
LABEL_CHARS = 15
# The axis ends at the first of these that holds every interval, so small rates stay legible;
# each has a round half for the middle tick.
SCALE_MAXIMA = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


def percent(value: float) -> str:
    """A rate as a percentage with one decimal: 0.4 -> "40.0%"."""
    return f"{value * 100:.1f}%"


def points(value: float) -> str:
    """A difference of rates in percentage points, signed: 0.2 -> "+20.0 pp"."""
    shown = value * 100
    if round(shown, 1) == 0:
        return "0.0 pp"
    # A real minus sign: a hyphen reads as a dash next to the range's dash.
    return f"{shown:+.1f} pp".replace("-", "\u2212")


def rate_text(interval: Interval | None) -> str:
    """'40.0% (21.9%–61.3%)', or a dash without reminders (a range, in no language's words)."""
    if interval is None:
        return "—"
    return f"{percent(interval.estimate)} ({percent(interval.low)}–{percent(interval.high)})"


def p_value_text(p_value: float) -> str:
    """A p-value people can read: two significant digits, never scientific notation."""
    if p_value < 0.0001:
        return "p < 0.0001"
    return f"p = {p_value:.2g}" if p_value < 0.01 else f"p = {p_value:.2f}"


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One variant's line in a chart: a dot at the rate, a whisker over its interval."""

    label: str
    y: float
    is_control: bool
    x: float | None = None
    low_x: float | None = None
    high_x: float | None = None
    empty_text: str = ""


@dataclass(frozen=True, slots=True)
class RateChart:
    action: str
    title: Message
    description: str
    height: float
    axis_y: float
    ticks: tuple[Tick, ...]
    rows: tuple[ChartRow, ...]
    control_x: float | None

    width: int = WIDTH
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    top: int = TOP
    cap: int = CAP


@dataclass(frozen=True, slots=True)
class RateRow:
    """A variant's rate and difference from the control, each with its interval apart."""

    key: str
    is_control: bool
    rate: str
    rate_interval: str
    versus: str
    versus_interval: str


@dataclass(frozen=True, slots=True)
class RatePanel:
    """A rate's chart and the same numbers as table rows."""

    chart: RateChart
    rows: tuple[RateRow, ...]


def _scale_max(intervals: Sequence[Interval]) -> float:
    highest = max((i.high for i in intervals), default=0.0)
    return next((m for m in SCALE_MAXIMA if highest <= m), 1.0)


def _short(key: str) -> str:
    return key if len(key) <= LABEL_CHARS else key[: LABEL_CHARS - 1] + "…"


def _empty_text(variant: VariantResult) -> str:
    return _("holdout: no reminders") if variant.holdout else _("no reminders yet")


def rate_chart(results: ExperimentResults, action: str) -> RateChart:
    """The chart of one rate across the variants, scaled to the widest interval."""
    intervals = [i for v in results.variants if (i := v.rates.get(action)) is not None]
    maximum = _scale_max(intervals)

    def x_of(value: float) -> float:
        return round(PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * min(value, maximum) / maximum, 1)

    rows = []
    control_x = None
    for index, variant in enumerate(results.variants):
        y = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2
        is_control = variant.key == results.control
        interval = variant.rates.get(action)
        if interval is None:
            rows.append(
                ChartRow(_short(variant.key), y, is_control, empty_text=_empty_text(variant))
            )
            continue
        x = x_of(interval.estimate)
        if is_control:
            control_x = x
        rows.append(
            ChartRow(_short(variant.key), y, is_control, x, x_of(interval.low), x_of(interval.high))
        )
    axis_y = TOP + len(results.variants) * ROW_HEIGHT
    ticks = tuple(
        Tick(x_of(maximum * f), percent(maximum * f).replace(".0%", "%")) for f in (0, 0.5, 1)
    )
    label = RATE_LABELS.get(action, action)
    parts = [f"{v.key}: {rate_text(v.rates.get(action))}" for v in results.variants]
    return RateChart(
        action=action,
        title=msg(
            "%(rate)s (%(action)s) per reminder, by variant, with 95%% intervals",
            rate=Message(label),
            action=action,
        ),
        description="; ".join(parts) + ".",
        height=axis_y + AXIS_HEIGHT,
        axis_y=axis_y,
        ticks=ticks,
        rows=tuple(rows),
        control_x=control_x,
    )


def _rate_row(results: ExperimentResults, variant: VariantResult, action: str) -> RateRow:
    rate, versus = variant.rates.get(action), variant.vs_control.get(action)
    return RateRow(
        key=variant.key,
        is_control=variant.key == results.control,
        rate=percent(rate.estimate) if rate else "—",
        rate_interval=f"{percent(rate.low)}–{percent(rate.high)}" if rate else "",
        versus=points(versus.estimate) if versus else "—",
        versus_interval=(
            f"{points(versus.low).removesuffix(' pp')} – {points(versus.high)}" if versus else ""
        ),
    )


def rate_panels(results: ExperimentResults) -> list[RatePanel]:
    """One panel per rate the experiment is judged on (SPEC §5 results)."""
    panels = []
    for action in RATE_ACTIONS:
        rows = tuple(_rate_row(results, v, action) for v in results.variants)
        panels.append(RatePanel(rate_chart(results, action), rows))
    return panels
