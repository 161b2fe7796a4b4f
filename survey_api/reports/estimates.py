"""The estimates a report and the staff results page rest on, one rule each: the index of a selection with
its confidence intervals, and the change of a share since the previous period with its significance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from sampling.compare import difference_significant
from survey_api.db.models import User
from survey_api.estimates.params import Breakdown, IndexParams
from survey_api.estimates.schemas import IndicesOut
from survey_api.estimates.service import indices
from survey_api.reports.model import Change
from survey_api.settings import Settings

CONFIDENCE = 0.95


def index_with_ci(
    session: Session,
    selection: Mapping[str, Any],
    *,
    viewer: User,
    settings: Settings,
    by: Breakdown | None = None,
    compare: bool = True,
) -> IndicesOut:
    """``GET /api/v1/indices`` for ``selection`` (instrument, from, to, unit), weighted when the design or
    margins call for it; otherwise with unit weights (``weighted=true``), which gives the same estimates and
    their standard errors and CIs. ``compare`` False leaves out the previous period."""
    params = IndexParams.model_validate({**selection, "by": by})
    # A breakdown already comes with standard errors.
    return indices(session, params, viewer=viewer, settings=settings, compare=compare, with_se=by is None)


def change_between(
    now: float | None,
    now_se: float | None,
    before: float | None,
    before_se: float | None,
    level: float = CONFIDENCE,
) -> Change | None:
    """The change from ``before`` to ``now`` (two independent estimates), significant when it exceeds the
    sampling error at ``level``; None when either share is unknown."""
    if now is None or before is None:
        return None
    delta = now - before
    significant = difference_significant(delta, now_se or 0.0, before_se or 0.0, level)
    return Change(before, delta, significant)


def previous_change(index: IndicesOut) -> Change | None:
    """The index's change since the previous period as ``GET /api/v1/indices`` gives it (None without one)."""
    before = index.previous_period
    if before is None or before.satisfied is None or before.change is None:
        return None
    return Change(before.satisfied, before.change, before.significant)
