"""The staff results page (/staff/results): an instrument's index for a period against its target, its trend,
elements and items weakest first, every unit with its change since the previous period, and links to the
periodic report of the selection (served by ``results_report``).

Thin: the form is read here, the numbers come from ``survey_api.results`` (the index's own, with the
signed-in user's unit scope) and ``results_view`` turns them into text, tables and SVG charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import User
from survey_api.deps import SessionDep
from survey_api.errors import Forbidden
from survey_api.instruments.service import document_of, list_published
from survey_api.reports.periods import Period, parse_period
from survey_api.reports.render import FORMATS
from survey_api.results import results_for, units_to_choose
from survey_api.units.service import unit_by_code
from survey_web.i18n import STAFF_TEXTS
from survey_web.pages import LANGUAGE_COOKIE
from survey_web.pages import page_language as _language
from survey_web.staff import results_view as view
from survey_web.staff.csrf import SameOriginRoute
from survey_web.staff.results_texts import RESULTS_TEXTS
from survey_web.staff.session import STAFF_ROLES, signed_in
from survey_web.templating import templates

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
RESULTS = "/staff/results"
REPORT = RESULTS + "/report"
CUSTOM = "custom"
PRIVATE = {"Cache-Control": "no-store"}
# How many periods of each kind the period list offers (any other is reachable with ?period=CODE or dates).
SHOWN_ITEMS = 10  # the weakest items shown at once; the others one tap away
OFFERED = {"months": 12, "quarters": 8, "halves": 4, "years": 5}


@dataclass(frozen=True)
class Chosen:
    """What the form asks for, as typed (so that the form shows it back)."""

    instrument: str
    period: str
    date_from: str
    date_to: str
    unit: str


def texts(lang: str) -> dict[str, str]:
    """The staff area's words with the results page's own on top."""
    return {**STAFF_TEXTS[lang], **RESULTS_TEXTS[lang]}


def period_choices(today: date, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group name, [(code, label)]) of the recent months, quarters, half-years and years, newest first."""
    t = RESULTS_TEXTS[lang]
    starts = {
        "months": parse_period(f"{today.year}-{today.month:02d}"),
        "quarters": parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}"),
        "halves": parse_period(f"{today.year}-H{1 if today.month <= 6 else 2}"),
        "years": parse_period(str(today.year)),
    }
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for kind, first in starts.items():
        periods = [first]
        while len(periods) < OFFERED[kind]:
            periods.append(periods[-1].previous())
        groups.append((t[kind], [(p.code, p.label_en if lang == "en" else p.label_vi) for p in periods]))
    return groups


def _chosen(request: Request, instruments: list[str], today: date) -> Chosen:
    q = request.query_params
    return Chosen(
        instrument=(q.get("instrument") or (instruments[0] if instruments else "")).strip(),
        period=(q.get("period") or str(today.year)).strip(),
        date_from=(q.get("from") or "").strip(),
        date_to=(q.get("to") or "").strip(),
        unit=(q.get("unit") or "").strip(),
    )


def _period(chosen: Chosen) -> Period | str:
    """The period asked for, or the key of the message saying what to fix."""
    text = f"{chosen.date_from}:{chosen.date_to}" if chosen.period == CUSTOM else chosen.period
    try:
        found = parse_period(text)
    except ValueError as exc:
        return "bad_range" if "before it starts" in str(exc) else "bad_period"
    return found


@dataclass(frozen=True)
class Asked:
    """A valid selection of a signed-in staff member, with what the page around it needs."""

    user: User
    lang: str
    t: dict[str, str]
    today: date
    versions: dict[str, str]
    chosen: Chosen
    units: list[Any]
    period: Period


def asked(request: Request, session: Session) -> Asked | Response:
    """The selection in the address, checked against the user's scope; else the answer to give instead: the
    sign-in page for someone not signed in, the results page saying what to fix for a wrong selection."""
    user = signed_in(request, session)
    if user is None or user.role not in STAFF_ROLES:
        return RedirectResponse("/staff/", status_code=303, headers=PRIVATE)
    lang = _language(request)
    t = texts(lang)
    today = utcnow().astimezone(LOCAL_TIME).date()
    versions = {v.instrument.code: view.name(v.title, document_of(v).title.en, lang) for v in list_published(session)}
    chosen = _chosen(request, list(versions), today)
    try:
        units = units_to_choose(session, user)
    except Forbidden:
        return _render(request, user, t, lang, 403, chosen, versions, [], today, error=t["no_unit"])
    codes = {u.code for u in units}
    problem: tuple[int, str] | None = None
    period = _period(chosen)
    if not versions:
        problem = (404, "no_instruments")
    elif chosen.instrument not in versions:
        problem = (404, "unknown_instrument")
    elif isinstance(period, str):
        problem = (422, period)
    elif chosen.unit and chosen.unit not in codes:
        problem = (403, "forbidden_unit") if unit_by_code(session, chosen.unit) else (404, "unknown_unit")
    if problem is not None or isinstance(period, str):
        status, key = problem or (422, "bad_period")
        return _render(request, user, t, lang, status, chosen, versions, units, today, error=t[key])
    return Asked(user, lang, t, today, versions, chosen, units, period)


