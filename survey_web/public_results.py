"""The public results (/ket-qua, no sign-in): what an admin has published, per sector and unit, with a chart,
the target, the method and open data; an embeddable view for the provincial portal.

Every number comes from the publication's snapshot (survey_api.publications), in which units below the
minimum number of respondents carry none; the pages are cached by browsers and proxies for a few minutes.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from survey_api.deps import SessionDep
from survey_api.errors import NotFound
from survey_api.params import IdPath
from survey_api.publications.schemas import PublicationOut, PublicResult
from survey_api.publications.service import published, published_one
from survey_api.routing import CommittingRoute
from survey_web.charts import Bar, bar_chart
from survey_web.i18n import language
from survey_web.public_texts import RESULTS_TEXTS, SECTORS
from survey_web.staff.views import day, percent
from survey_web.templating import templates

router = APIRouter(include_in_schema=False, route_class=CommittingRoute)
RESULTS = "/ket-qua"
EMBED = "nhung"
CACHED = {"Cache-Control": "public, max-age=300"}
CSV_COLUMNS = ("unit", "name", "respondents", "satisfied", "ci_low", "ci_high", "rank", "rank_low", "rank_high", "tier")


def _lang(request: Request) -> str:
    return language(request.query_params.get("lang"))


@router.get(RESULTS, response_class=HTMLResponse)
def results(request: Request, session: SessionDep) -> HTMLResponse:
    """Every published result, newest period first, grouped by sector."""
    lang = _lang(request)
    by_sector: dict[str, list[dict[str, Any]]] = {}
    for publication in published(session):
        result = publication.result
        by_sector.setdefault(SECTORS[lang][result.sector], []).append(_summary(publication, lang))
    context = {"lang": lang, "t": RESULTS_TEXTS[lang], "sectors": by_sector}
    return templates.TemplateResponse(request, "results_list.html", context, headers=CACHED)


@router.get(RESULTS + "/{publication_id}", response_class=HTMLResponse)
def result_page(request: Request, publication_id: IdPath, session: SessionDep) -> HTMLResponse:
    """One published result: overall against the target, the units ranked with a chart, criteria, method."""
    return _page(request, session, publication_id, embed=False)


@router.get(RESULTS + "/{publication_id}/" + EMBED, response_class=HTMLResponse)
def result_embed(request: Request, publication_id: IdPath, session: SessionDep) -> HTMLResponse:
    """The same result without the site's frame, for the provincial portal (the one page allowed in a frame)."""
    return _page(request, session, publication_id, embed=True)


@router.get(RESULTS + "/{publication_id}/du-lieu.json")
def result_json(publication_id: IdPath, session: SessionDep) -> JSONResponse:
    """Open data: the published result as JSON (the same numbers as the page)."""
    found = _found(session, publication_id)
    if found is None:
        return JSONResponse({"detail": "no such published result"}, status_code=404)
    return JSONResponse(found.result.model_dump(mode="json"), headers=CACHED)


@router.get(RESULTS + "/{publication_id}/du-lieu.csv")
def result_csv(publication_id: IdPath, session: SessionDep) -> Response:
    """Open data: one row per unit (units below the minimum have no numbers)."""
    found = _found(session, publication_id)
    if found is None:
        return Response("no such published result\n", status_code=404, media_type="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for unit in found.result.units:
        low, high = unit.satisfied_ci or (None, None)
        writer.writerow(
            ["" if v is None else v for v in (unit.unit, unit.name, unit.respondents, unit.satisfied, low, high)]
            + ["" if v is None else v for v in (unit.rank, unit.rank_low, unit.rank_high, unit.tier)]
        )
    name = f"ket-qua-{found.result.instrument}-{found.result.period}.csv"
    headers = {**CACHED, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)


def _found(session: SessionDep, publication_id: int) -> PublicationOut | None:
    try:
        return published_one(session, publication_id)
    except NotFound:
        return None


def _page(request: Request, session: SessionDep, publication_id: int, *, embed: bool) -> HTMLResponse:
    lang = _lang(request)
    t = RESULTS_TEXTS[lang]
    found = _found(session, publication_id)
    if found is None:
        return templates.TemplateResponse(request, "results_missing.html", {"lang": lang, "t": t}, status_code=404)
    result = found.result
    context: dict[str, Any] = {
        "lang": lang,
        "t": t,
        "embed": embed,
        "summary": _summary(found, lang),
        "units": [_unit_row(unit, lang) for unit in result.units],
        "elements": [
            {
                "label": _label(e.label, e.label_en, lang),
                "satisfied": percent(e.satisfied, lang),
                "ci": _ci(e.satisfied_ci, lang),
            }
            for e in result.elements
        ],
        "chart": _chart(result, lang),
        "feedback": result.feedback,
        "method_weighting": t["weighted"] if result.weighted else t["unweighted"],
        "not_enough_note": t["not_enough_note"].format(n=result.min_answers),
        "base": f"{RESULTS}/{publication_id}",
    }
    return templates.TemplateResponse(request, "results_page.html", context, headers=CACHED)


def _summary(publication: PublicationOut, lang: str) -> dict[str, Any]:
    result = publication.result
    overall = result.overall
    return {
        "id": publication.id,
        "title": result.title,
        "sector": SECTORS[lang][result.sector],
        "period": result.period_label if lang == "vi" else result.period_label_en,
        "published": day(publication.published_at.date(), lang),
        "respondents": result.respondents,
        "satisfied": percent(overall.satisfied, lang) if overall else None,
        "ci": _ci(overall.satisfied_ci, lang) if overall else None,
        "target": percent(result.target, lang),
        "met": result.met,
    }


def _unit_row(unit: Any, lang: str) -> dict[str, Any]:
    ranks = None
    if unit.rank_low is not None:
        ranks = str(unit.rank_low) if unit.rank_low == unit.rank_high else f"{unit.rank_low}–{unit.rank_high}"
    return {
        "name": _label(unit.name, unit.name_en, lang),
        "respondents": unit.respondents,
        "enough": unit.enough,
        "rank": unit.rank,
        "ranks": ranks,
        "tier": unit.tier,
        "satisfied": percent(unit.satisfied, lang),
        "ci": _ci(unit.satisfied_ci, lang),
    }


def _chart(result: PublicResult, lang: str) -> Any:
    t = RESULTS_TEXTS[lang]
    bars = []
    for unit in result.units:
        low, high = unit.satisfied_ci or (None, None)
        text = percent(unit.satisfied, lang) if unit.enough else t["not_enough"]
        value = unit.satisfied if unit.enough else None
        bars.append(Bar(_label(unit.name, unit.name_en, lang), value, low, high, text or ""))
    target_text = t["target_line"].format(value=percent(result.target, lang)) if result.target is not None else ""
    return bar_chart(
        bars, title=t["chart_title"], description=t["chart_desc"], target=result.target, target_text=target_text
    )


def _ci(bounds: list[float | None] | None, lang: str) -> str | None:
    if not bounds or bounds[0] is None or bounds[1] is None:
        return None
    return f"{percent(bounds[0], lang)} – {percent(bounds[1], lang)}"


def _label(vi: str, en: str | None, lang: str) -> str:
    return en if lang == "en" and en else vi
