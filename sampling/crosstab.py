"""Weighted two-way tables (R's ``svytable``) and the Rao–Scott test of association (``svychisq``).

The test follows ``svychisq``'s default ``statistic="F"``: Pearson's X² of the weighted table, divided by
the trace of the design-effect matrix ``Delta`` of the interaction contrasts, is compared with an F
distribution on ``d0 = tr(Delta)^2 / tr(Delta^2)`` and ``d0 * nu`` degrees of freedom, ``nu`` being the
design's PSUs minus strata (all rows, as R counts them). ``"Chisq"`` reports X² with the p-value of the first-order
correction ``X² / mean(diag Delta)`` on ``(r - 1)(c - 1)`` df. Rows missing either variable, or outside the domain,
are left out of the table but kept in the design. Categories are those present (non-zero weight) in the
table; R also keeps categories absent from the domain, where its test is undefined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from ._errors import EstimationError
from ._inputs import domain_mask
from ._util import FloatArray, bincount
from .covariance import sparse_score_block, taylor_covariance
from .design import Design
from .estimate import domain_codes

__all__ = ["CrossTab", "RaoScottTest", "crosstab", "rao_scott"]


@dataclass(frozen=True)
class CrossTab:
    """Weighted counts (rows × columns), cell shares of the table and their design SEs."""

    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    counts: FloatArray
    shares: FloatArray
    share_se: FloatArray
    n: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready mapping."""
        return {
            "rows": list(self.row_labels),
            "columns": list(self.col_labels),
            "counts": self.counts.tolist(),
            "shares": self.shares.tolist(),
            "share_se": self.share_se.tolist(),
            "n": self.n,
        }


