"""TrueType fonts that cover Vietnamese, for the PDF and the charts: Liberation (Times New Roman and Arial
metrics, Debian's fonts-liberation2), else DejaVu (fonts-dejavu-core)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_ROOT = Path("/usr/share/fonts/truetype")
_FAMILIES = {
    "serif": (
        (
            "Liberation Serif",
            _ROOT / "liberation2",
            "LiberationSerif-{}.ttf",
            ("Regular", "Bold", "Italic", "BoldItalic"),
        ),
        ("DejaVu Serif", _ROOT / "dejavu", "DejaVuSerif{}.ttf", ("", "-Bold", "-Italic", "-BoldItalic")),
    ),
    "sans": (
        (
            "Liberation Sans",
            _ROOT / "liberation2",
            "LiberationSans-{}.ttf",
            ("Regular", "Bold", "Italic", "BoldItalic"),
        ),
        ("DejaVu Sans", _ROOT / "dejavu", "DejaVuSans{}.ttf", ("", "-Bold", "-Oblique", "-BoldOblique")),
    ),
}


class FontMissing(RuntimeError):
    """No font with Vietnamese glyphs is installed."""


@dataclass(frozen=True)
class FontFamily:
    name: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path


def find_family(kind: str = "serif") -> FontFamily:
    """The first installed family of that kind with all four styles; FontMissing says what to install."""
    for name, folder, pattern, styles in _FAMILIES[kind]:
        paths = [folder / pattern.format(style) for style in styles]
        if all(p.is_file() for p in paths):
            return FontFamily(name, *paths)
    raise FontMissing(
        f"no {kind} TrueType font with Vietnamese glyphs found under {_ROOT}/liberation2 or {_ROOT}/dejavu: "
        "install the Debian package fonts-liberation2 (or fonts-dejavu-core)"
    )
