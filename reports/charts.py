"""Bar charts drawn on the server as SVG: no JavaScript, they print, and the numbers beside
them are a plain table. This module computes the geometry; a template draws it."""

import math
from dataclasses import dataclass, field

WIDTH = 640
HEIGHT = 260
LEFT = 44  # room for the value axis labels
BOTTOM = 28  # room for the category labels
TOP = 12
RIGHT = 8


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str  # styled in static/css/reports.css; the fill attribute is the fallback
    fill: str
    values: list[int]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: Series
    category: str


@dataclass
class BarChart:
    chart_id: str
    title: str
    categories: list[str]
    series: list[Series]
    stacked: bool
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, value)
    labels: list[tuple[float, str]] = field(default_factory=list)  # (x centre, category)

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The chart's numbers as table rows: one per category, a column per series."""
        return [
            (category, [series.values[index] for series in self.series])
            for index, category in enumerate(self.categories)
        ]


def _nice_step(top: int, ticks: int = 4) -> int:
    raw = max(top, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            return max(1, int(multiple * magnitude))
    return int(10 * magnitude)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    categories: list[str],
    series: list[Series],
    stacked: bool = False,
) -> BarChart:
    """Grouped (side by side) or stacked bars, one group per category."""
    chart = BarChart(chart_id, title, categories, series, stacked)
    if stacked:
        peak = max((sum(s.values[i] for s in series) for i in range(len(categories))), default=0)
    else:
        peak = max((max(s.values, default=0) for s in series), default=0)
    step = _nice_step(peak)
    top = max(step * math.ceil(peak / step), step)
    plot_height = chart.baseline - TOP
    chart.ticks = [
        (chart.baseline - plot_height * value / top, value) for value in range(0, top + 1, step)
    ]
    slot = (chart.plot_right - chart.plot_left) / max(len(categories), 1)
    group = slot * 0.7
    bar_width = group if stacked else group / max(len(series), 1)
    for index, category in enumerate(categories):
        left = chart.plot_left + slot * index + (slot - group) / 2
        chart.labels.append((chart.plot_left + slot * (index + 0.5), category))
        stacked_height = 0.0
        for position, one in enumerate(series):
            value = one.values[index]
            height = plot_height * value / top
            if stacked:
                x, y = left, chart.baseline - stacked_height - height
                stacked_height += height
            else:
                x, y = left + bar_width * position, chart.baseline - height
            chart.bars.append(
                Bar(
                    round(x, 1),
                    round(y, 1),
                    round(bar_width, 1),
                    round(height, 1),
                    value,
                    one,
                    category,
                )
            )
    chart.ticks = [(round(y, 1), value) for y, value in chart.ticks]
    chart.labels = [(round(x, 1), text) for x, text in chart.labels]
    return chart


def public_figure_charts(figures) -> tuple[BarChart, BarChart]:
    """The GRS page's two charts: received vs disposed, and within vs beyond the limit."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext

    months = [date_format(month.month, "M") for month in figures.months]
    flow = bar_chart(
        chart_id="grs-chart-flow",
        title=gettext("Complaints received and disposed per month, %(year)s")
        % {"year": figures.year},
        categories=months,
        series=[
            Series(
                gettext("Received"),
                "chart-received",
                "#006a4e",
                [m.received for m in figures.months],
            ),
            Series(
                gettext("Disposed"),
                "chart-disposed",
                "#e0a400",
                [m.disposed for m in figures.months],
            ),
        ],
    )
    limit = bar_chart(
        chart_id="grs-chart-limit",
        title=gettext("Disposals within and beyond the time limit per month, %(year)s")
        % {"year": figures.year},
        categories=months,
        series=[
            Series(
                gettext("Within the time limit"),
                "chart-within",
                "#006a4e",
                [m.disposed_within_limit for m in figures.months],
            ),
            Series(
                gettext("Beyond the time limit"),
                "chart-beyond",
                "#b31b1b",
                [m.disposed_beyond_limit for m in figures.months],
            ),
        ],
        stacked=True,
    )
    return flow, limit
