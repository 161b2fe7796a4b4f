"""Charts drawn on the server as SVG: no script, readable in print, each with a title and description for
screen readers (pages put the same numbers in a table next to the chart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

ROW = 30
LABEL_WIDTH = 150
BAR_WIDTH = 250
VALUE_WIDTH = 70
TOP = 26


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
) -> Markup:
    """Horizontal bars on a 0–100% axis with CI whiskers and an optional dashed target line."""
    height = TOP + ROW * len(bars) + 20
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{key}-title {key}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="13" font-family="sans-serif">',
        f'<title id="{key}-title">{escape(title)}</title><desc id="{key}-desc">{escape(description)}</desc>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick)
        parts.append(f'<line x1="{x}" y1="{TOP - 6}" x2="{x}" y2="{height - 18}" stroke="#d0d4da"/>')
        parts.append(f'<text x="{x}" y="{height - 4}" text-anchor="middle" fill="#444">{int(tick * 100)}%</text>')
    for row, bar in enumerate(bars):
        y = TOP + row * ROW
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" fill="#111">{escape(_short(bar.label))}</text>'
        )
        if bar.value is None:
            parts.append(f'<text x="{LABEL_WIDTH + 4}" y="{y + 17}" fill="#555">{escape(bar.text)}</text>')
            continue
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 5}" width="{_x(bar.value) - LABEL_WIDTH:.1f}" height="{ROW - 10}" '
            'fill="#0b4f9c"/>'
        )
        if bar.low is not None and bar.high is not None:
            low, high, middle = _x(bar.low), _x(bar.high), y + ROW / 2
            parts.append(
                f'<path d="M{low:.1f} {middle - 5}v10M{low:.1f} {middle}H{high:.1f}M{high:.1f} {middle - 5}v10" '
                'stroke="#e07b00" stroke-width="2" fill="none"/>'
            )
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 17}" fill="#111">{escape(bar.text)}</text>')
    if target is not None:
        x = _x(target)
        parts.append(
            f'<line x1="{x}" y1="{TOP - 10}" x2="{x}" y2="{height - 18}" stroke="#b00020" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
        parts.append(f'<text x="{x}" y="{TOP - 12}" text-anchor="middle" fill="#b00020">{escape(target_text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _x(share: float) -> float:
    return LABEL_WIDTH + max(0.0, min(1.0, share)) * BAR_WIDTH


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
