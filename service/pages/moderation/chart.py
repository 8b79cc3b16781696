"""Geometry of the "decisions per day" chart drawn as inline SVG on the overview page.

Per day two stacked bars: the automatic decisions (accepted, held, rejected) and the moderators'
(approve, spam, reject). Plain Python: the template only draws the rectangles computed here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from service.moderation.overview import DayCounts

AUTOMATIC = ("accepted", "held", "rejected")
MODERATOR = ("approve", "spam", "reject")
#: Legend text of each series.
SERIES_LABELS = {
    "accepted": "accepted automatically", "held": "held for review", "rejected": "rejected automatically",
    "approve": "approved by a moderator", "spam": "marked spam by a moderator", "reject": "rejected by a moderator",
}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: str
    count: int
    title: str


@dataclass
class Chart:
    """``rects`` to draw in a ``width`` × ``height`` viewBox; ``ticks`` are (y, value) grid lines;
    ``labels`` (x, text) under the bars; ``total`` decisions shown."""

    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    total: int = 0


def _nice_step(peak: int, lines: int = 4) -> int:
    """Smallest whole step from 1, 2, 2.5, 5 × 10^k with ``step * lines >= peak``."""
    target = max(peak, 1) / lines
    magnitude = 1
    while True:
        for mult in (1, 2, 2.5, 5):
            step = mult * magnitude
            if step == int(step) and step >= target:
                return int(step)
        magnitude *= 10


def decisions_chart(days: list[DayCounts], width: int = 640, height: int = 200) -> Chart:
    """Lay out the bars for ``days`` (oldest first). Heights are proportional to counts, on a
    shared scale rounded up to a readable maximum."""
    left, bottom, top = 34.0, 22.0, 8.0
    plot_h = height - bottom - top
    chart = Chart(width, height)
    if not days:
        return chart
    peak = max(max(sum(getattr(d, s) for s in AUTOMATIC), sum(getattr(d, s) for s in MODERATOR)) for d in days)
    step = _nice_step(peak)
    scale_max = step * 4
    slot = (width - left - 4) / len(days)
    bar_w = max(slot * 0.36, 1.5)
    for i in range(5):
        chart.ticks.append((top + plot_h - plot_h * i / 4, step * i))
    label_every = max(1, -(-len(days) // 10))
    for i, day in enumerate(days):
        x0 = left + i * slot + slot * 0.1
        for offset, group in ((0.0, AUTOMATIC), (bar_w + 1, MODERATOR)):
            y = top + plot_h
            for series in group:
                count = getattr(day, series)
                if not count:
                    continue
                h = plot_h * count / scale_max
                y -= h
                chart.rects.append(Rect(round(x0 + offset, 2), round(y, 2), round(bar_w, 2), round(h, 2), series,
                                        count, f"{day.day:%d %b}: {count} {SERIES_LABELS[series]}"))
                chart.total += count
        if (len(days) - 1 - i) % label_every == 0:
            chart.labels.append((round(x0 + bar_w, 2), f"{day.day:%d %b}"))
    return chart
