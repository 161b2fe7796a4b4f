"""What the staff results page shows: the results service's numbers turned into display text, table rows and
server-made SVG charts (each chart's numbers are also in the table next to it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from survey_api.estimates.schemas import LevelOut
from survey_api.reports.model import Change
from survey_api.reports.periods import Period
from survey_api.reports.wording import Language, ci_text, weighting_text
from survey_api.results import Results
from survey_web.charts import Bar, Point, bar_chart, trend_chart
from survey_web.staff.views import percent


@dataclass(frozen=True)
class ShareRow:
    """One row of a table of shares (trend, elements, items, units); ``key`` names it for tests and links;
    ``note`` stands in place of the figures (a unit nobody answered in)."""

    key: str
    label: str
    satisfied: str | None
    ci: str | None
    respondents: str
    extra: Mapping[str, str]
    note: str | None = None


def points(delta: float, lang: str) -> str:
    """A change of share in percentage points with its sign: ``+1,3`` (vi) or ``+1.3`` (en), minus as −."""
    text = f"{abs(delta) * 100:.1f}"
    text = text.replace(".", ",") if lang == "vi" else text
    sign = "" if text.strip("0,.") == "" else ("+" if delta > 0 else "−")
    return sign + text


def ci(level: LevelOut, lang: str) -> str | None:
    low, high = level.satisfied_ci or (None, None)
    if low is None or high is None:
        return None
    return f"{percent(low, lang)} – {percent(high, lang)}"


def name(vi: str, en: str | None, lang: str) -> str:
    return en if lang == "en" and en else vi


def _count(level: LevelOut) -> str:
    return str(level.respondents if level.respondents is not None else level.n)


def _flags(level: LevelOut, t: Mapping[str, str], minimum: int) -> str:
    words = [t[f"flag_{flag}"].format(n=minimum) for flag in level.flags or () if f"flag_{flag}" in t]
    return "; ".join(words)


def _change_cells(change: Change | None, t: Mapping[str, str], lang: str) -> dict[str, str]:
    if change is None:
        return {"change": "", "significant": ""}
    significant = "" if change.significant is None else t["yes"] if change.significant else t["no"]
    return {"change": points(change.delta, lang), "significant": significant}


def summary(results: Results, t: Mapping[str, str], lang: str) -> dict[str, Any]:
    """The headline: the index, its CI, the target and whether it is met, and the change since before."""
    overall = results.index.overall
    verdict = None
    if results.target is not None and overall.satisfied is not None:
        low = (overall.satisfied_ci or [None])[0]
        verdict = (
            "not_met" if not results.met else "met_uncertain" if low is not None and low < results.target else "met"
        )
    change = None
    if results.change is not None:
        significance = {True: t["significant"], False: t["not_significant"], None: ""}[results.change.significant]
        change = {
            "points": t["points"].format(value=points(results.change.delta, lang)),
            "significance": significance,
            "previous": t["previous"].format(
                period=_period_label(results.period.previous(), lang), value=percent(results.change.previous, lang)
            ),
        }
    return {
        "satisfied": percent(overall.satisfied, lang),
        "ci": ci(overall, lang),
        "respondents": results.respondents,
        "target": percent(results.target, lang),
        "verdict": verdict,
        "verdict_text": t[verdict] if verdict else None,
        "change": change,
        "flags": _flags(overall, t, results.min_answers),
    }


def _period_label(period: Period, lang: str) -> str:
    return period.label_en if lang == "en" else period.label_vi


def trend(results: Results, t: Mapping[str, str], lang: str) -> tuple[list[ShareRow], Markup]:
    rows, chart_points = [], []
    for point in results.trend:
        label = _period_label(point.period, lang)
        level = point.level
        rows.append(
            ShareRow(
                point.period.code,
                label,
                percent(level.satisfied, lang),
                ci(level, lang),
                str(level.respondents if level.respondents is not None else point.responses),
                {},
            )
        )
        low, high = level.satisfied_ci or (None, None)
        chart_points.append(Point(_short_period(point.period, lang), level.satisfied, low, high))
    chart = trend_chart(
        chart_points,
        title=t["trend_title"],
        description=t["trend_desc"],
        target=results.target,
        target_text=t["target_line"].format(value=percent(results.target, lang)),
        key="trend",
    )
    return rows, chart


def _short_period(period: Period, lang: str) -> str:
    """A period's label that fits under a point of the trend: 2026-Q3, 2026-H1, 09/2026, 2026."""
    if period.kind == "month":
        return f"{period.number:02d}/{period.year}"
    if period.kind == "range":
        return period.first.strftime("%d/%m")
    return period.code


