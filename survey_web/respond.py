"""The respondent's pages behind a QR link: the questionnaire, the thank-you page, feedback, posters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from survey_api.clients import client_address
from survey_api.collection.repository import response_by_id
from survey_api.collection.schemas import ResponseIn
from survey_api.db.base import utcnow
from survey_api.deps import SessionDep, SettingsDep
from survey_api.errors import Conflict, DomainError, InvalidInput, TooManyRequests
from survey_api.feedback import service as feedback
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of
from survey_api.qr import images
from survey_api.qr.points import poster_signature_valid
from survey_api.qr.service import LinkProblem, OpenLink, current_link, link_url, resolve, submit_through_link
from survey_api.qr.signing import sign, verify
from survey_api.routing import CommittingRoute
from survey_api.settings import Settings
from survey_web.i18n import TEXTS, language
from survey_web.templating import templates

router = APIRouter(include_in_schema=False, route_class=CommittingRoute)
LINK = "/q/{point}/{instrument}/{generation}/{signature}"
DEVICE_COOKIE = "sv_device"
LANGUAGE_COOKIE = "sv_lang"


async def form_data(request: Request) -> FormData:
    """The posted form (read in the event loop, so that the endpoint itself can stay synchronous)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def _language(request: Request) -> str:
    return language(request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE))


def _page(request: Request, name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, {"lang": lang, "t": TEXTS[lang], **context}, status_code=status
    )
    if request.query_params.get("lang") in TEXTS:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def _problem(request: Request, lang: str, exc: DomainError) -> HTMLResponse:
    t = TEXTS[lang]
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
        opened = resolve(session, settings, point, instrument, generation, signature)
    except LinkProblem as exc:
        return _problem(request, lang, exc)
    response = _form_page(request, lang, opened, values={}, errors={}, response_id=uuid.uuid4(), started_at=utcnow())
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
        opened = resolve(session, settings, point, instrument, generation, signature)
        _limit(request, settings, f"{point}/{instrument}")
        document = document_of(opened.version)
        payload = ResponseIn(
            id=uuid.UUID(str(form.get("response_id", ""))),
            instrument_version=opened.version.id,
            service_point=point,
            channel="qr",
            respondent_type=form.get("respondent_type", "person"),
            answers=_answers(document, form),
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
        return _problem(request, lang, InvalidInput("the form was damaged on the way; please open the link again"))
    except DomainError as exc:
        # The page answers normally, so undo here what the failed submission may have written.
        session.rollback()
        if not isinstance(exc, InvalidInput) or not exc.errors:
            return _problem(request, lang, exc)
        t = TEXTS[lang]
        errors = {
            e["item"]: t["error_required"] if "required" in e["problem"] else t["error_value"] for e in exc.errors
        }
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
        )
    proof = _thanks_signature(settings, payload.id)
    thanks = f"/q/{point}/{instrument}/{generation}/{signature}/thanks?r={payload.id}&s={proof}"
    return RedirectResponse(thanks, status_code=303)


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
        return _problem(request, lang, LinkProblem("tampered", "bad thank-you link"))
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
        answered = response_by_id(session, uuid.UUID(response_id))
        if answered is None or answered.service_point_id != opened.service_point.id:
            raise LinkProblem("tampered", "the answer is not from this service point")
        feedback.leave(
            session,
            response_id=answered.id,
            service_point=opened.service_point,
            kind=str(form.get("kind", "feedback")),
            text=str(form.get("text", "")),
            name=str(form.get("name", "")),
            phone=str(form.get("phone", "")),
            email=str(form.get("email", "")),
            consent=form.get("consent") == "yes",
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
        return _problem(request, lang, exc)
    return _page(request, "thanks.html", lang, message=t["feedback_thanks"])


@router.get("/posters/{point}/{instrument}", response_class=HTMLResponse)
def poster(
    request: Request,
    point: str,
    instrument: str,
    expires: int,
    sig: str,
    session: SessionDep,
    settings: SettingsDep,
    size: str = "A4",
) -> Response:
    """A printable A4 or A5 poster with the QR code (the address comes signed from the service-point API)."""
    if not poster_signature_valid(settings, point, instrument, expires, sig):
        return _problem(request, "vi", LinkProblem("tampered", "poster link expired or altered"))
    try:
        opened = current_link(session, point, instrument)
    except LinkProblem as exc:
        return _problem(request, "vi", exc)
    url = link_url(settings, str(request.base_url), point, instrument, opened.link.generation)
    document = document_of(opened.version)
    svg = images.svg(url).decode()
    return templates.TemplateResponse(
        request,
        "poster.html",
        {
            "size": "A5" if size == "A5" else "A4",
            "title": document.title.vi,
            "purpose": document.description.vi if document.description else document.title.vi,
            "unit_name": opened.unit.name,
            "point_name": opened.service_point.name,
            "qr_svg": svg[svg.index("<svg") :],
            "link": url,
        },
    )


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


def _answers(document: InstrumentDocument, form: FormData) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for code, item in document.items_by_code().items():
        raw = [str(v).strip() for v in form.getlist(f"a:{code}") if str(v).strip()]
        if not raw:
            continue
        if item.type == "multiple_choice":
            answers[code] = [int(v) if v.isdigit() else v for v in raw]
        elif item.type == "free_text":
            answers[code] = raw[0]
        else:
            answers[code] = int(raw[0]) if raw[0].isdigit() else raw[0]
    return answers


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
) -> HTMLResponse:
    document = document_of(opened.version)
    english = lang == "en"

    def text(value: Any) -> str:
        return str(value.en if english and value.en else value.vi)

    sections: list[dict[str, Any]] = [
        {
            "title": text(section.title),
            "questions": [
                {
                    "code": item.code,
                    "type": item.type,
                    "required": item.required,
                    "text": text(item.text),
                    "options": [{"value": o.value, "label": text(o.label)} for o in document.options_of(item)],
                }
                for item in section.items
            ],
        }
        for section in document.sections
    ]
    labels = {item["code"]: item["text"] for section in sections for item in section["questions"]}
    t = TEXTS[lang]
    labels["receipt"] = t["receipt"]
    kinds = list(document.respondent_types)
    ask_type = len(kinds) > 1
    return _page(
        request,
        "respond.html",
        lang,
        status,
        title=text(document.title),
        unit_name=opened.unit.name,
        point_name=opened.service_point.name,
        sections=sections,
        labels=labels,
        values=values,
        errors=errors,
        response_id=response_id,
        started_at=started_at.isoformat(),
        ask_receipt=opened.service_point.requires_receipt,
        ask_respondent_type=ask_type,
        respondent_types=kinds,
        first_step_title=t["first_step"],
    )
