"""HTTP endpoints for instruments."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Response, status

from survey_api.deps import AdminUser, SessionDep
from survey_api.instruments import service
from survey_api.instruments.loader import parse_document
from survey_api.instruments.schemas import ImportResult, InstrumentVersionOut, version_out
from survey_api.params import IdPath
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/instruments", tags=["instruments"], route_class=CommittingRoute)


@router.get("", response_model=list[InstrumentVersionOut])
def list_instruments(session: SessionDep) -> list[InstrumentVersionOut]:
    """The published instrument versions, with their items."""
    return [version_out(v, service.document_of(v)) for v in service.list_published(session)]


@router.get("/{version_id}", response_model=InstrumentVersionOut)
def get_instrument(version_id: IdPath, session: SessionDep) -> InstrumentVersionOut:
    """One published instrument version."""
    version = service.get_version(session, version_id, published_only=True)
    return version_out(version, service.document_of(version))


@router.post("", response_model=ImportResult, status_code=status.HTTP_201_CREATED)
def import_instrument(
    session: SessionDep,
    user: AdminUser,
    response: Response,
    document: dict[str, Any] = Body(..., description="An instrument document, as in instruments/data"),
    publish: bool = False,
) -> ImportResult:
    """Import an instrument document as a draft (or published) version; 200 when nothing changed."""
    parsed = parse_document(document, "instrument document")
    version, changed = service.import_document(session, parsed, user=user, publish=publish)
    if not changed:
        response.status_code = status.HTTP_200_OK
    return ImportResult(
        id=version.id, code=parsed.code, version=version.version, status=version.status, changed=changed
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
