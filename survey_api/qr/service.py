"""Rules for QR links: create, resolve, rotate, revoke; answering through a link with abuse control."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.collection import service as collection
from survey_api.collection.schemas import ResponseIn
from survey_api.collection.service import LOCAL_TIME, stored_response
from survey_api.db.base import utcnow
from survey_api.db.models import InstrumentVersion, OrgUnit, QrLink, ServicePoint, User
from survey_api.errors import Conflict, Gone, InvalidInput, NotFound
from survey_api.instruments import service as instruments
from survey_api.qr import repository
from survey_api.qr.signing import keyed_hash, keyed_hashes, link_path, link_signature_valid
from survey_api.settings import Settings
from survey_api.units.service import refuse_closed, refuse_closed_point

RECEIPT_PATTERN = re.compile(r"^[A-Za-z0-9./-]{4,40}$")


@dataclass(frozen=True)
class OpenLink:
    """A genuine, active link: where the answer comes from and which version it answers."""

    link: QrLink
    service_point: ServicePoint
    unit: OrgUnit
    version: InstrumentVersion


class LinkProblem(NotFound):
    """A QR link that cannot be answered; ``reason`` is tampered, unknown, rotated, revoked or closed."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        if reason in ("rotated", "revoked", "closed"):
            self.status_code = Gone.status_code


def ensure_link(session: Session, service_point: ServicePoint, instrument_code: str, *, user: User | None) -> QrLink:
    """The link of ``service_point`` for an instrument, created on first use."""
    instrument = instruments.instrument_by_code(session, instrument_code)
    if instrument is None:
        raise InvalidInput(f"no instrument {instrument_code!r}")
    link = repository.link_of(session, service_point.id, instrument.id)
    if link is None:
        link = QrLink(service_point_id=service_point.id, instrument_id=instrument.id, generation=1, active=True)
        session.add(link)
        session.flush()
        audit.record(session, user, "qr.create", f"{service_point.code}/{instrument_code}")
    return link


def rotate(session: Session, link: QrLink, *, user: User | None) -> None:
    """Issue a new link: every code printed before stops working."""
    link.generation += 1
    link.active = True
    link.rotated_at = utcnow()
    session.flush()
    audit.record(session, user, "qr.rotate", f"link {link.id}", generation=link.generation)


def revoke(session: Session, link: QrLink, *, user: User | None) -> None:
    """Turn the link off until it is rotated."""
    link.active = False
    session.flush()
    audit.record(session, user, "qr.revoke", f"link {link.id}")


def link_url(settings: Settings, base_url: str, service_point: str, instrument: str, generation: int) -> str:
    """The absolute address a QR code encodes."""
    base = (settings.public_url or base_url).rstrip("/")
    return base + link_path(settings.secret_key, service_point, instrument, generation)


def resolve(
    session: Session,
    settings: Settings,
    service_point_code: str,
    instrument_code: str,
    generation: int,
    signature: str,
) -> OpenLink:
    """The open link behind a scanned address, or a :class:`LinkProblem` saying why it cannot be used."""
    keys = settings.verification_keys
    if not link_signature_valid(keys, service_point_code, instrument_code, generation, signature):
        raise LinkProblem("tampered", "this survey link is not valid: it may have been mistyped or altered")
    return current_link(session, service_point_code, instrument_code, generation)


def open_link(
    session: Session, settings: Settings, point: str, instrument: str, generation: int, signature: str
) -> OpenLink:
    """The open link, as :func:`resolve` finds it, unless its point is switched off or its point's unit has
    closed (``units.PointClosed`` / ``units.UnitClosed``, 410, naming where to answer instead): the rule every
    stored answer meets (``units.refuse_closed``), asked before the respondent fills anything in."""
    today = utcnow().astimezone(LOCAL_TIME).date()
    try:
        opened = resolve(session, settings, point, instrument, generation, signature)
    except LinkProblem as exc:
        if exc.reason == "revoked":  # the link, or its whole point, is switched off
            refuse_closed_point(session, point, today)
        raise
    refuse_closed(session, unit_id=opened.unit.id, point_id=opened.service_point.id, day=today)
    return opened