def elements(results: Results, t: Mapping[str, str], lang: str) -> tuple[list[ShareRow], Markup | None]:
    rows = [
        ShareRow(
            e.code,
            name(e.label, e.label_en, lang),
            percent(e.satisfied, lang),
            ci(e, lang),
            _count(e),
            {"flags": _flags(e, t, results.min_answers)},
        )
        for e in results.elements
    ]
    return rows, _bars(results.elements, t, lang, "elements_desc", "elements", results.target)


def items(results: Results, t: Mapping[str, str], lang: str) -> list[ShareRow]:
    return [
        ShareRow(
            i.level.code,
            name(i.level.label, i.level.label_en, lang),
            percent(i.level.satisfied, lang),
            ci(i.level, lang),
            _count(i.level),
            {"element": name(i.element, i.element_en, lang), "flags": _flags(i.level, t, results.min_answers)},
        )
        for i in results.items
    ]


def units(results: Results, t: Mapping[str, str], lang: str) -> tuple[list[ShareRow], Markup | None]:
    """Every unit by name: those with answers with their figures, then those without, saying so."""
    rows = []
    answered = [(u, u.level) for u in results.units if u.level is not None]
    for u in results.units:
        label = name(u.name, u.name_en, lang)
        if u.level is None:
            rows.append(ShareRow(u.code, label, None, None, "0", {}, note=t["unit_no_answers"]))
            continue
        rows.append(
            ShareRow(
                u.code,
                label,
                percent(u.level.satisfied, lang),
                ci(u.level, lang),
                str(u.respondents),
                {**_change_cells(u.change, t, lang), "flags": _flags(u.level, t, results.min_answers)},
            )
        )
    if not answered:
        return rows, None
    bars = [_bar(name(u.name, u.name_en, lang), level, t, lang) for u, level in answered]
    chart = bar_chart(
        bars,
        title=t["units_title"],
        description=t["units_desc"],
        target=results.target,
        target_text=t["target_line"].format(value=percent(results.target, lang)),
        key="units-chart",
        labels_above=True,
    )
    return rows, chart


def _bar(label: str, level: LevelOut, t: Mapping[str, str], lang: str) -> Bar:
    low, high = level.satisfied_ci or (None, None)
    return Bar(label, level.satisfied, low, high, percent(level.satisfied, lang) or t["not_shown"])


def _bars(
    levels: Sequence[LevelOut], t: Mapping[str, str], lang: str, description: str, key: str, target: float | None
) -> Markup | None:
    bars = [_bar(name(level.label, level.label_en, lang), level, t, lang) for level in levels]
    if not bars:
        return None
    return bar_chart(
        bars,
        title=t[f"{key}_title"],
        description=t[description],
        target=target,
        target_text=t["target_line"].format(value=percent(target, lang)),
        key=f"{key}-chart",
        labels_above=True,
    )


def method(results: Results, lang: str) -> list[str]:
    """The method in plain words: how the answers were weighted and how the CIs were computed."""
    language: Language = "en" if lang == "en" else "vi"
    run = results.index.weighting_run
    return [weighting_text(run.method if run else None, language), ci_text("logit", language=language)]