@dataclass(frozen=True)
class RaoScottTest:
    """Rao–Scott adjusted Pearson test: ``statistic`` is F (or the adjusted X² for ``"Chisq"``)."""

    method: str
    statistic: float
    ndf: float
    ddf: float | None
    p_value: float
    pearson: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready mapping (undefined values become None)."""

        def clean(v: float | None) -> float | None:
            return None if v is None or not np.isfinite(v) else float(v)

        return {
            "method": self.method,
            "statistic": clean(self.statistic),
            "ndf": clean(self.ndf),
            "ddf": clean(self.ddf),
            "p_value": clean(self.p_value),
            "pearson": clean(self.pearson),
        }


@dataclass(frozen=True)
class _Cells:
    codes: npt.NDArray[np.intp]  # cell of every row (row category fastest), -1 when out of the table
    n_rows: int
    n_cols: int
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]


def _cells(design: Design, rows: npt.ArrayLike, cols: npt.ArrayLike, domain: npt.ArrayLike | None) -> _Cells:
    r_codes, r_labels = domain_codes([rows], ["row"])
    c_codes, c_labels = domain_codes([cols], ["column"])
    if r_codes.shape[0] != design.n or c_codes.shape[0] != design.n:
        raise EstimationError(f"table variables must have {design.n} rows like the design")
    keep = (r_codes >= 0) & (c_codes >= 0) & (design.weights != 0) & domain_mask(domain, design.n)
    # keep the categories present in the table, in sorted order
    r_used = np.unique(r_codes[keep])
    c_used = np.unique(c_codes[keep])
    if r_used.size < 2 or c_used.size < 2:
        raise EstimationError(
            f"a two-way table needs at least two categories on each side, got {r_used.size} × {c_used.size}"
        )
    r_map = np.full(len(r_labels), -1, dtype=np.intp)
    r_map[r_used] = np.arange(r_used.size)
    c_map = np.full(len(c_labels), -1, dtype=np.intp)
    c_map[c_used] = np.arange(c_used.size)
    codes = np.where(keep, r_map[np.maximum(r_codes, 0)] + r_used.size * c_map[np.maximum(c_codes, 0)], -1)
    return _Cells(
        codes.astype(np.intp),
        int(r_used.size),
        int(c_used.size),
        tuple(r_labels[i][0][1] for i in r_used),
        tuple(c_labels[j][0][1] for j in c_used),
    )


def _shares(design: Design, cells: _Cells) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    """Weighted counts, cell shares and the design covariance of the shares (``svymean(~interaction)``)."""
    k = cells.n_rows * cells.n_cols
    inside = cells.codes >= 0
    w = np.where(inside, design.weights, 0.0)
    counts = bincount(np.maximum(cells.codes, 0), weights=w, minlength=k)
    total = counts.sum()
    shares = counts / total
    block = sparse_score_block(cells.codes, w / total, dense=(w / total, shares))
    cov = taylor_covariance(design, block, k)
    return counts, shares, cov, int(np.count_nonzero(inside))


def crosstab(
    design: Design, rows: npt.ArrayLike, cols: npt.ArrayLike, *, domain: npt.ArrayLike | None = None
) -> CrossTab:
    """Weighted table of ``rows`` × ``cols`` (``svytable``) with cell shares and their SEs."""
    cells = _cells(design, rows, cols, domain)
    counts, shares, cov, n = _shares(design, cells)
    shape = (cells.n_rows, cells.n_cols)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    return CrossTab(
        cells.row_labels,
        cells.col_labels,
        counts.reshape(shape, order="F"),
        shares.reshape(shape, order="F"),
        se.reshape(shape, order="F"),
        n,
    )


def _contrast_basis(nr: int, nc: int) -> FloatArray:
    """Interaction columns of the saturated model, made orthogonal to the main effects (R's ``Cmat``)."""
    r = np.tile(np.arange(nr), nc)
    c = np.repeat(np.arange(nc), nr)
    main = np.column_stack(
        [np.ones(nr * nc)]
        + [(r == i).astype(float) for i in range(1, nr)]
        + [(c == j).astype(float) for j in range(1, nc)]
    )
    inter = np.column_stack([((r == i) & (c == j)).astype(float) for j in range(1, nc) for i in range(1, nr)])
    beta = np.linalg.lstsq(main, inter, rcond=None)[0]
    return np.asarray(inter - main @ beta)


def rao_scott(
    design: Design,
    rows: npt.ArrayLike,
    cols: npt.ArrayLike,
    *,
    domain: npt.ArrayLike | None = None,
    statistic: Literal["F", "Chisq"] = "F",
) -> RaoScottTest:
    """Rao–Scott test of independence of ``rows`` and ``cols``, as ``svychisq(~rows + cols, design)``."""
    if statistic not in ("F", "Chisq"):
        raise EstimationError(f"statistic must be F or Chisq, got {statistic!r}")
    cells = _cells(design, rows, cols, domain)
    counts, shares, cov, _ = _shares(design, cells)
    n_total = float(design.n)  # R scales the table to nrow(design); F does not depend on it
    table = (counts * n_total / counts.sum()).reshape((cells.n_rows, cells.n_cols), order="F")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    pearson = float(((table - expected) ** 2 / expected).sum())
    cmat = _contrast_basis(cells.n_rows, cells.n_cols)
    inv_share = np.divide(1.0, shares, out=np.zeros_like(shares), where=shares != 0)
    scaled = cmat * inv_share[:, None]
    denom = cmat.T @ scaled / n_total
    numer = scaled.T @ cov @ scaled
    delta = np.linalg.solve(denom, numer)
    trace = float(np.trace(delta))
    nu = float(design.n_psu - design.n_strata)
    if statistic == "F":
        d0 = trace**2 / float(np.trace(delta @ delta))
        f = pearson / trace
        p = float(special.fdtrc(d0, d0 * nu, f))
        return RaoScottTest("F", f, d0, d0 * nu, p, pearson)
    ndf = float(delta.shape[1])
    p = float(special.chdtrc(ndf, pearson / (trace / ndf)))
    return RaoScottTest("Chisq", pearson, ndf, None, p, pearson)  # R reports X² itself with this p-value
