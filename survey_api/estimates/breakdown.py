"""Domains of a breakdown (``by=``): each row's group and the groups' names."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from survey_api.estimates.params import Breakdown, PeriodLength
from survey_api.estimates.repository import DesignRows, Labels, unit_codes


def group_values(
    session: Session, rows: DesignRows, by: Breakdown, period: PeriodLength
) -> tuple[NDArray[np.int32], list[str]]:
    """Each row's group (-1: none) and the groups' names in order."""
    if by == "unit":
        # Unit ids are small numbers: counted and looked up in a table, not sorted (a million rows each request).
        known = rows.unit_id >= 0
        present = np.bincount(rows.unit_id[known]) if known.any() else np.zeros(0, np.int64)
        ids = np.flatnonzero(present)
        table = np.full(len(present) + 1, -1, dtype=np.int32)  # the last entry: a missing unit (-1)
        table[ids] = np.arange(len(ids), dtype=np.int32)
        found = unit_codes(session, ids.tolist())
        column = Labels(table[rows.unit_id], tuple(found.get(int(i), "") for i in ids))
    elif by == "period":
        months = rows.observed_on.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        if period == "quarter":
            months -= months % 3
        present, inverse = np.unique(months, return_inverse=True)
        names = [
            f"{1970 + m // 12}-Q{m % 12 // 3 + 1}" if period == "quarter" else f"{1970 + m // 12}-{m % 12 + 1:02d}"
            for m in present.tolist()
        ]
        column = Labels(inverse.astype(np.int32).reshape(-1), tuple(names))
    else:
        column = getattr(rows, by)
    # Groups in the order of their names, as before.
    order = sorted(range(len(column.levels)), key=lambda k: column.levels[k])
    rank = np.empty(len(order) + 1, dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    rank[-1] = -1
    return rank[column.codes], [column.levels[k] for k in order]
