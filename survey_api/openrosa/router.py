"""The OpenRosa 1.0 endpoints ODK Collect and KoboCollect call (server address: ``https://<host>/openrosa``).

XML in and out, so they are left out of the OpenAPI document; every answer, errors included, is XML with
``X-OpenRosa-Version: 1.0`` (errors in the OpenRosa response envelope).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from email.utils import formatdate
from typing import TypeVar
from xml.etree.ElementTree import Element, SubElement

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from survey_api.auth.throttle import throttle_for
from survey_api.collection.service import Submission
from survey_api.db.engine import transaction
from survey_api.db.models import User
from survey_api.errors import DomainError, TooManyRequests
from survey_api.limits import MB
from survey_api.openrosa import digest, service
from survey_api.openrosa.signin import DigestRequired, RequestTarget, sign_in
from survey_api.openrosa.xform import form_version
from survey_api.openrosa.xmltools import UnsafeOrMalformedXml, document, envelope, parse
from survey_api.settings import Settings

router = APIRouter(prefix="/openrosa", tags=["openrosa"], include_in_schema=False)
XML = "text/xml; charset=utf-8"
FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
T = TypeVar("T")


def _headers(settings: Settings, *, accept_length: bool = False) -> dict[str, str]:
    headers = {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True)}
    if accept_length:
        headers["X-OpenRosa-Accept-Content-Length"] = str(settings.openrosa_max_submission_mb * MB)
    return headers


def _xml(settings: Settings, status: int, body: bytes, *, accept_length: bool = False) -> Response:
    return Response(body, status_code=status, media_type=XML, headers=_headers(settings, accept_length=accept_length))


def _refusal(settings: Settings, status: int, message: str, *, accept_length: bool = False) -> Response:
    return _xml(settings, status, envelope(message), accept_length=accept_length)


def _error(settings: Settings, error: DomainError, *, accept_length: bool = False) -> Response:
    """A domain error in the OpenRosa envelope; a 401 carries fresh Digest challenges."""
    response = _refusal(settings, error.status_code, error.detail, accept_length=accept_length)
    if error.status_code == 401:
        stale = isinstance(error, DigestRequired) and error.stale
        for challenge in digest.challenges(settings.secret_key, settings.openrosa_digest_algorithms, stale=stale):
            response.headers.append("WWW-Authenticate", challenge)
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _signed_in(request: Request, work: Callable[[Session, User], T]) -> T:
    """Sign the request's Digest answer in and run ``work`` for the volunteer, in one transaction."""
    settings = _settings(request)
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    target = RequestTarget(request.method, raw_path.decode("latin-1"), request.scope["query_string"].decode("latin-1"))
    with transaction(request.app.state.sessionmaker) as session:
        user = sign_in(
            session,
            request.headers.get("authorization"),
            target,
            keys=settings.verification_keys,
            lifetime=settings.openrosa_nonce_seconds,
            throttle=throttle_for(request),
        )
        return work(session, user)


@router.get("/formList")
async def form_list(request: Request) -> Response:
    """The OpenRosa form list: one form per current assignment of the signed-in volunteer."""
    settings = _settings(request)
    wanted = request.query_params.get("formID")
    try:
        forms = await run_in_threadpool(_signed_in, request, service.forms_of)
    except DomainError as error:
        return _error(settings, error)
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    root = Element("xforms", xmlns=FORM_LIST_NS)
    for form in forms:
        if wanted is not None and form.spec.form_id != wanted:
            continue
        entry = SubElement(root, "xform")
        SubElement(entry, "formID").text = form.spec.form_id
        SubElement(entry, "name").text = form.spec.title
        SubElement(entry, "version").text = form_version(form.xform)
        SubElement(entry, "hash").text = "md5:" + _md5(form.xform)
        SubElement(entry, "descriptionText").text = form.spec.document.title.en or form.spec.document.title.vi
        SubElement(entry, "downloadUrl").text = f"{base}/openrosa/forms/{form.spec.form_id}"
    return _xml(settings, 200, document(root))


@router.get("/forms/{form_id}")
async def form_download(request: Request, form_id: str) -> Response:
    """The XForm of one of the signed-in volunteer's assignments."""
    settings = _settings(request)
    try:
        form = await run_in_threadpool(_signed_in, request, lambda s, u: service.form_of(s, u, form_id))
    except DomainError as error:
        return _error(settings, error)
    return _xml(settings, 200, form.xform)


@router.head("/submission")
async def submission_check(request: Request) -> Response:
    """The pre-flight of a submission: 204 once signed in, with the largest submission accepted."""
    settings = _settings(request)
    try:
        await run_in_threadpool(_signed_in, request, lambda _s, _u: None)
    except DomainError as error:
        return _error(settings, error, accept_length=True)
    return Response(status_code=204, headers=_headers(settings, accept_length=True))


@router.post("/submission")
async def submission(request: Request) -> Response:
    """A filled-in form (multipart, part ``xml_submission_file``): 201 stored, 202 already stored with the
    same content, 409 its instanceID stored with other content, 400 not XML, 410 its service point switched off
    or its unit closed before the day it was filled in, 413 too large, 422 not valid."""
    settings = _settings(request)
    limit = settings.openrosa_max_submission_mb * MB
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return _refusal(settings, 413, f"the submission is larger than {limit // MB} MB", accept_length=True)
    try:
        user = await run_in_threadpool(_signed_in, request, lambda _s, u: u)
    except DomainError as error:
        return _error(settings, error, accept_length=True)
    data = await _submitted_xml(request, limit)
    if isinstance(data, Response):
        return data
    try:
        root = parse(data)
    except UnsafeOrMalformedXml as problem:
        return _refusal(settings, 400, str(problem), accept_length=True)
    try:
        outcome = await run_in_threadpool(_store, request, user, root)
    except DomainError as error:
        return _error(settings, error, accept_length=True)
    if outcome.created:
        return _refusal(settings, 201, "Đã nhận phiếu / form received", accept_length=True)
    return _refusal(settings, 202, "Phiếu này đã được nhận trước đó / already received", accept_length=True)


def _store(request: Request, user: User, root: Element) -> Submission:
    with transaction(request.app.state.sessionmaker) as session:
        return service.receive(session, user, root)


async def _submitted_xml(request: Request, limit: int) -> bytes | Response:
    """The bytes of the ``xml_submission_file`` part, or the refusal to send."""
    settings = _settings(request)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return _refusal(settings, 400, "send the form as multipart/form-data with xml_submission_file")
    try:
        form = await request.form(max_files=20, max_fields=20)
    except MultiPartException as problem:
        return _refusal(settings, 400, f"the multipart body cannot be read: {problem.message}")
    try:
        part = form.get("xml_submission_file")
        if not isinstance(part, UploadFile):
            return _refusal(settings, 400, "the submission has no file part xml_submission_file")
        data = await part.read(limit + 1)
    finally:
        await form.close()
    if len(data) > limit:
        return _refusal(settings, 413, f"the submission is larger than {limit // MB} MB", accept_length=True)
    return data


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
