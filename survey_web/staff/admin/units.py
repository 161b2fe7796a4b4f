"""Admin pages for the units over time: the dated hierarchy as a tree for any day, the crosswalk from closed
units to their successors, and creating, renaming, moving, closing (with successors), merging, splitting units
with validity dates, or importing a CSV of them. Through
``survey_api.units.service``; its errors' ``reason`` keys become sentences in the page's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from survey_api.db.models import User
from survey_api.deps import SessionDep
from survey_api.errors import DomainError, InvalidInput
from survey_api.units import service as units
from survey_web.pages import Form
from survey_web.staff.admin.common import ADMIN, admin, day_of, done, message, page, text, texts, today
from survey_web.staff.csrf import SameOriginRoute

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
UNITS = ADMIN + "/units"
KINDS = ("province", "district", "commune", "ward", "city", "agency", "hospital", "school")
MAX_FILE = 5_000_000


def _units_page(
    request: Request, session: Session, user: User, day: date, status: int = 200, error: str | None = None
) -> HTMLResponse:
    return page(
        request,
        "units.html",
        user,
        status,
        shown_day=day,
        roots=units.tree_on(session, day),
        crosswalk=units.crosswalk(session),
        one_day=timedelta(days=1),
        kinds=KINDS,
        error=error,
    )


def _shown_day(request: Request) -> date:
    """The day asked for in ``?day=`` (today when none); ValueError when it is not a date."""
    return day_of(request.query_params.get("day") or "") or today()


@router.get(UNITS, response_class=HTMLResponse)
def units_page(request: Request, session: SessionDep) -> Response:
    """The map of units valid on a day, as a tree, and the forms that change it."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    try:
        day = _shown_day(request)
    except ValueError:
        return _units_page(request, session, user, today(), 422, texts(request)["err_date"])
    return _units_page(request, session, user, day)


def _shares(raw: str) -> list[tuple[str, float]]:
    """Lines of ``code share`` (share 1 when left out); ValueError for a share that is not a number."""
    pairs = []
    for line in raw.splitlines():
        parts = line.replace(";", " ").replace(",", " ").split()
        if parts:
            pairs.append((parts[0], float(parts[1]) if len(parts) > 1 else 1.0))
    return pairs


def _change(request: Request, session: Session, form_day: str, act: Callable[[User], object]) -> Response:
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    t = texts(request)
    try:
        act(user)
    except ValueError:  # a date or a share that is not one
        session.rollback()
        return _units_page(request, session, user, today(), 422, t["err_date"])
    except DomainError as exc:
        session.rollback()
        return _units_page(request, session, user, today(), exc.status_code, message(exc, t))
    back = f"{UNITS}?day={form_day}" if form_day else UNITS
    return done(request, back, "saved")


def _required_day(value: str) -> date:
    found = day_of(value)
    if found is None:
        raise InvalidInput("a date is needed", errors=[{"item": "valid_from", "reason": "bad_dates"}])
    return found


@router.post(UNITS + "/create", response_class=HTMLResponse)
def create_unit(request: Request, session: SessionDep, form: Form) -> Response:
    """Create a unit valid from a day (and to one, when given)."""
    valid_from = text(form, "valid_from", 10)

    def act(user: User) -> None:
        new = units.NewUnit(
            code=text(form, "code", 64),
            name=text(form, "name"),
            kind=text(form, "kind", 32),
            parent=text(form, "parent", 64) or None,
        )
        units.create(session, user, new, valid_from=_required_day(valid_from), valid_to=day_of(text(form, "valid_to")))

    return _change(request, session, valid_from, act)


@router.post(UNITS + "/rename", response_class=HTMLResponse)
def rename_unit(request: Request, session: SessionDep, form: Form) -> Response:
    """Give a unit a new name from a day on; earlier days keep the old one."""
    valid_from = text(form, "valid_from", 10)

    def act(user: User) -> None:
        units.rename(
            session, user, text(form, "code", 64), name=text(form, "name"), valid_from=_required_day(valid_from)
        )

    return _change(request, session, valid_from, act)


@router.post(UNITS + "/move", response_class=HTMLResponse)
def move_unit(request: Request, session: SessionDep, form: Form) -> Response:
    """Put a unit under another parent (or at the top) from a day on; earlier days keep the old parent."""
    valid_from = text(form, "valid_from", 10)

    def act(user: User) -> None:
        parent = text(form, "parent", 64) or None
        units.move(session, user, text(form, "code", 64), parent=parent, valid_from=_required_day(valid_from))

    return _change(request, session, valid_from, act)


@router.post(UNITS + "/close", response_class=HTMLResponse)
def close_unit(request: Request, session: SessionDep, form: Form) -> Response:
    """Close a unit after its last valid day, naming its successors and their shares."""
    valid_to = text(form, "valid_to", 10)

    def act(user: User) -> None:
        successors = _shares(str(form.get("successors") or "")[:10_000])
        units.close(session, user, text(form, "code", 64), valid_to=_required_day(valid_to), successors=successors)

    return _change(request, session, "", act)


@router.post(UNITS + "/merge", response_class=HTMLResponse)
def merge_units(request: Request, session: SessionDep, form: Form) -> Response:
    """Merge units into one (existing) unit from a day on."""
    valid_from = text(form, "valid_from", 10)

    def act(user: User) -> None:
        codes = [code for code, _share in _shares(str(form.get("codes") or "")[:10_000])]
        units.merge(session, user, codes, text(form, "into", 64), valid_from=_required_day(valid_from))

    return _change(request, session, valid_from, act)


@router.post(UNITS + "/split", response_class=HTMLResponse)
def split_unit(request: Request, session: SessionDep, form: Form) -> Response:
    """Split a unit into (existing) units with shares, from a day on."""
    valid_from = text(form, "valid_from", 10)

    def act(user: User) -> None:
        parts: list[tuple[units.NewUnit | str, float]] = list(_shares(str(form.get("parts") or "")[:10_000]))
        units.split(session, user, text(form, "code", 64), parts, valid_from=_required_day(valid_from))

    return _change(request, session, valid_from, act)


@router.post(UNITS + "/import", response_class=HTMLResponse)
def import_units(request: Request, session: SessionDep, form: Form) -> Response:
    """Import a CSV of units (code, name, level, parent, valid_from, valid_to, successors): all rows or none."""
    upload = form.get("file")

    def act(user: User) -> None:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("no file", errors=[{"item": "file"}])
        data = upload.file.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise InvalidInput("file too large", errors=[{"item": "file"}])
        units.import_csv(session, user, data)

    return _change(request, session, "", act)
