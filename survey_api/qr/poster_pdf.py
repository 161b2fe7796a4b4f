"""Every poster of a unit in one PDF: one A4 or A5 page per open QR link of the unit's service points (and of the
units below it), with the same words as the printable poster page, for printing in one go."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.errors import NotFound
from survey_api.instruments.service import document_of
from survey_api.qr import images, repository
from survey_api.qr.forms import estimated_minutes, place_of, qr_sections
from survey_api.qr.service import LinkProblem, current_link, link_url
from survey_api.reports.fonts import find_family
from survey_api.settings import Settings
from survey_api.units.scope import require_visible, subtree
from survey_api.units.service import unit_by_code

PosterSize = Literal["A4", "A5"]
_PAPER = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}  # mm
_FAMILY = "sans"

HEADLINE = "Ông/Bà hài lòng với dịch vụ hôm nay?"
HOW = "Quét mã QR bằng điện thoại, trả lời trong khoảng {minutes} phút. Không cần tài khoản."
PRIVACY = (
    "Phiếu khảo sát ẩn danh: không hỏi tên, không lưu thông tin cá nhân. Câu trả lời chỉ dùng để đo lường "
    "sự hài lòng và nâng cao chất lượng phục vụ."
)


@dataclass(frozen=True)
class Poster:
    """What one poster page says."""

    place: str
    purpose: str
    minutes: int
    link: str


def unit_posters(session: Session, settings: Settings, base_url: str, viewer: User, unit_code: str) -> list[Poster]:
    """The posters of every open QR link of the service points in a unit and the units below it, by point code.

    A revoked link, an inactive point or an instrument with no published version has no poster."""
    unit = unit_by_code(session, unit_code)
    if unit is None:
        raise NotFound(f"no org unit {unit_code!r}")
    require_visible(session, viewer, unit.id, f"unit {unit_code}")
    points = sorted(repository.service_points(session, subtree(session, unit.id)), key=lambda p: p.code)
    links = repository.links_of(session, [p.id for p in points])
    posters = []
    for point in points:
        for link, instrument in sorted((pair for pair in links if pair[0].service_point_id == point.id), key=_code):
            try:
                opened = current_link(session, point.code, instrument, link.generation)
            except LinkProblem:
                continue
            document = document_of(opened.version)
            posters.append(
                Poster(
                    place=place_of(opened.unit.name, point.name),
                    purpose=document.description.vi if document.description else document.title.vi,
                    minutes=estimated_minutes(document, qr_sections(document)),
                    link=link_url(settings, base_url, point.code, instrument, link.generation),
                )
            )
    return posters


def _code(pair: tuple[object, str]) -> str:
    return pair[1]


def posters_pdf(posters: list[Poster], size: PosterSize) -> bytes:
    """One page per poster, on A4 or A5 paper; a blank-free PDF needs at least one poster."""
    pdf = FPDF(orientation="P", unit="mm", format=_PAPER[size])
    family = find_family("sans")
    pdf.add_font(_FAMILY, "", str(family.regular))
    pdf.add_font(_FAMILY, "B", str(family.bold))
    pdf.set_title("Áp phích mã QR khảo sát sự hài lòng")
    scale = _PAPER[size][0] / _PAPER["A4"][0]
    margin = 18 * scale
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(False)
    for poster in posters:
        _page(pdf, poster, scale)
    return bytes(pdf.output())


def _page(pdf: FPDF, poster: Poster, scale: float) -> None:
    pdf.add_page()
    width = pdf.epw

    def block(text: str, size: float, style: str = "", gap: float = 4) -> None:
        pdf.set_font(_FAMILY, style, size * scale)
        pdf.multi_cell(width, size * scale * 0.5, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap * scale)

    block(HEADLINE, 26, "B", 6)
    block(poster.place, 16, "B")
    block(poster.purpose, 13, "", 6)
    side = 110 * scale
    pdf.image(io.BytesIO(images.png(poster.link)), x=(pdf.w - side) / 2, y=pdf.get_y(), w=side, h=side)
    pdf.set_y(pdf.get_y() + side + 6 * scale)
    block(HOW.format(minutes=poster.minutes), 14, "B", 4)
    block(poster.link, 8, "", 6)
    block(PRIVACY, 10)
