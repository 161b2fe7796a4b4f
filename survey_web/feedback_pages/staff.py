"""The staff feedback pages: the list with filters and counts per unit, and an item with its answer's scores,
actions and history. Unit managers see only their units' items (403 for another's), as in the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.db.models.feedback import FEEDBACK_KINDS, FEEDBACK_STATUSES
from survey_api.deps import SessionDep, SettingsDep
from survey_api.errors import DomainError, Forbidden, NotFound
from survey_api.feedback import handling, publication, views
from survey_api.feedback.counts import counts_by_unit
from survey_api.feedback.rules import FeedbackRules, local_day, today
from survey_api.params import MAX_INT
from survey_api.units.scope import visible_units
from survey_api.units.service import units_valid_on
from survey_web.feedback_pages.display import day, history_steps, moment, score, status_word
from survey_web.feedback_pages.staff_common import LIST, lang_of, manager, page, problem, texts
from survey_web.staff.csrf import SameOriginRoute

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
SHOWN = 200
EXCERPT = 240


def unit_choices(session: Session, user: User) -> list[tuple[str, str]]:
    """(code, name) of the units valid today that the user may see, by name."""
    allowed = visible_units(session, user)
    units = [u for u in units_valid_on(session, today()) if allowed is None or u.id in allowed]
    return sorted(((u.code, u.name) for u in units), key=lambda pair: pair[1])


def _day(value: str | None) -> date | None:
    """A YYYY-MM-DD filter; ValueError when it is not one."""
    if not value:
        return None
    parsed = date.fromisoformat(value)
    if not 1900 <= parsed.year <= 2999:
        raise ValueError(value)
    return parsed


def _item_row(item: views.Listed, t: dict[str, str], lang: str) -> dict[str, Any]:
    r, f = item.row, item.row.feedback
    return {
        "id": f.id,
        "reference": f.reference,
        "kind": t[f"kind_{f.kind}"],
        "status": f.status,
        "status_text": status_word(t, f.status),
        "unit": r.unit_name or t["no_unit"],
        "point": r.point_name,
        "received": day(local_day(f.created_at), lang),
        "due": day(f.due_on, lang),
        "overdue": item.overdue,
        "low": [en if lang == "en" else vi for _code, vi, en in item.low_elements],
        "has_contact": r.has_contact,
        "excerpt": f.text if len(f.text) <= EXCERPT else f.text[:EXCERPT].rstrip() + "…",
    }


@router.get(LIST, response_class=HTMLResponse)
def feedback_list(request: Request, session: SessionDep) -> Response:
    """Items of the user's units (admins: all) with filters, and how each unit handles them."""
    user = manager(request, session)
    if isinstance(user, Response):
        return user
    lang = lang_of(request)
    t = texts(lang)
    query = request.query_params
    chosen = {key: (query.get(key) or "").strip()[:200] for key in ("unit", "kind", "status", "from", "to", "q")}
    chosen["overdue"] = "1" if query.get("overdue") == "1" else ""
    error, status = None, 200
    try:
        received_from, received_to = _day(chosen["from"]), _day(chosen["to"])
    except ValueError:
        received_from = received_to = None
        error, status = t["err_date"], 422
    kind = chosen["kind"] if chosen["kind"] in FEEDBACK_KINDS else None
    try:
        filters = views.scope_filters(
            session,
            user,
            unit=chosen["unit"] or None,
            kind=kind,
            status=chosen["status"] if chosen["status"] in FEEDBACK_STATUSES else None,
            overdue=True if chosen["overdue"] else None,
            received_from=received_from,
            received_to=received_to,
            text=chosen["q"],
        )
        counts = counts_by_unit(session, user, received_from=received_from, received_to=received_to, kind=kind)
    except Forbidden:  # a unit manager whose account has no unit
        return problem(request, user, 403, t["no_unit"])
    except NotFound:  # an unknown unit code in the address
        return problem(request, user, 404, t["err_unit"])
    items = [_item_row(item, t, lang) for item in views.listing(session, filters, limit=SHOWN)]
    done = query.get("done")
    return page(
        request,
        "feedback_list.html",
        status,
        user=user,
        chosen=chosen,
        error=error,
        units=unit_choices(session, user),
        kinds=FEEDBACK_KINDS,
        statuses=FEEDBACK_STATUSES,
        counts=counts,
        items=items,
        shown=SHOWN,
        notice=t.get(f"done_{done}") if done else None,
    )


def item_context(
    request: Request, session: Session, user: User, feedback_id: int, rules: FeedbackRules
) -> dict[str, Any]:
    """What the item page shows (raises the scope's 404/403)."""
    lang = lang_of(request)
    t = texts(lang)
    detail = views.detail(session, user, feedback_id, rules)
    f = detail.listed.row.feedback
    public_text, public_reply = publication.proposed(session, f) if f.reply else ("", "")
    return {
        "user": user,
        "item": _item_row(detail.listed, t, lang),
        "feedback": f,
        "received_at": moment(f.created_at, lang),
        "replied_at": moment(f.replied_at, lang),
        "published_on": day(local_day(f.published_at), lang) if f.published_at else None,
        "scores": [
            {"label": s.label(lang), "mean": score(s.mean, lang), "low": s.low, "answered": s.answered}
            for s in detail.scores
        ],
        "history": history_steps(detail.history, t, lang),
        "next_statuses": [(s, status_word(t, s)) for s in handling.next_statuses(f)],
        "can_reply": f.status in handling.REPLYABLE,
        "can_reassign": f.status not in handling.FINAL,
        "may_read_contact": user.role == "unit_manager" and user.unit_id == f.unit_id,
        "units": [(code, name) for code, name in _all_units(session) if code != detail.listed.row.unit_code],
        "public_text": f.public_text or public_text,
        "public_reply": f.public_reply or public_reply,
        "contact": None,
        "notice": None,
        "errors": {},
        "values": {},
    }


def _all_units(session: Session) -> list[tuple[str, str]]:
    return sorted(((u.code, u.name) for u in units_valid_on(session, today())), key=lambda pair: pair[1])


def render_item(
    request: Request,
    session: Session,
    user: User,
    feedback_id: int,
    rules: FeedbackRules,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The item page, or the problem page when it does not exist or is another unit's."""
    t = texts(lang_of(request))
    try:
        context = item_context(request, session, user, feedback_id, rules)
    except NotFound:
        return problem(request, user, 404, t["not_found"])
    except Forbidden:
        return problem(request, user, 403, t["forbidden"])
    except DomainError as exc:
        return problem(request, user, exc.status_code, exc.detail)
    return page(request, "feedback_item.html", status, **{**context, **extra})


@router.get(LIST + "/{feedback_id}", response_class=HTMLResponse)
def feedback_item(request: Request, feedback_id: str, session: SessionDep, settings: SettingsDep) -> Response:
    """One item: its answer's scores, the actions the user may take, its history."""
    user = manager(request, session)
    if isinstance(user, Response):
        return user
    number = parse_id(feedback_id)
    if number is None:
        return problem(request, user, 404, texts(lang_of(request))["not_found"])
    done = request.query_params.get("done")
    t = texts(lang_of(request))
    notice = t.get(f"done_{done}") if done else None
    return render_item(request, session, user, number, FeedbackRules.from_settings(settings), notice=notice)


def parse_id(text: str) -> int | None:
    """An id from the address; None when it cannot name an item."""
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    return int(text) if 1 <= int(text) <= MAX_INT else None
