"""Draw a `BarChart` as a print-ready PNG (300 dpi, 16 cm wide) with Pillow: horizontal bars, CI whiskers,
the target as a dashed line, values at the right, and a legend."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from survey_api.reports.fonts import find_family
from survey_api.reports.lexicon import WORDS
from survey_api.reports.model import BarChart
from survey_api.reports.vnformat import Numbers

DPI = 300
WIDTH = 1890  # 16 cm at 300 dpi
_MET, _NOT_MET, _NEUTRAL = (31, 78, 121), (230, 145, 56), (90, 120, 150)
_TARGET = (192, 0, 0)
_GRID, _INK = (210, 210, 210), (0, 0, 0)
_ROW, _BAR, _PAD = 86, 52, 30

Font = ImageFont.FreeTypeFont


def _fonts() -> tuple[Font, Font, Font]:
    family = find_family("sans")
    return (
        ImageFont.truetype(str(family.regular), 36),
        ImageFont.truetype(str(family.bold), 36),
        ImageFont.truetype(str(family.regular), 32),
    )


def _dashed_vline(draw: ImageDraw.ImageDraw, x: float, y0: float, y1: float) -> None:
    y = y0
    while y < y1:
        draw.line([(x, y), (x, min(y + 18, y1))], fill=_TARGET, width=5)
        y += 30


def _legend(draw: ImageDraw.ImageDraw, chart: BarChart, x: float, y: float, font: Font) -> None:
    w = WORDS[chart.language]
    items: list[tuple[str, tuple[int, int, int] | None]] = []
    if chart.target is None:
        items.append((w["legend_share"], _NEUTRAL))
    else:
        items += [(w["legend_met"], _MET), (w["legend_not_met"], _NOT_MET)]
    for label, colour in items:
        draw.rectangle([x, y + 6, x + 34, y + 36], fill=colour)
        draw.text((x + 46, y), label, font=font, fill=_INK)
        x += 46 + draw.textlength(label, font=font) + 50
    if chart.target is not None:
        _dashed_vline(draw, x + 16, y, y + 42)
        label = w["legend_target"].format(value=Numbers(chart.language).percent(chart.target, 0))
        draw.text((x + 40, y), label, font=font, fill=_INK)
        x += 40 + draw.textlength(label, font=font) + 50
    draw.line([(x, y + 21), (x + 60, y + 21)], fill=_INK, width=4)
    for end in (x, x + 60):
        draw.line([(end, y + 8), (end, y + 34)], fill=_INK, width=4)
    draw.text((x + 76, y), w["legend_ci"], font=font, fill=_INK)


def render_png(chart: BarChart) -> bytes:
    """The chart as PNG bytes; the axis runs from 0% to 100% so bar lengths stay honest."""
    regular, bold, small = _fonts()
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_w = max((probe.textlength(b.label, font=regular) for b in chart.bars), default=0)
    numbers = Numbers(chart.language)
    value_w = probe.textlength("100,0%", font=bold)
    top = _PAD + 42 + 40
    height = top + _ROW * max(len(chart.bars), 1) + 70
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    _legend(draw, chart, _PAD, _PAD, small)

    x0, x1 = _PAD + label_w + 24, WIDTH - _PAD - value_w - 24
    bottom = top + _ROW * len(chart.bars)

    def x_of(share: float) -> float:
        return x0 + (x1 - x0) * min(max(share, 0.0), 1.0)

    for tick in range(0, 101, 10):
        x = x_of(tick / 100)
        draw.line([(x, top), (x, bottom)], fill=_GRID, width=2)
        text = f"{tick}%"
        draw.text((x - draw.textlength(text, font=small) / 2, bottom + 14), text, font=small, fill=_INK)
    for i, bar in enumerate(chart.bars):
        mid = top + _ROW * i + _ROW / 2
        colour = _NEUTRAL if chart.target is None else _MET if bar.value >= chart.target else _NOT_MET
        draw.rectangle([x0, mid - _BAR / 2, x_of(bar.value), mid + _BAR / 2], fill=colour)
        draw.text((x0 - 24 - draw.textlength(bar.label, font=regular), mid - 21), bar.label, font=regular, fill=_INK)
        if bar.low is not None and bar.high is not None:
            lo, hi = x_of(bar.low), x_of(bar.high)
            for colour, width in (
                ((255, 255, 255), 10),
                (_INK, 4),
            ):  # a white halo keeps the whisker visible on the bar
                draw.line([(lo, mid), (hi, mid)], fill=colour, width=width)
                for end in (lo, hi):
                    draw.line([(end, mid - 16), (end, mid + 16)], fill=colour, width=width)
        draw.text((x1 + 24, mid - 21), numbers.percent(bar.value), font=bold, fill=_INK)
    draw.line([(x0, top), (x0, bottom)], fill=_INK, width=3)
    if chart.target is not None:
        _dashed_vline(draw, x_of(chart.target), top - 10, bottom)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()