def current_link(
    session: Session, service_point_code: str, instrument_code: str, generation: int | None = None
) -> OpenLink:
    """The open link of a point for an instrument (of ``generation``, when given), or a LinkProblem."""
    point = repository.point_with_unit(session, service_point_code)
    instrument = instruments.instrument_by_code(session, instrument_code)
    link = repository.link_of(session, point.id, instrument.id) if point and instrument else None
    if point is None or instrument is None or link is None:
        raise LinkProblem("unknown", "this survey link does not exist any more")
    if generation is not None and generation != link.generation:
        raise LinkProblem("rotated", "this QR code has been replaced by a new one; please scan the new code")
    if not link.active or not point.active:
        raise LinkProblem("revoked", "this survey link has been switched off")
    version = instruments.latest_published(session, instrument.id)
    unit = session.get(OrgUnit, point.unit_id)
    if version is None or unit is None:
        raise LinkProblem("closed", "this survey is not open at the moment")
    return OpenLink(link=link, service_point=point, unit=unit, version=version)


def normalise_receipt(receipt: str) -> str:
    """A dossier number as printed, without spaces and in capitals; 422 when it cannot be one."""
    value = re.sub(r"\s+", "", receipt).upper()
    if not RECEIPT_PATTERN.match(value):
        raise InvalidInput(
            "the dossier number is not valid: copy it from your receipt (4–40 letters, digits, . / -)",
            errors=[{"item": "receipt", "problem": "not a dossier number"}],
        )
    return value


def check_receipt(session: Session, settings: Settings, point: ServicePoint, receipt: str | None) -> str:
    """The keyed hash of a dossier number not yet used at ``point``: 422 when missing or malformed, 409 when
    an answer was already given for it. Asked on the form's first step and again when the answers come in."""
    if not receipt:
        raise InvalidInput(
            "this service point asks for the dossier number printed on your receipt",
            errors=[{"item": "receipt", "problem": "this question is required and has no answer"}],
        )
    number = normalise_receipt(receipt)
    # Also as hashed under a key before a rotation: a number used then still answers only once.
    claims = keyed_hashes(settings.verification_keys, f"receipt:{point.code}", number)
    if any(repository.receipt_claimed(session, point.id, claim) for claim in claims):
        raise _receipt_used()
    return keyed_hash(settings.secret_key, f"receipt:{point.code}", number)


def submit_through_link(
    session: Session,
    settings: Settings,
    opened: OpenLink,
    payload: ResponseIn,
    *,
    device_id: str | None,
    receipt: str | None,
) -> collection.Submission:
    """Store an answer given through a QR link: once per dossier number where the point asks for one,
    and flagged (kept, excluded from indices) when the device answered here recently or the link is
    receiving a burst of answers."""
    point = opened.service_point
    if stored_response(session, payload.id) is not None:
        return collection.submit(session, payload)  # a replay: acknowledged or refused as such
    receipt_hash = check_receipt(session, settings, point, receipt) if point.requires_receipt else None
    now = utcnow()
    flags: list[str] = []
    devices = keyed_hashes(settings.verification_keys, "device", device_id) if device_id else []
    device_hash = devices[0] if devices else None
    window = timedelta(minutes=settings.qr_repeat_window_minutes)
    if any(repository.answered_from_device_since(session, point.id, device, now - window) for device in devices):
        flags.append("repeat_device")
    if repository.answers_at_point_since(session, point.id, now - timedelta(minutes=1)) >= settings.qr_burst_per_minute:
        flags.append("burst")
    outcome = collection.submit(session, payload, screening=collection.Screening(device_hash, tuple(flags)))
    if receipt_hash and outcome.created and not repository.claim_receipt(session, point.id, receipt_hash, payload.id):
        raise _receipt_used()  # a concurrent answer claimed it first; this transaction rolls back
    return outcome


def _receipt_used() -> Conflict:
    return Conflict(
        "an answer has already been given for this dossier number; thank you, one answer per dossier is counted",
        errors=[{"item": "receipt", "problem": "already used"}],
    )
