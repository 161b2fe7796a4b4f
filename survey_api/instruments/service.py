"""Rules for instruments: import a document as a version, publish it, retire it; published is immutable."""

from __future__ import annotations

import json
from collections.abc import Sequence

import yaml
from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.base import utcnow
from survey_api.db.models import Instrument, InstrumentVersion, User
from survey_api.db.models.instruments import DRAFT, PUBLISHED, RETIRED
from survey_api.errors import Conflict, InvalidInput, NotFound
from survey_api.hashing import canonical_digest
from survey_api.instruments import repository
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.loader import (
    InstrumentFileError,
    load_instrument_file,
    official_instrument_files,
    parse_document,
)


def import_document(
    session: Session, document: InstrumentDocument, *, user: User | None, publish: bool
) -> tuple[InstrumentVersion, bool]:
    """Store ``document`` as its instrument's version; returns the version and whether anything changed.

    Importing the same content again changes nothing. A draft version may be replaced; a published or
    retired one may not (409): its content is frozen, and a change needs a new version number.
    """
    content = document.model_dump(mode="json", exclude_none=True)
    digest = canonical_digest(content)
    instrument = repository.instrument_by_code(session, document.code)
    if instrument is None:
        instrument = Instrument(code=document.code, sector=document.sector)
        session.add(instrument)
        session.flush()
    elif instrument.sector != document.sector:
        raise InvalidInput(
            f"instrument {document.code} belongs to the {instrument.sector} sector, not {document.sector}"
        )
    version = repository.version_of(session, instrument.id, document.version)
    changed = False
    if version is None:
        version = InstrumentVersion(instrument=instrument, version=document.version, status=DRAFT)
        session.add(version)
        changed = True
    elif version.content_hash != digest:
        if version.status != DRAFT:
            raise Conflict(
                f"{document.code} version {document.version} is {version.status} and cannot change; "
                f"import the new content as version {_next_version(instrument)}"
            )
        changed = True
    if changed:
        version.title = document.title.vi
        version.confidence = document.confidence
        version.source = document.source
        version.content = content
        version.content_hash = digest
        version.score_items = document.score_items()
        session.flush()
        audit.record(session, user, "instrument.import", f"{document.code} v{document.version}", hash=digest)
    if publish and version.status == DRAFT:
        publish_version(session, version, user=user)
        changed = True
    return version, changed


def _next_version(instrument: Instrument) -> int:
    return max((v.version for v in instrument.versions), default=0) + 1


def publish_version(session: Session, version: InstrumentVersion, *, user: User | None) -> None:
    """Make a draft version answerable; from now on it is immutable."""
    _move(session, version, DRAFT, PUBLISHED, user=user)
    version.published_at = utcnow()


def retire_version(session: Session, version: InstrumentVersion, *, user: User | None) -> None:
    """Stop offering a published version; its responses stay."""
    _move(session, version, PUBLISHED, RETIRED, user=user)
    version.retired_at = utcnow()


def _move(session: Session, version: InstrumentVersion, before: str, after: str, *, user: User | None) -> None:
    if version.status != before:
        raise Conflict(f"version {version.id} is {version.status}; only a {before} version can become {after}")
    version.status = after
    session.flush()
    action = {PUBLISHED: "publish", RETIRED: "retire"}[after]
    audit.record(session, user, f"instrument.{action}", f"{version.instrument.code} v{version.version}")


def import_file(
    session: Session, name: str, data: bytes, *, user: User | None, publish: bool
) -> tuple[InstrumentVersion, bool]:
    """Import an uploaded instrument file (YAML, JSON or an XLSForm workbook, told by its name) as
    :func:`import_document` does; :class:`InstrumentFileError` (a ValueError) names what is wrong with the file
    (a workbook's problems: 422 listing each with its sheet and row)."""
    from survey_api.instruments.xlsform import XLSFormError, import_xlsform, is_xlsform, problem_items

    if is_xlsform(name, data):
        try:
            document = import_xlsform(data, name)
        except XLSFormError as exc:
            raise InvalidInput(str(exc), errors=problem_items(exc)) from None
        return import_document(session, document, user=user, publish=publish)
    try:
        text = data.decode("utf-8")
        parsed = json.loads(text) if name.lower().endswith(".json") else yaml.safe_load(text)
    except (UnicodeDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise InstrumentFileError(f"{name}: cannot be read: {exc}") from None
    return import_document(session, parse_document(parsed, name), user=user, publish=publish)


def start_new_version(session: Session, version: InstrumentVersion, *, user: User | None) -> InstrumentVersion:
    """A draft copy of a published (or retired) version under the instrument's next version number, to edit and
    import again before it is published; 409 for a draft (change the draft itself)."""
    if version.status == DRAFT:
        raise Conflict(f"version {version.id} is a draft: import the changed content as the same version")
    content = dict(version.content) | {"version": _next_version(version.instrument)}
    draft, _changed = import_document(session, InstrumentDocument.model_validate(content), user=user, publish=False)
    audit.record(
        session, user, "instrument.new_version", f"{version.instrument.code} v{draft.version}", source=version.id
    )
    return draft


def list_versions(session: Session) -> Sequence[InstrumentVersion]:
    """Every version of every instrument (drafts and retired ones too), by code then version."""
    return repository.all_versions(session)


def get_version(session: Session, version_id: int, *, published_only: bool = False) -> InstrumentVersion:
    """A version by id, or 404."""
    version = repository.version_by_id(session, version_id)
    if version is None or (published_only and version.status != PUBLISHED):
        raise NotFound(f"no published instrument version {version_id}")
    return version


def list_published(session: Session) -> Sequence[InstrumentVersion]:
    """The versions people can answer now."""
    return repository.published_versions(session)


def load_official(session: Session, *, user: User | None = None) -> list[InstrumentVersion]:
    """Import and publish the instruments shipped with the platform (idempotent)."""
    return [
        import_document(session, load_instrument_file(path), user=user, publish=True)[0]
        for path in official_instrument_files()
    ]


_documents: dict[str, InstrumentDocument] = {}


def document_of(version: InstrumentVersion) -> InstrumentDocument:
    """The validated document of a stored version, parsed once per content hash."""
    document = _documents.get(version.content_hash)
    if document is None:
        document = _documents[version.content_hash] = InstrumentDocument.model_validate(version.content)
    return document


def version_for(session: Session, code: str, version: int | None) -> InstrumentVersion:
    """Version ``version`` of the instrument ``code`` (default: its latest published one), or 404."""
    instrument = repository.instrument_by_code(session, code)
    if instrument is None:
        raise NotFound(f"no instrument {code!r}")
    chosen = (
        repository.version_of(session, instrument.id, version)
        if version is not None
        else repository.latest_published(session, instrument.id)
    )
    if chosen is None:
        raise NotFound(f"{code} has no {'version ' + str(version) if version else 'published version'}")
    return chosen


def instrument_by_code(session: Session, code: str) -> Instrument | None:
    """The instrument with this code, if any."""
    return repository.instrument_by_code(session, code)


def version_by_id(session: Session, version_id: int) -> InstrumentVersion | None:
    """A version by id, if any (any status)."""
    return repository.version_by_id(session, version_id)


def version_of(session: Session, instrument_id: int, version: int) -> InstrumentVersion | None:
    """Version number ``version`` of an instrument, if any (any status)."""
    return repository.version_of(session, instrument_id, version)


def latest_published(session: Session, instrument_id: int) -> InstrumentVersion | None:
    """The instrument's newest published version, if any."""
    return repository.latest_published(session, instrument_id)
