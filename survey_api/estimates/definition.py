"""The instrument's index definition as ``sampling``'s typed one, and index levels as the API shows them."""

from __future__ import annotations

import math

from sampling import Element, Group, IndexDefinition, IndexLevel, IndexResult, Overall
from survey_api.estimates.schemas import LevelOut
from survey_api.instruments.document import IndexDefinition as InstrumentIndex
from survey_api.instruments.document import InstrumentDocument, Text

# The answer scale of each item type an index may use (the document checks that index items are scale_1_5).
SCALES: dict[str, tuple[float, float]] = {"scale_1_5": (1.0, 5.0)}

Levels = tuple[LevelOut, list[LevelOut], list[LevelOut], list[LevelOut]]
"""Overall, groups, elements and items, as the API shows them."""


def index_definition(document: InstrumentDocument) -> IndexDefinition:
    """The document's index for ``sampling.compute_index``; labels in Vietnamese."""
    items = document.items_by_code()
    scales = {SCALES.get(items[code].type) for element in document.index.elements for code in element.items}
    return typed_index(document.index, scales.pop() if len(scales) == 1 else None)


def typed_index(index: InstrumentIndex, scale: tuple[float, float] | None) -> IndexDefinition:
    """An instrument's index definition as ``sampling``'s, on this answer scale."""
    overall = index.overall
    return IndexDefinition(
        elements=tuple(Element(e.code, tuple(e.items), e.label.vi) for e in index.elements),
        groups=tuple(Group(g.code, tuple(g.elements), g.label.vi) for g in index.groups),
        overall=Overall(overall.code, tuple(overall.groups), tuple(overall.elements), overall.label.vi),
        satisfied=tuple(float(v) for v in index.satisfied),
        scale=scale,
        aggregation=index.aggregation,
    )


def labels(document: InstrumentDocument) -> dict[tuple[str, str], Text]:
    """The text of every level by (kind, code): overall, groups, elements and items."""
    index = document.index
    items = document.items_by_code()
    out = {("overall", index.overall.code): index.overall.label}
    out.update({("group", g.code): g.label for g in index.groups})
    out.update({("element", e.code): e.label for e in index.elements})
    out.update({("item", code): items[code].text for e in index.elements for code in e.items})
    return out


def levels_out(result: IndexResult, document: InstrumentDocument, *, min_answers: int, weighted: bool) -> Levels:
    """Every level of ``result`` in the document's order (overall, groups, elements, items)."""
    found = {(level.kind, level.code): level for level in result.levels}
    return _by_kind(
        {
            key: level_out(found[key], text, min_answers) if weighted else plain_out(found[key], text)
            for key, text in labels(document).items()
        }
    )


def empty_levels(document: InstrumentDocument, min_answers: int) -> Levels:
    """Every level of an index with no answers (flagged ``few_answers`` when a minimum applies)."""
    flags = ["few_answers"] if min_answers > 0 else []
    return _by_kind(
        {
            (kind, code): LevelOut(
                code=code,
                label=text.vi,
                label_en=text.en,
                satisfied=None,
                mean=None,
                n=0,
                respondents=0,
                satisfied_se=None,
                satisfied_ci=None,
                mean_se=None,
                mean_ci=None,
                deff=None,
                n_eff=None,
                flags=list(flags),
            )
            for (kind, code), text in labels(document).items()
        }
    )


def _by_kind(levels: dict[tuple[str, str], LevelOut]) -> Levels:
    kinds: dict[str, list[LevelOut]] = {"overall": [], "group": [], "element": [], "item": []}
    for (kind, _), level in levels.items():
        kinds[kind].append(level)
    return kinds["overall"][0], kinds["group"], kinds["element"], kinds["item"]


def plain_out(level: IndexLevel, label: Text) -> LevelOut:
    """One level of an unweighted index: share satisfied, mean score and number of answers."""
    return LevelOut(
        code=level.code,
        label=label.vi,
        label_en=label.en,
        satisfied=_share(level.satisfied.estimate),
        mean=_clean(level.mean_score.estimate),
        n=level.n_answers,
    )


def level_out(level: IndexLevel, label: Text, min_answers: int) -> LevelOut:
    """One level of a weighted index as the API shows it; undefined numbers (no answers) are null."""
    share, score = level.satisfied, level.mean_score
    answered = level.n_respondents > 0 and math.isfinite(share.estimate)
    flags = []
    if level.n_respondents < min_answers:
        flags.append("few_answers")
    if answered and share.boundary:
        flags.append("boundary")
    return LevelOut(
        code=level.code,
        label=label.vi,
        label_en=label.en,
        satisfied=_share(share.estimate),
        mean=_clean(score.estimate),
        n=level.n_answers,
        respondents=level.n_respondents,
        satisfied_se=_clean(share.se) if answered else None,
        satisfied_ci=[_share(share.ci_low), _share(share.ci_high)] if answered else None,
        mean_se=_clean(score.se) if answered else None,
        mean_ci=[_clean(score.ci_low), _clean(score.ci_high)] if answered else None,
        deff=_clean(level.deff),
        n_eff=_clean(level.n_eff) if answered else None,
        flags=flags,
    )


def _share(value: float) -> float | None:
    """A share, without the rounding error that puts 100% at 1.0000000000000002."""
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else None


def _clean(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
