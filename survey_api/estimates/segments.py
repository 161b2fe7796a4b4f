"""Segments of alike responses: rows with the same design columns and group, whose answers can be summed
before weighting (``sampling.summarise_answers``), so that the index costs one pass over the answer bytes."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from survey_api.estimates.repository import DesignRows

# Rows without a PSU are PSUs of their own: when most rows have none, segments would be single rows.
_MOST = 0.5
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def segment_codes(rows: DesignRows, groups: NDArray[np.int32] | None) -> NDArray[np.uint64] | None:
    """A code per row, equal for rows that share stratum, PSU, design weight, fpc, sex, age group, unit,
    channel and group; None when most rows have no PSU.

    Codes mix the columns by multiplicative hashing: two different rows may (very rarely) share a code,
    which ``sampling`` detects (:class:`sampling.SegmentMismatch`) when it matters for the estimate.
    """
    if rows.n == 0 or rows.psu.missing > _MOST * rows.n:
        return None
    own_psu = np.where(rows.psu.codes < 0, len(rows.psu.levels) + np.arange(rows.n), rows.psu.codes)
    columns: list[NDArray[np.generic]] = [
        own_psu,
        rows.stratum.codes,
        rows.design_weight.view(np.uint64),
        rows.fpc.view(np.uint64),
        rows.sex.codes,
        rows.age_group.codes,
        rows.unit_id,
        rows.channel.codes,
    ]
    if groups is not None:
        columns.append(groups)
    key = np.zeros(rows.n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            key = (key ^ column.astype(np.uint64)) * _MULTIPLIER
            key ^= key >> np.uint64(29)
    return key
