"""Service points as admins and unit managers see them: creation, QR links, images, poster addresses."""

from __future__ import annotations

import time
from typing import Literal

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import OrgUnit, QrLink, ServicePoint, User
from survey_api.errors import InvalidInput, NotFound
from survey_api.instruments import service as instruments
from survey_api.qr import images, repository, service
from survey_api.qr.forms import default_instruments
from survey_api.qr.schemas import ServicePointIn, ServicePointLinkOut
from survey_api.qr.signing import sign, verify
from survey_api.settings import Settings
from survey_api.units.scope import require_visible, visible_units
from survey_api.units.service import unit_by_code

POSTER_VALIDITY_SECONDS = 7 * 24 * 3600


def create(session: Session, body: ServicePointIn, *, user: User) -> ServicePoint:
    """Add a service point with QR links for its instruments."""
    unit = unit_by_code(session, body.unit)
    if unit is None:
        raise InvalidInput(f"no unit {body.unit!r}", errors=[{"item": "unit", "problem": "unknown unit"}])
    if repository.point_with_unit(session, body.code) is not None:
        raise InvalidInput(f"a service point {body.code!r} exists already")
    point = ServicePoint(
        code=body.code,
        name=body.name,
        unit_id=unit.id,
        kind=body.kind,
        requires_receipt=body.requires_receipt,
    )
    session.add(point)
    session.flush()
    audit.record(session, user, "service_point.create", body.code)
    codes = body.instruments
    if codes is None:  # the kind's defaults, those that are loaded here
        codes = [c for c in default_instruments(body.kind) if instruments.instrument_by_code(session, c)]
    for code in codes:
        service.ensure_link(session, point, code, user=user)
    return point


def _point(session: Session, code: str, viewer: User) -> ServicePoint:
    point = repository.point_with_unit(session, code)
    if point is None:
        raise NotFound(f"no service point {code!r}")
    require_visible(session, viewer, point.unit_id, f"service point {code}")
    return point


def _link(session: Session, code: str, instrument: str, viewer: User) -> tuple[ServicePoint, QrLink]:
    point = _point(session, code, viewer)
    found = instruments.instrument_by_code(session, instrument)
    link = repository.link_of(session, point.id, found.id) if found else None
    if link is None:
        raise NotFound(f"service point {code} has no QR link for {instrument!r}")
    return point, link


def add_link(session: Session, code: str, instrument: str, *, user: User) -> None:
    """Make the QR link of a point for an instrument (idempotent)."""
    service.ensure_link(session, _point(session, code, user), instrument, user=user)


def rotate_link(session: Session, code: str, instrument: str, *, user: User) -> None:
    """Replace a point's link for an instrument."""
    service.rotate(session, _link(session, code, instrument, user)[1], user=user)


def revoke_link(session: Session, code: str, instrument: str, *, user: User) -> None:
    """Switch a point's link for an instrument off."""
    service.revoke(session, _link(session, code, instrument, user)[1], user=user)


def qr_image(
    session: Session,
    settings: Settings,
    base_url: str,
    viewer: User,
    code: str,
    instrument: str,
    kind: Literal["png", "svg"],
) -> bytes:
    """The QR image of a point's link."""
    _point_, link = _link(session, code, instrument, viewer)
    url = service.link_url(settings, base_url, code, instrument, link.generation)
    return images.png(url) if kind == "png" else images.svg(url)


def poster_query(settings: Settings, code: str, instrument: str, now: float | None = None) -> str:
    """The signed, expiring query string that opens a printable poster."""
    expires = int((now or time.time()) + POSTER_VALIDITY_SECONDS)
    return f"expires={expires}&sig={sign(settings.secret_key, 'poster', code, instrument, expires)}"


def poster_signature_valid(settings: Settings, code: str, instrument: str, expires: int, signature: str) -> bool:
    """Whether a poster address is genuine and not expired."""
    keys = settings.verification_keys
    return expires >= time.time() and verify(keys, signature, "poster", code, instrument, expires)


def listing(
    session: Session, settings: Settings, base_url: str, viewer: User, *, only: str | None = None
) -> list[ServicePointLinkOut]:
    """One row per QR link of every visible service point (a row with null link for points without one)."""
    points = [p for p in repository.service_points(session, visible_units(session, viewer)) if only in (None, p.code)]
    units = {u.id: u.code for u in session.query(OrgUnit).filter(OrgUnit.id.in_({p.unit_id for p in points}))}
    links: dict[int, list[tuple[QrLink, str]]] = {}
    for link, instrument in repository.links_of(session, [p.id for p in points]):
        links.setdefault(link.service_point_id, []).append((link, instrument))
    base = (settings.public_url or base_url).rstrip("/")
    rows = []
    for point in points:
        common = {
            "code": point.code,
            "name": point.name,
            "unit": units[point.unit_id],
            "kind": point.kind,
            "requires_receipt": point.requires_receipt,
        }
        if point.id not in links:
            rows.append(ServicePointLinkOut(**common, instrument=None, link=None))
        for link, instrument in links.get(point.id, []):
            images_at = f"{base}/api/v1/service-points/{point.code}/qr/{instrument}"
            rows.append(
                ServicePointLinkOut(
                    **common,
                    instrument=instrument,
                    link=service.link_url(settings, base_url, point.code, instrument, link.generation),
                    active=link.active,
                    qr_png=f"{images_at}.png",
                    qr_svg=f"{images_at}.svg",
                    poster=f"{base}/posters/{point.code}/{instrument}?"
                    + poster_query(settings, point.code, instrument),
                )
            )
    return rows
