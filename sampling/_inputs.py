"""Checks of the variable and domain arguments shared by the analyses modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._errors import EstimationError
from ._util import BoolArray, FloatArray, as_float


def variable(values: npt.ArrayLike, n: int, name: str = "y") -> FloatArray:
    """A numeric variable of ``n`` rows (NaN = missing)."""
    y = as_float(values, name)
    if y.shape[0] != n:
        raise EstimationError(f"{name} has {y.shape[0]} rows but the design has {n}")
    return y


def domain_mask(domain: npt.ArrayLike | None, n: int) -> BoolArray:
    """The rows of a domain (all rows when ``domain`` is None) as a boolean array of ``n`` rows."""
    if domain is None:
        return np.ones(n, dtype=bool)
    mask = np.asarray(domain)
    if mask.shape != (n,):
        raise EstimationError(f"domain must be a boolean array of {n} rows, got shape {mask.shape}")
    return mask.astype(bool)
