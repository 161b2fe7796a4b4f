"""The respondent's pages behind a QR link: the questionnaire, the dossier step, the thank-you page, feedback."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from survey_api.clients import client_address
from survey_api.collection.schemas import ResponseIn
from survey_api.collection.service import stored_response
from survey_api.db.base import utcnow
from survey_api.deps import SessionDep, SettingsDep
from survey_api.errors import Conflict, DomainError, InvalidInput, TooManyRequests
from survey_api.feedback import service as feedback
from survey_api.feedback.rules import FeedbackRules
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of
from survey_api.qr.service import (
    LinkProblem,
    OpenLink,
    check_receipt,
    open_link,
    resolve,
    submit_through_link,
)
from survey_api.qr.signing import sign, verify
from survey_api.routing import CommittingRoute
from survey_api.settings import Settings
from survey_api.units.service import PointClosed, UnitClosed
from survey_web.feedback_pages.texts import REFERENCE_TEXTS
from survey_web.i18n import TEXTS
from survey_web.pages import LANGUAGE_COOKIE, Form
from survey_web.pages import page_language as _language
from survey_web.respond_form import form_view, read_answers, subtitle
from survey_web.templating import templates

router = APIRouter(include_in_schema=False, route_class=CommittingRoute)
LINK = "/q/{point}/{instrument}/{generation}/{signature}"
DEVICE_COOKIE = "sv_device"
# Why a link opens no form: the link itself, or its point or unit closed (the page names where to answer).
LINK_REFUSALS = (LinkProblem, PointClosed, UnitClosed)


def _page(request: Request, name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, {"lang": lang, "t": TEXTS[lang], **context}, status_code=status
    )
    if request.query_params.get("lang") in TEXTS:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def problem_page(request: Request, lang: str, exc: DomainError) -> HTMLResponse:
    t = TEXTS[lang]
    if isinstance(exc, PointClosed):
        return _page(request, "unit_closed.html", lang, exc.status_code, point=exc.closure)
    if isinstance(exc, UnitClosed):
        first = exc.closure.last_day + timedelta(days=1)
        day = f"{first:%d/%m/%Y}" if lang == "vi" else first.isoformat()
        return _page(request, "unit_closed.html", lang, exc.status_code, closure=exc.closure, first_day=day)
    if isinstance(exc, LinkProblem):
        message = t[exc.reason]
    elif isinstance(exc, TooManyRequests):
        message = t["too_many"].format(seconds=exc.retry_after)
    elif any(e.get("item") == "receipt" for e in exc.errors) and isinstance(exc, Conflict):
        message = t["receipt_used"]
    else:
        message = exc.detail
    response = _page(request, "problem.html", lang, exc.status_code, title=t["problem_title"], message=message)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.get(LINK, response_class=HTMLResponse)
def questionnaire(
    request: Request,
    point: str,
    instrument: str,
    generation: int,
    signature: str,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The questionnaire of a scanned QR code."""
    lang = _language(request)
    try:
        opened = open_link(session, settings, point, instrument, generation, signature)
    except LINK_REFUSALS as exc:
        return problem_page(request, lang, exc)
    response = _form_page(
        request,
        lang,
        opened,
        values={},
        errors={},
        response_id=uuid.uuid4(),
        started_at=utcnow(),
        dossier_step=opened.service_point.requires_receipt,
    )
    if DEVICE_COOKIE not in request.cookies:
        response.set_cookie(DEVICE_COOKIE, uuid.uuid4().hex, max_age=365 * 86400, httponly=True, samesite="lax")
    return response


