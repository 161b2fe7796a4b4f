"""Segments of alike responses: rows with the same design columns and group, whose answers can be summed
before weighting (``sampling.summarise_answers``), so that the index costs one pass over the answer bytes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from survey_api.estimates.repository import DesignRows

# Rows without a PSU are PSUs of their own: when most rows have none, segments would be single rows.
_MOST = 0.5
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def segment_codes(rows: DesignRows, groups: NDArray[np.int32] | None, start: int = 0) -> NDArray[np.int64] | None:
    """A code per row (from row ``start`` on), equal for rows that share stratum, PSU, design weight, fpc, sex,
    age group, unit, channel and group; None when most rows have no PSU.

    Codes mix the columns by multiplicative hashing: two different rows may (very rarely) share a code,
    which ``sampling`` detects (:class:`sampling.SegmentMismatch`) when it matters for the estimate. A row's
    code depends on its position only through the PSU of a row without one (its own, numbered after the
    named PSUs), so codes computed before stay the codes of rows appended to since, as long as
    :func:`code_levels` is the same.
    """
    if rows.n == 0 or rows.psu.missing > _MOST * rows.n:
        return None
    part = slice(start, rows.n)
    psu = rows.psu.codes[part]
    own_psu = np.where(psu < 0, len(rows.psu.levels) + np.arange(start, rows.n), psu)
    columns: list[NDArray[np.generic]] = [
        own_psu,
        rows.stratum.codes[part],
        rows.design_weight[part].view(np.uint64),
        rows.fpc[part].view(np.uint64),
        rows.sex.codes[part],
        rows.age_group.codes[part],
        rows.unit_id[part],
        rows.channel.codes[part],
    ]
    if groups is not None:
        columns.append(groups[part])
    key = np.zeros(rows.n - start, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            key = (key ^ column.astype(np.uint64)) * _MULTIPLIER
            key ^= key >> np.uint64(29)
    return key.view(np.int64)


def code_levels(rows: DesignRows, group_names: Sequence[str] | None) -> tuple[tuple[str, ...], ...]:
    """What the rows' codes in :func:`segment_codes` stand for: the levels of the text columns and the
    groups' names (rows whose columns' codes stand for the same keep their segment codes)."""
    texts = (rows.psu, rows.stratum, rows.sex, rows.age_group, rows.channel)
    return (*(column.levels for column in texts), tuple(group_names or ()))
