"""Charts drawn on the server as SVG: no script, readable in print, each with a title and description for
screen readers (pages put the same numbers in a table next to the chart)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

ROW = 30
LABEL_WIDTH = 170
BAR_WIDTH = 250
VALUE_WIDTH = 70
TOP = 26
STACKED_ROW, STACKED_WIDTH = 46, 360  # labels above the bars


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the value (0–1, None when not shown) and its confidence interval."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    text: str = ""


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    target: float | None = None,
    target_text: str = "",
    key: str = "chart",
    labels_above: bool = False,
) -> Markup:
    """Horizontal bars on a 0–100% axis with CI whiskers and an optional dashed target line.

    ``labels_above`` puts each label on its own line above its bar, whole, in a narrower drawing that a phone
    shows at its real size; otherwise labels sit left of the bars, shortened."""
    left, row, label_dy, bar_dy = (16, STACKED_ROW, 15, 20) if labels_above else (LABEL_WIDTH, ROW, 17, 5)
    bar_width = STACKED_WIDTH - left - VALUE_WIDTH if labels_above else BAR_WIDTH
    bar_height = ROW - 10

    def x_of(share: float) -> float:
        return left + max(0.0, min(1.0, share)) * bar_width

    height = TOP + row * len(bars) + 20
    width = left + bar_width + VALUE_WIDTH
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{key}-title {key}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="13" font-family="sans-serif">',
        f'<title id="{key}-title">{escape(title)}</title><desc id="{key}-desc">{escape(description)}</desc>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = x_of(tick)
        parts.append(f'<line x1="{x}" y1="{TOP - 6}" x2="{x}" y2="{height - 18}" stroke="#d0d4da"/>')
        parts.append(f'<text x="{x}" y="{height - 4}" text-anchor="middle" fill="#444">{int(tick * 100)}%</text>')
    for number, bar in enumerate(bars):
        y = TOP + number * row
        if labels_above:
            label = f'<text x="{left}" y="{y + label_dy}" fill="#111">{escape(_short(bar.label, 48))}</text>'
        else:
            label = (
                f'<text x="{left - 8}" y="{y + label_dy}" text-anchor="end" fill="#111">'
                f"{escape(_short(bar.label))}</text>"
            )
        parts.append(label)
        text_y = y + bar_dy + 12
        if bar.value is None:
            parts.append(f'<text x="{left + 4}" y="{text_y}" fill="#555">{escape(bar.text)}</text>')
            continue
        parts.append(
            f'<rect x="{left}" y="{y + bar_dy}" width="{x_of(bar.value) - left:.1f}" height="{bar_height}" '
            'fill="#0b4f9c"/>'
        )
        if bar.low is not None and bar.high is not None:
            low, high, middle = x_of(bar.low), x_of(bar.high), y + bar_dy + bar_height / 2
            parts.append(
                f'<path d="M{low:.1f} {middle - 5}v10M{low:.1f} {middle}H{high:.1f}M{high:.1f} {middle - 5}v10" '
                'stroke="#e07b00" stroke-width="2" fill="none"/>'
            )
        parts.append(f'<text x="{left + bar_width + 8}" y="{text_y}" fill="#111">{escape(bar.text)}</text>')
    if target is not None:
        x = x_of(target)
        parts.append(
            f'<line x1="{x}" y1="{TOP - 10}" x2="{x}" y2="{height - 18}" stroke="#b00020" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
        parts.append(f'<text x="{x}" y="{TOP - 12}" text-anchor="middle" fill="#b00020">{escape(target_text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(label: str, limit: int = 21) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@dataclass(frozen=True)
class Point:
    """One period of a trend: its label, the value (0–1, None when the period has none) and its CI."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


TREND_WIDTH, TREND_HEIGHT = 470, 220
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 48, 16, 24, 40


def trend_chart(
    points: Sequence[Point],
    *,
    title: str,
    description: str,
    target: float | None = None,
    target_text: str = "",
    key: str = "trend",
) -> Markup:
    """Values over periods as a line with CI whiskers; the axis starts at the tens below the lowest CI end
    (and says so) so that changes of a few points stay visible, and ends at 100%."""
    known = [v for p in points for v in (p.value, p.low, p.high) if v is not None]
    if target is not None:
        known.append(target)
    lowest = min(known, default=0.0)
    step = 0.1 if lowest >= 0.5 else 0.2
    floor = max(0.0, math.floor(lowest / step - 1e-9) * step)
    plot_h = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    column = (TREND_WIDTH - TREND_LEFT - TREND_RIGHT) / max(len(points), 1)

    def y(share: float) -> float:
        return TREND_TOP + (1 - (max(floor, min(1.0, share)) - floor) / (1 - floor or 1)) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {TREND_WIDTH} {TREND_HEIGHT}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" xmlns="http://www.w3.org/2000/svg" font-size="14" '
        'font-family="sans-serif">',
        f'<title id="{key}-title">{escape(title)}</title><desc id="{key}-desc">{escape(description)}</desc>',
    ]
    ticks = round((1 - floor) / step)
    for k in range(ticks + 1):
        share = floor + step * k
        parts.append(
            f'<line x1="{TREND_LEFT}" y1="{y(share):.1f}" x2="{TREND_WIDTH - TREND_RIGHT}" y2="{y(share):.1f}" '
            'stroke="#d0d4da"/>'
        )
        parts.append(
            f'<text x="{TREND_LEFT - 4}" y="{y(share) + 4:.1f}" text-anchor="end" fill="#444">'
            f"{round(share * 100)}%</text>"
        )
    line: list[tuple[float, float] | None] = []
    for i, point in enumerate(points):
        x = TREND_LEFT + column * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{TREND_HEIGHT - 22}" text-anchor="middle" fill="#111">'
            f"{escape(_short(point.label, 12))}</text>"
        )
        if point.value is None:
            line.append(None)
            continue
        if point.low is not None and point.high is not None:
            parts.append(
                f'<path d="M{x - 5:.1f} {y(point.low):.1f}h10M{x:.1f} {y(point.low):.1f}V{y(point.high):.1f}'
                f'M{x - 5:.1f} {y(point.high):.1f}h10" stroke="#e07b00" stroke-width="2" fill="none"/>'
            )
        line.append((x, y(point.value)))
    segment: list[str] = []
    for spot in [*line, None]:
        if spot is None:
            if len(segment) > 1:
                parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="#0b4f9c" stroke-width="2"/>')
            segment = []
        else:
            segment.append(f"{spot[0]:.1f},{spot[1]:.1f}")
    for spot in line:
        if spot is not None:
            parts.append(f'<circle cx="{spot[0]:.1f}" cy="{spot[1]:.1f}" r="4" fill="#0b4f9c"/>')
    if target is not None:
        parts.append(
            f'<line x1="{TREND_LEFT}" y1="{y(target):.1f}" x2="{TREND_WIDTH - TREND_RIGHT}" y2="{y(target):.1f}" '
            'stroke="#b00020" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{TREND_WIDTH - TREND_RIGHT}" y="{y(target) - 4:.1f}" text-anchor="end" fill="#b00020">'
            f"{escape(target_text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
