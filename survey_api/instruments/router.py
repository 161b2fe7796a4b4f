"""HTTP endpoints for instruments."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response, status

from survey_api.deps import AdminUser, SessionDep
from survey_api.instruments import service
from survey_api.instruments.loader import parse_document
from survey_api.instruments.schemas import ImportResult, InstrumentVersionOut, version_out
from survey_api.instruments.xlsform_http import REQUEST_BODY, InstrumentUpload, instrument_upload
from survey_api.params import IdPath
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/instruments", tags=["instruments"], route_class=CommittingRoute)


@router.get("", response_model=list[InstrumentVersionOut])
def list_instruments(session: SessionDep) -> list[InstrumentVersionOut]:
    """The published instrument versions, with their items."""
    return [version_out(v, service.document_of(v)) for v in service.list_published(session)]


@router.get("/versions", response_model=list[ImportResult])
def list_versions(session: SessionDep, user: AdminUser) -> list[ImportResult]:
    """Every version of every instrument, drafts and retired ones too (admin)."""
    return [
        ImportResult(id=v.id, code=v.instrument.code, version=v.version, status=v.status, changed=False)
        for v in service.list_versions(session)
    ]


@router.get("/{version_id}", response_model=InstrumentVersionOut)
def get_instrument(version_id: IdPath, session: SessionDep) -> InstrumentVersionOut:
    """One published instrument version."""
    version = service.get_version(session, version_id, published_only=True)
    return version_out(version, service.document_of(version))


@router.post("", response_model=ImportResult, status_code=status.HTTP_201_CREATED, openapi_extra=REQUEST_BODY)
def import_instrument(
    session: SessionDep,
    user: AdminUser,
    response: Response,
    upload: Annotated[InstrumentUpload, Depends(instrument_upload)],
    publish: bool = False,
) -> ImportResult:
    """Import an instrument document (JSON), or an uploaded XLSForm workbook, YAML or JSON file (multipart
    ``file``), as a draft (or published) version; 200 when nothing changed. A workbook's problems are listed
    in ``errors`` with their ``sheet`` and ``row``."""
    if upload.document is not None:
        parsed = parse_document(upload.document, "instrument document")
        version, changed = service.import_document(session, parsed, user=user, publish=publish)
    else:
        version, changed = service.import_file(session, upload.name, upload.data, user=user, publish=publish)
    if not changed:
        response.status_code = status.HTTP_200_OK
    return ImportResult(
        id=version.id, code=version.instrument.code, version=version.version, status=version.status, changed=changed
    )


@router.post("/{version_id}/new-version", response_model=ImportResult, status_code=status.HTTP_201_CREATED)
def start_new_version(version_id: IdPath, session: SessionDep, user: AdminUser) -> ImportResult:
    """A draft copy of a published or retired version under the next version number, to change and publish."""
    draft = service.start_new_version(session, service.get_version(session, version_id), user=user)
    return ImportResult(
        id=draft.id, code=draft.instrument.code, version=draft.version, status=draft.status, changed=True
    )


@router.post("/{version_id}/{action}", response_model=ImportResult)
def change_status(
    version_id: IdPath, action: Literal["publish", "retire"], session: SessionDep, user: AdminUser
) -> ImportResult:
    """Publish a draft version (it becomes immutable) or retire a published one."""
    version = service.get_version(session, version_id)
    (service.publish_version if action == "publish" else service.retire_version)(session, version, user=user)
    return ImportResult(
        id=version.id, code=version.instrument.code, version=version.version, status=version.status, changed=True
    )
