"""What a periodic report says, independent of DOCX, PDF or XLSX.

Shares (% satisfied, response rates, targets) are fractions in [0, 1], as the estimates give them; the renderers
write them as percentages of the report's language (Vietnamese by default, or English). Every text is in that
language and is printed as given; the renderers' own words come from ``lexicon``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from survey_api.reports.lexicon import WORDS
from survey_api.reports.periods import Period
from survey_api.reports.wording import Language


@dataclass(frozen=True)
class Share:
    """An estimated share with its confidence interval (None when unknown)."""

    value: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Change:
    """Change since the previous period of the same kind: `delta` = now − before, in shares."""

    previous: float
    delta: float
    significant: bool | None = None


@dataclass(frozen=True)
class Header:
    """The Nghị định 30/2020 header: issuing body (parent first, the issuer itself last), number, place and date."""

    issuing_body: tuple[str, ...]
    number: str
    place: str
    issued_on: date | None = None  # None leaves "ngày … tháng … năm" to be filled in by hand


@dataclass(frozen=True)
class Summary:
    """The index of the whole selection against its target."""

    index: Share
    respondents: int
    target: float | None = None
    change: Change | None = None
    instrument: str = ""  # e.g. "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)"
    scope: str = ""  # e.g. "12 huyện, thành phố"

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.index.value >= self.target


@dataclass(frozen=True)
class RankedUnit:
    rank: int
    rank_low: int
    rank_high: int
    unit: str
    respondents: int
    satisfied: Share
    change: Change | None = None
    tier: int | None = None


@dataclass(frozen=True)
class UnrankedUnit:
    """A unit listed apart: fewer respondents than the minimum."""

    unit: str
    respondents: int


@dataclass(frozen=True)
class Ranking:
    units: tuple[RankedUnit, ...]
    not_ranked: tuple[UnrankedUnit, ...] = ()
    min_answers: int = 30
    method: str = ""  # how the rank ranges and tiers were found, in plain words


@dataclass(frozen=True)
class Element:
    """An element (group of items) of the index, e.g. "Tiếp cận dịch vụ"."""

    name: str
    satisfied: Share
    respondents: int


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    element: str
    satisfied: Share
    respondents: int


@dataclass(frozen=True)
class FieldworkUnit:
    """Response rates (AAPOR RR1 counts partial interviews as non-response, RR3 estimates the unknown eligibility)."""

    unit: str
    sampled: int
    completed: int
    rr1: float | None
    rr3: float | None


@dataclass(frozen=True)
class Fieldwork:
    plan: str
    units: tuple[FieldworkUnit, ...]
    total: FieldworkUnit | None = None


@dataclass(frozen=True)
class Method:
    """The method in plain words; see `survey_api.reports.wording` for standard sentences."""

    weighting: str
    confidence: float = 0.95
    ci_method: str = ""
    margins: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedbackUnit:
    unit: str
    received: int
    answered_on_time: int
    overdue: int


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars of shares with CI whiskers and an optional target line; drawn by the server."""

    title: str
    bars: tuple[Bar, ...]
    target: float | None = None
    note: str = ""
    language: Language = "vi"  # of the legend


@dataclass(frozen=True)
class Signature:
    """The signing block: e.g. ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"), signer's name, and the "Nơi nhận" list."""

    titles: tuple[str, ...]
    name: str
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    header: Header
    subject: str  # the "trích yếu" under BÁO CÁO
    period: Period
    summary: Summary
    ranking: Ranking | None = None
    elements: tuple[Element, ...] = ()
    weakest_items: tuple[Item, ...] = ()
    fieldwork: Fieldwork | None = None
    method: Method | None = None
    feedback: tuple[FeedbackUnit, ...] = ()
    charts: tuple[BarChart, ...] = ()
    remarks: tuple[str, ...] = ()  # free paragraphs of assessment and proposals, printed after the tables
    signature: Signature | None = None
    title: str = "BÁO CÁO"
    metadata: tuple[tuple[str, str], ...] = ()  # (label, value) pairs for the XLSX cover sheet
    language: Language = "vi"  # of the renderers' own words and the way numbers are written


def ranking_chart(ranking: Ranking, target: float | None, title: str = "", language: Language = "vi") -> BarChart:
    """The usual chart: % satisfied of every ranked unit in rank order, with its CI and the target."""
    bars = tuple(Bar(u.unit, u.satisfied.value, u.satisfied.low, u.satisfied.high) for u in ranking.units)
    return BarChart(title or WORDS[language]["chart_units"], bars, target, language=language)