def refuse(request: Request, a: Asked, status: int, key: str) -> HTMLResponse:
    """The results page with the form as filled in and the message ``key`` saying what to fix."""
    return _render(request, a.user, a.t, a.lang, status, a.chosen, a.versions, a.units, a.today, error=a.t[key])


@router.get(RESULTS, response_class=HTMLResponse)
def results_page(request: Request, session: SessionDep) -> Response:
    """The results for the instrument, period and unit chosen (by default the first instrument, this year)."""
    a = asked(request, session)
    if isinstance(a, Response):
        return a
    user, t, lang, chosen, period = a.user, a.t, a.lang, a.chosen, a.period
    found = results_for(
        session,
        instrument=chosen.instrument,
        period=period,
        unit=chosen.unit or None,
        viewer=user,
        settings=request.app.state.settings,
    )
    trend_rows, trend_chart = view.trend(found, t, lang)
    element_rows, element_chart = view.elements(found, t, lang)
    unit_rows, unit_chart = view.units(found, t, lang)
    answered = found.index.overall.satisfied is not None
    shown = {
        "period_label": period.label_en if lang == "en" else period.label_vi,
        "summary": view.summary(found, t, lang),
        "answered": answered,
        "trend": trend_rows,
        "trend_chart": trend_chart,
        "elements": element_rows,
        "elements_chart": element_chart,
        "item_rows": view.items(found, t, lang),
        "shown_items": SHOWN_ITEMS,
        "units": unit_rows,
        "units_chart": unit_chart,
        "units_note": t["units_note"].format(n=found.min_answers),
        "method": view.method(found, lang),
        "downloads": downloads(chosen, t) if answered else [],
    }
    return _render(request, user, t, lang, 200, chosen, a.versions, a.units, a.today, results=shown)


def downloads(chosen: Chosen, t: dict[str, str]) -> list[tuple[str, str]]:
    """(link text, address) of the periodic report of the selection in each format."""
    query = {"instrument": chosen.instrument, "period": chosen.period}
    if chosen.period == CUSTOM:
        query |= {"from": chosen.date_from, "to": chosen.date_to}
    if chosen.unit:
        query["unit"] = chosen.unit
    return [(t[f"report_{kind}"], f"{REPORT}?{urlencode({**query, 'format': kind})}") for kind in FORMATS]


def _with_other(
    groups: list[tuple[str, list[tuple[str, str]]]], chosen: Chosen, t: dict[str, str], lang: str
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The offered periods, plus the one asked for (``?period=2023-Q1``) when it is valid but not offered."""
    offered = {code for _, periods in groups for code, _ in periods}
    if chosen.period in offered or chosen.period == CUSTOM:
        return groups
    period = _period(chosen)
    if isinstance(period, str):
        return groups
    return [*groups, (t["other"], [(period.code, period.label_en if lang == "en" else period.label_vi)])]


def _render(
    request: Request,
    user: User,
    t: dict[str, str],
    lang: str,
    status: int,
    chosen: Chosen,
    versions: dict[str, str],
    units: list[Any],
    today: date,
    **context: Any,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        "staff/results.html",
        {
            "lang": lang,
            "t": t,
            "user": user,
            "role": t.get(f"role_{user.role}", user.role),
            "chosen": chosen,
            "instruments": versions,
            "periods": _with_other(period_choices(today, lang), chosen, t, lang),
            "custom": CUSTOM,
            # The language switch keeps the selection.
            "switch_query": urlencode({**request.query_params, "lang": "en" if lang == "vi" else "vi"}),
            "units_choice": [(u.code, view.name(u.name, u.name_en, lang)) for u in units],
            **context,
        },
        status_code=status,
        headers=PRIVATE,
    )
    if request.query_params.get("lang") in STAFF_TEXTS:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