@router.post(LINK, response_class=HTMLResponse)
def answer(
    request: Request,
    point: str,
    instrument: str,
    generation: int,
    signature: str,
    form: Form,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Store the posted questionnaire, then go to the thank-you page; errors come back next to their questions."""
    lang = _language(request)
    values = {key.removeprefix("a:"): [str(v) for v in form.getlist(key)] for key in form}
    try:
        opened = open_link(session, settings, point, instrument, generation, signature)
        _limit(request, settings, f"{point}/{instrument}")
        document = document_of(opened.version)
        payload = ResponseIn(
            id=uuid.UUID(str(form.get("response_id", ""))),
            instrument_version=opened.version.id,
            service_point=point,
            channel="qr",
            respondent_type=form.get("respondent_type", "person"),
            answers=read_answers(document, form),
            started_at=_time(form.get("started_at")),
        )
        submit_through_link(
            session,
            settings,
            opened,
            payload,
            device_id=request.cookies.get(DEVICE_COOKIE),
            receipt=str(form.get("receipt", "")) or None,
        )
    except (ValidationError, ValueError):
        return problem_page(request, lang, InvalidInput("the form was damaged on the way; please open the link again"))
    except DomainError as exc:
        # The page answers normally, so undo here what the failed submission may have written.
        session.rollback()
        if not isinstance(exc, InvalidInput) or not exc.errors:
            return problem_page(request, lang, exc)
        errors = _messages(TEXTS[lang], exc)
        started = _time(form.get("started_at")) or utcnow()
        return _form_page(
            request,
            lang,
            opened,
            values=values,
            errors=errors,
            response_id=payload.id,
            started_at=started,
            status=422,
            dossier_step="receipt" in errors,
        )
    proof = _thanks_signature(settings, payload.id)
    thanks = f"/q/{point}/{instrument}/{generation}/{signature}/thanks?r={payload.id}&s={proof}"
    return RedirectResponse(thanks, status_code=303)


@router.post(LINK + "/dossier", response_class=HTMLResponse)
def dossier(
    request: Request,
    point: str,
    instrument: str,
    generation: int,
    signature: str,
    form: Form,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The first step where a point asks for the dossier number: a used or malformed number is refused here,
    before any question; a good one opens the questions (and is checked again when the answers come in)."""
    lang = _language(request)
    receipt = str(form.get("receipt", "")).strip()
    try:
        opened = open_link(session, settings, point, instrument, generation, signature)
        _limit(request, settings, f"{point}/{instrument}/dossier")
        check_receipt(session, settings, opened.service_point, receipt)
        response_id = uuid.UUID(str(form.get("response_id", "")))
    except ValueError:
        return problem_page(request, lang, InvalidInput("the form was damaged on the way; please open the link again"))
    except DomainError as exc:
        if isinstance(exc, (*LINK_REFUSALS, TooManyRequests)) or not exc.errors:
            return problem_page(request, lang, exc)
        return _form_page(
            request,
            lang,
            opened,
            values={"receipt": [receipt]},
            errors=_messages(TEXTS[lang], exc),
            response_id=uuid.uuid4(),
            started_at=_time(form.get("started_at")) or utcnow(),
            status=exc.status_code,
            dossier_step=True,
        )
    started = _time(form.get("started_at")) or utcnow()
    values = {"receipt": [receipt]}
    return _form_page(request, lang, opened, values=values, errors={}, response_id=response_id, started_at=started)


def _messages(t: dict[str, str], exc: DomainError) -> dict[str, str]:
    """The page's message for each item the error names."""
    messages = {}
    for e in exc.errors:
        if e["item"] == "receipt" and isinstance(exc, Conflict):
            messages["receipt"] = t["receipt_used"]
        elif e["item"] == "receipt" and "required" not in e["problem"]:
            messages["receipt"] = t["receipt_invalid"]
        else:
            messages[e["item"]] = t["error_required"] if "required" in e["problem"] else t["error_value"]
    return messages


@router.get(LINK + "/thanks", response_class=HTMLResponse)
def thanks(
    request: Request,
    point: str,
    instrument: str,
    generation: int,
    signature: str,
    r: str,
    s: str,
    settings: SettingsDep,
) -> Response:
    """The thank-you page, with an optional feedback form."""
    lang = _language(request)
    if not verify(settings.verification_keys, s, "thanks", r):
        return problem_page(request, lang, LinkProblem("tampered", "bad thank-you link"))
    return _page(
        request,
        "thanks.html",
        lang,
        response_id=r,
        signature=s,
        errors={},
        message=None,
        feedback_action=f"/q/{point}/{instrument}/{generation}/{signature}/feedback",
    )


@router.post(LINK + "/feedback", response_class=HTMLResponse)
def leave_feedback(
    request: Request,
    point: str,
    instrument: str,
    generation: int,
    signature: str,
    form: Form,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Store the optional feedback or petition (and contact details, only with consent)."""
    lang = _language(request)
    t = TEXTS[lang]
    response_id, proof = str(form.get("r", "")), str(form.get("s", ""))
    try:
        if not verify(settings.verification_keys, proof, "thanks", response_id):
            raise LinkProblem("tampered", "bad feedback form")
        opened = resolve(session, settings, point, instrument, generation, signature)
        _limit(request, settings, f"{point}/{instrument}/feedback")
        answered = stored_response(session, uuid.UUID(response_id))
        if answered is None or answered.service_point_id != opened.service_point.id:
            raise LinkProblem("tampered", "the answer is not from this service point")
        left = feedback.leave(
            session,
            response_id=answered.id,
            service_point=opened.service_point,
            kind=str(form.get("kind", "feedback")),
            text=str(form.get("text", "")),
            name=str(form.get("name", "")),
            phone=str(form.get("phone", "")),
            email=str(form.get("email", "")),
            consent=form.get("consent") == "yes",
            rules=FeedbackRules.from_settings(settings),
        )
    except InvalidInput as exc:
        return _page(
            request,
            "thanks.html",
            lang,
            422,
            response_id=response_id,
            signature=proof,
            message=None,
            errors={e["item"]: e["problem"] for e in exc.errors},
            feedback_action=str(request.url.path),
        )
    except Conflict:
        return _page(request, "thanks.html", lang, message=t["already"])
    except DomainError as exc:
        return problem_page(request, lang, exc)
    reference, words = left.reference, REFERENCE_TEXTS[lang]
    return _page(request, "thanks.html", lang, message=t["feedback_thanks"], reference=reference, ref_t=words)


def _limit(request: Request, settings: Settings, link: str) -> None:
    """The hard limits of answering through a link, per client and per link, shared by every worker."""
    limiter = request.app.state.limiter
    client = client_address(request)
    limiter.hit(
        f"qr-client|{client}|{link}",
        limit=settings.qr_limit_per_client_per_minute,
        window=60,
        message="too many answers from this device; please wait {seconds} seconds and try again",
    )
    limiter.hit(
        f"qr-link|{link}",
        limit=settings.qr_limit_per_link_per_minute,
        window=60,
        message="too many answers on this QR code; please wait {seconds} seconds and try again",
    )


def _thanks_signature(settings: Settings, response_id: uuid.UUID) -> str:
    return sign(settings.secret_key, "thanks", str(response_id))


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _form_page(
    request: Request,
    lang: str,
    opened: OpenLink,
    *,
    values: dict[str, list[str]],
    errors: dict[str, str],
    response_id: uuid.UUID,
    started_at: datetime,
    status: int = 200,
    dossier_step: bool = False,
) -> HTMLResponse:
    document = document_of(opened.version)
    view = form_view(document, english=lang == "en")
    t = TEXTS[lang]
    labels = view.labels | {"receipt": t["receipt"]}
    kinds = list(document.respondent_types)
    return _page(
        request,
        "respond.html",
        lang,
        status,
        title=view_title(document, lang),
        subtitle=subtitle(opened.unit.name, opened.service_point.name),
        sections=view.sections,
        labels=labels,
        values=values,
        errors=errors,
        response_id=response_id,
        started_at=started_at.isoformat(),
        ask_receipt=opened.service_point.requires_receipt,
        dossier_step=dossier_step,
        duration=t["duration"].format(questions=view.questions, minutes=view.minutes),
        ask_respondent_type=len(kinds) > 1,
        respondent_types=kinds,
        first_step_title=t["first_step"],
        base=request.url.path.removesuffix("/dossier"),
    )


def view_title(document: InstrumentDocument, lang: str) -> str:
    """The instrument's title in the page's language."""
    return document.title.en if lang == "en" and document.title.en else document.title.vi
