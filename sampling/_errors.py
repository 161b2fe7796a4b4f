"""Exceptions raised by :mod:`sampling`."""

from __future__ import annotations


class SamplingError(ValueError):
    """Base class of every error raised by :mod:`sampling`."""


class DesignError(SamplingError):
    """The survey design is inconsistent (nesting, fpc, weights, lonely PSUs)."""


class WeightingError(SamplingError):
    """Weights cannot be adjusted as asked (cells, margins, bounds)."""


class ConvergenceError(WeightingError):
    """An iterative weighting procedure did not converge."""


class EstimationError(SamplingError):
    """An estimate cannot be computed from the data given."""
