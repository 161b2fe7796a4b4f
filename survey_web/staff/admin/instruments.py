"""Admin pages for instruments: every version with its status, import a file, preview a version as a
respondent sees it (answers checked, never stored), publish, retire, start a new version, download one.
Through ``survey_api.instruments.service``; the preview reuses the respondent's form (``respond_form``)."""

from __future__ import annotations

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from survey_api.collection.answers import check_answers
from survey_api.db.models import InstrumentVersion, User
from survey_api.deps import SessionDep
from survey_api.errors import DomainError
from survey_api.instruments import service as instruments
from survey_api.params import IdPath
from survey_web.i18n import TEXTS
from survey_web.pages import Form
from survey_web.respond import view_title
from survey_web.respond_form import form_view, read_answers
from survey_web.staff.admin.common import ADMIN, admin, done, lang_of, message, page, shown, texts
from survey_web.staff.csrf import SameOriginRoute

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
INSTRUMENTS = ADMIN + "/instruments"
MAX_FILE = 2_000_000  # bytes; the largest shipped instrument is under 100 kB


def _list_page(request: Request, session: Session, user: User, status: int = 200, error: str | None = None) -> Response:
    return page(request, "instruments.html", user, status, versions=instruments.list_versions(session), error=error)


@router.get(INSTRUMENTS, response_class=HTMLResponse)
def instruments_page(request: Request, session: SessionDep) -> Response:
    """Every version of every instrument, with its actions, and the import form."""
    return shown(request, session, lambda user, _s, _e: _list_page(request, session, user))


@router.post(INSTRUMENTS, response_class=HTMLResponse)
def import_instrument(request: Request, session: SessionDep, form: Form) -> Response:
    """Import an uploaded file as a version (a draft, or published when asked)."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    t = texts(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _list_page(request, session, user, 422, t["err_required"].format(field=t["field_file"].lower()))
    data = upload.file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        return _list_page(request, session, user, 413, t["err_file"].format(detail=f"> {MAX_FILE // 1_000_000} MB"))
    try:
        version, changed = instruments.import_file(
            session, upload.filename, data, user=user, publish=form.get("publish") == "yes"
        )
    except ValueError as exc:  # InstrumentFileError: what is wrong, naming the item
        session.rollback()
        return _list_page(request, session, user, 422, t["err_file"].format(detail=str(exc)))
    except DomainError as exc:
        session.rollback()
        return _list_page(request, session, user, exc.status_code, t["err_file"].format(detail=exc.detail))
    return done(request, f"{INSTRUMENTS}#v{version.id}", "imported" if changed else "unchanged")


def _version(session: Session, version_id: int) -> InstrumentVersion:
    return instruments.get_version(session, version_id)


@router.get(INSTRUMENTS + "/{version_id}/instrument.yaml", response_class=Response)
def download(request: Request, version_id: IdPath, session: SessionDep) -> Response:
    """A version's document as YAML, to change and import again (as a draft of a new version)."""
    return shown(request, session, lambda _user, _status, _error: _yaml(_version(session, version_id)))


def _yaml(version: InstrumentVersion) -> Response:
    body = yaml.safe_dump(version.content, allow_unicode=True, sort_keys=False)
    name = f"{version.instrument.code}-v{version.version}.yaml"
    return Response(
        body,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _preview(
    request: Request,
    user: User,
    version: InstrumentVersion,
    *,
    values: dict[str, list[str]],
    errors: dict[str, str],
    status: int = 200,
    checked: bool = False,
) -> HTMLResponse:
    lang = lang_of(request)
    document = instruments.document_of(version)
    view = form_view(document, english=lang == "en")
    t = TEXTS[lang]
    kinds = list(document.respondent_types)
    return page(
        request,
        "preview.html",
        user,
        status,
        t=t,
        at=texts(request),
        version=version,
        title=view_title(document, lang),
        subtitle=version.instrument.code + f" · v{version.version}",
        sections=view.sections,
        labels=view.labels,
        values=values,
        errors=errors,
        response_id="preview",
        started_at="",
        ask_receipt=False,
        dossier_step=False,
        duration=t["duration"].format(questions=view.questions, minutes=view.minutes),
        ask_respondent_type=len(kinds) > 1,
        respondent_types=kinds,
        first_step_title=t["first_step"],
        base=f"{INSTRUMENTS}/{version.id}/preview",
        checked=checked,
    )


@router.get(INSTRUMENTS + "/{version_id}/preview", response_class=HTMLResponse)
def preview(request: Request, version_id: IdPath, session: SessionDep) -> Response:
    """The version's questionnaire exactly as a respondent's phone shows it."""
    return shown(
        request,
        session,
        lambda user, _s, _e: _preview(request, user, _version(session, version_id), values={}, errors={}),
    )


@router.post(INSTRUMENTS + "/{version_id}/preview", response_class=HTMLResponse)
def check_preview(request: Request, version_id: IdPath, session: SessionDep, form: Form) -> Response:
    """Check the answers given in the preview with the rules a real answer meets; nothing is stored."""
    return shown(request, session, lambda user, _s, _e: _checked(request, user, _version(session, version_id), form))


def _checked(request: Request, user: User, version: InstrumentVersion, form: FormData) -> Response:
    t = TEXTS[lang_of(request)]
    values = {key.removeprefix("a:"): [str(v) for v in form.getlist(key)] for key in form}
    document = instruments.document_of(version)
    _cleaned, problems = check_answers(document, read_answers(document, form))
    errors = {p["item"]: t["error_required"] if "required" in p["problem"] else t["error_value"] for p in problems}
    return _preview(request, user, version, values=values, errors=errors, status=422 if errors else 200, checked=True)


# Last: its path would otherwise take the preview's POST.
@router.post(INSTRUMENTS + "/{version_id}/{action}", response_class=HTMLResponse)
def change_version(request: Request, version_id: IdPath, action: str, session: SessionDep) -> Response:
    """Publish a draft, retire a published version, or start a new draft version from one."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    try:
        version = _version(session, version_id)
        if action == "publish":
            instruments.publish_version(session, version, user=user)
        elif action == "retire":
            instruments.retire_version(session, version, user=user)
        elif action == "new-version":
            version = instruments.start_new_version(session, version, user=user)
        else:
            return page(request, "problem.html", user, 404, message=texts(request)["err_not_found"])
    except DomainError as exc:
        session.rollback()
        return _list_page(request, session, user, exc.status_code, message(exc, texts(request)))
    what = {"publish": "published", "retire": "retired", "new-version": "new_version"}[action]
    return done(request, f"{INSTRUMENTS}#v{version.id}", what)
