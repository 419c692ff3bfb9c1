"""Small inline SVG charts drawn on the server (no script, no CDN): the geometry only; the
template (``templates/office/_charts.html``) writes the elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

WIDTH, HEIGHT = 560, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 24


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[dict[str, Any]] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)
    dots: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    top: float = 0
    empty: bool = True

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


def _scale(values: list[float]) -> float:
    """A round top for the y axis, at least 1."""
    top = max([*values, 1.0])
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if top <= step * 4:
            return float(step * 4)
    return top


def _frame(chart: Chart, days: list[date]) -> tuple[float, float]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days), 1)
    for index, day in enumerate(days):
        if index % 2 == 0 or index == len(days) - 1:
            chart.labels.append({"x": LEFT + step * (index + 0.5), "y": HEIGHT - 6,
                                 "text": f"{day.month}-{day.day:02d}"})
    for quarter in range(5):
        value = chart.top * quarter / 4
        chart.ticks.append({"y": TOP + plot_h - plot_h * quarter / 4,
                            "text": f"{value:g}"})
    return step, plot_h


def stacked_bars(days: list[date], series: list[tuple[str, list[int]]]) -> Chart:
    """One bar per day, stacked by series (``[(name, counts per day)]``)."""
    totals = [sum(counts[i] for _name, counts in series) for i in range(len(days))]
    chart = Chart(top=_scale([float(t) for t in totals]), empty=not any(totals))
    step, plot_h = _frame(chart, days)
    for index, day in enumerate(days):
        base = TOP + plot_h
        for position, (name, counts) in enumerate(series):
            if not counts[index]:
                continue
            height = plot_h * counts[index] / chart.top
            base -= height
            chart.bars.append({"x": LEFT + step * index + step * 0.15, "y": base,
                               "w": step * 0.7, "h": height, "series": position, "name": name,
                               "value": counts[index], "day": day.isoformat()})
    return chart


def line(days: list[date], values: list[float | None]) -> Chart:
    """One point per day with a value; gaps where a day has none."""
    known = [v for v in values if v is not None]
    chart = Chart(top=_scale(known), empty=not known)
    step, plot_h = _frame(chart, days)
    for index, value in enumerate(values):
        if value is None:
            continue
        point = (LEFT + step * (index + 0.5), TOP + plot_h - plot_h * value / chart.top)
        chart.points.append(point)
        chart.dots.append({"x": point[0], "y": point[1], "value": value,
                           "day": days[index].isoformat()})
    return chart
