"""The citizen's side: follow a feedback by its reference (/phan-anh/<reference>, no sign-in, never contact
details; lookups rate-limited per client), and the petitions published anonymised (/phan-anh)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from survey_api.clients import client_address
from survey_api.deps import SessionDep, SettingsDep
from survey_api.errors import TooManyRequests
from survey_api.feedback.publication import citizen_view, published
from survey_api.feedback.references import normalise
from survey_api.feedback.rules import local_day
from survey_api.routing import CommittingRoute
from survey_web.feedback_pages.display import day, moment, status_word
from survey_web.feedback_pages.texts import REFERENCE_TEXTS
from survey_web.pages import LANGUAGE_COOKIE
from survey_web.pages import page_language as _language
from survey_web.templating import templates

router = APIRouter(include_in_schema=False, route_class=CommittingRoute)
LOOKUP = "/phan-anh"
# A reference page shows a citizen's message: never kept in a shared cache.
PRIVATE = {"Cache-Control": "no-store"}


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _language(request)
    response = templates.TemplateResponse(
        request, name, {"lang": lang, "t": REFERENCE_TEXTS[lang], **context}, status_code=status, headers=PRIVATE
    )
    if request.query_params.get("lang") in REFERENCE_TEXTS:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def _lookup_page(request: Request, session: SessionDep, status: int = 200, error: str | None = None) -> HTMLResponse:
    lang = _language(request)
    items = [
        {
            "unit": p.unit_name,
            "point": p.point_name,
            "kind": REFERENCE_TEXTS[lang][f"kind_{p.kind}"],
            "received": day(p.received_on, lang),
            "text": p.text,
            "reply": p.reply,
        }
        for p in published(session)
    ]
    typed = request.query_params.get("ma")
    return _page(request, "feedback_lookup.html", status, error=error, items=items, typed=typed)


@router.get(LOOKUP, response_class=HTMLResponse)
def lookup(request: Request, session: SessionDep, ma: str | None = None) -> Response:
    """The lookup form and the published petitions; a typed code goes to its page."""
    if ma is None:
        return _lookup_page(request, session)
    reference = normalise(ma)
    if reference is None:
        return _lookup_page(request, session, 422, REFERENCE_TEXTS[_language(request)]["bad_reference"])
    return RedirectResponse(f"{LOOKUP}/{reference}", status_code=303, headers=PRIVATE)


@router.get(LOOKUP + "/{reference}", response_class=HTMLResponse)
def follow(request: Request, reference: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The status and reply of one feedback, by its reference code."""
    t = REFERENCE_TEXTS[_language(request)]
    try:
        request.app.state.limiter.hit(
            f"feedback-reference|{client_address(request)}",
            limit=settings.feedback_lookups_per_client_per_minute,
            window=60,
            message="too many look-ups; wait {seconds} seconds",
        )
    except TooManyRequests as exc:
        page = _page(request, "feedback_missing.html", 429, message=t["too_many"].format(seconds=exc.retry_after))
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    normalised = normalise(reference)
    if normalised is None:
        return _page(request, "feedback_missing.html", 404, message=t["bad_reference"])
    if normalised != reference:
        return RedirectResponse(f"{LOOKUP}/{normalised}", status_code=308, headers=PRIVATE)
    view = citizen_view(session, normalised)
    if view is None:
        return _page(request, "feedback_missing.html", 404, message=t["not_found"])
    lang = _language(request)
    return _page(
        request,
        "feedback_reference.html",
        view=view,
        kind=t[f"kind_{view.kind}"],
        status_text=status_word(t, view.status),
        received=day(local_day(view.received_at), lang),
        due=day(view.due_on, lang),
        replied=moment(view.replied_at, lang),
        steps=[(moment(s.at, lang), status_word(t, s.status)) for s in view.steps],
    )
