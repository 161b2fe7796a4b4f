"""HTTP endpoints for service points and their QR codes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from survey_api.deps import AdminUser, AnalystUser, SessionDep, SettingsDep
from survey_api.errors import NotFound
from survey_api.qr import points, poster_pdf
from survey_api.qr.schemas import LinkIn, ServicePointIn, ServicePointLinkOut
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/service-points", tags=["service points"], route_class=CommittingRoute)


@router.get("", response_model=list[ServicePointLinkOut])
def list_service_points(
    request: Request, session: SessionDep, settings: SettingsDep, user: AnalystUser
) -> list[ServicePointLinkOut]:
    """Service points (a unit manager's own) with one row per QR link and its image and poster URLs."""
    return points.listing(session, settings, str(request.base_url), user)


@router.get(
    "/posters.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "One poster per page"}},
)
def unit_posters(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AnalystUser,
    unit: Annotated[str, Query(max_length=64, description="Org unit code: its points and those of units below")],
    size: Annotated[Literal["A4", "A5"], Query(description="Paper size of each poster")] = "A4",
) -> Response:
    """Every open QR link's poster of a unit's service points in one PDF, one page each (404 when none)."""
    found = poster_pdf.unit_posters(session, settings, str(request.base_url), user, unit)
    if not found:
        raise NotFound(f"unit {unit} has no service point with an open QR link")
    disposition = f'attachment; filename="posters-{unit}-{size}.pdf"'
    return Response(
        poster_pdf.posters_pdf(found, size), media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


@router.post("", response_model=list[ServicePointLinkOut], status_code=status.HTTP_201_CREATED)
def create_service_point(
    body: ServicePointIn, request: Request, session: SessionDep, settings: SettingsDep, user: AdminUser
) -> list[ServicePointLinkOut]:
    """Add a service point and QR links for the instruments it collects."""
    point = points.create(session, body, user=user)
    return points.listing(session, settings, str(request.base_url), user, only=point.code)


@router.post("/{code}/links", response_model=list[ServicePointLinkOut])
def add_link(
    code: str, body: LinkIn, request: Request, session: SessionDep, settings: SettingsDep, user: AdminUser
) -> list[ServicePointLinkOut]:
    """Make (or return) the QR link of a point for an instrument."""
    points.add_link(session, code, body.instrument, user=user)
    return points.listing(session, settings, str(request.base_url), user, only=code)


@router.post("/{code}/links/{instrument}/{action}", response_model=list[ServicePointLinkOut])
def change_link(
    code: str,
    instrument: str,
    action: Literal["rotate", "revoke"],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
) -> list[ServicePointLinkOut]:
    """``rotate`` issues a new link (codes printed before stop working); ``revoke`` switches it off."""
    (points.rotate_link if action == "rotate" else points.revoke_link)(session, code, instrument, user=user)
    return points.listing(session, settings, str(request.base_url), user, only=code)


_MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@router.get("/{code}/qr/{instrument}.{extension}", response_class=Response)
def qr_image(
    code: str,
    instrument: str,
    extension: Literal["png", "svg"],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AnalystUser,
) -> Response:
    """The QR code as a PNG image, or as SVG (scales for print)."""
    image = points.qr_image(session, settings, str(request.base_url), user, code, instrument, extension)
    disposition = f'inline; filename="qr-{code}-{instrument}.{extension}"'
    return Response(image, media_type=_MEDIA_TYPES[extension], headers={"Content-Disposition": disposition})
