"""The design of ``survey estimate`` and ``survey index`` from their flags: strata, clusters, weights and fpc
(R's ``svydesign``), then post-stratification, raking or calibration, trimming, and replicate weights
(``as.svrepdesign``), each step one function of :mod:`sampling`."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sampling import (
    CodedColumn,
    Design,
    ReplicateDesign,
    calibrate,
    make_design,
    make_replicates,
    poststratify,
    rake,
    trim_weights,
)
from survey_api.columnar import DataFile, InputError

REPLICATE_TYPES = ("JK1", "JKn", "BRR", "Fay", "bootstrap")
# sampling's errors name its arguments; on the command line the user knows them as flags
_FLAG_OF_ARGUMENT = {
    "nest=True": "--nest",
    "lonely_psu": "--lonely-psu",
    "fay_rho": "--fay-rho",
    "an explicit numpy Generator (rng) or a seed": "--seed N",
}
INTERCEPT = "(Intercept)"


def add_design_arguments(p: argparse.ArgumentParser) -> None:
    """Design and weighting flags shared by ``survey estimate`` and ``survey index``."""
    p.add_argument("--strata", metavar="COL", help="first-stage strata")
    p.add_argument("--cluster", metavar="COL[,COL]", help="cluster ids, PSU first (comma-separated stages)")
    p.add_argument("--nest", action="store_true", help="PSU ids repeat across strata: nest them")
    p.add_argument("--weight", metavar="COL", help="sampling weights")
    p.add_argument("--fpc", metavar="COL[,COL]", help="population counts or sampling fractions per stage")
    p.add_argument(
        "--lonely-psu",
        default="fail",
        choices=["fail", "remove", "certainty", "adjust", "average"],
        help="strata with a single PSU (default: fail)",
    )
    weighting = p.add_mutually_exclusive_group()
    weighting.add_argument("--rake", metavar="MARGINS.json", help='rake: {"col": {"level": total, ...}, ...}')
    weighting.add_argument(
        "--poststratify", metavar="CELLS.json", help='post-stratify on one column: {"col": {"level": total, ...}}'
    )
    weighting.add_argument(
        "--calibrate",
        metavar="TOTALS.json",
        help='calibrate (R calibrate): {"(Intercept)": N, "numeric col": total, "col": {"level": total, ...}}; '
        "a categorical column gets one indicator per level listed",
    )
    p.add_argument("--calfun", default="linear", choices=["linear", "raking", "logit"], help="calibration distance")
    p.add_argument("--bounds", metavar="LO:HI", help="bounds of the calibration g-weights (logit needs them)")
    p.add_argument("--trim", metavar="LO:HI", help="trim weights to [LO, HI] after weighting (either may be empty)")
    p.add_argument(
        "--replicates", choices=REPLICATE_TYPES, help="replicate-weight variance instead of Taylor linearisation"
    )
    p.add_argument("--replicate-count", type=int, default=50, metavar="R", help="bootstrap replicates (default 50)")
    p.add_argument("--seed", type=int, help="random seed of the bootstrap replicates (required for bootstrap)")
    p.add_argument("--fay-rho", type=float, default=0.3, help="Fay's rho for --replicates Fay (default 0.3)")


def cli_message(error: Exception) -> str:
    """An error's message with sampling's argument names replaced by the command's flags."""
    message = str(error)
    for argument, flag in _FLAG_OF_ARGUMENT.items():
        message = message.replace(argument, flag)
    return message


def split(spec: str | None) -> list[str]:
    """Comma-separated column names."""
    return [s.strip() for s in spec.split(",") if s.strip()] if spec else []


def design_columns(args: argparse.Namespace) -> dict[str, str]:
    """Every column the design flags name, with the flag naming it (JSON margins are read here too)."""
    cols: dict[str, str] = {}
    for flag, spec in (("--weight", args.weight), ("--strata", args.strata)):
        if spec:
            cols.setdefault(spec, flag)
    for flag, spec in (("--cluster", args.cluster), ("--fpc", args.fpc)):
        for c in split(spec):
            cols.setdefault(c, flag)
    for flag in ("rake", "poststratify", "calibrate"):
        spec = getattr(args, flag)
        if spec:
            for c in load_margins(spec, flag):
                if c != INTERCEPT:
                    cols.setdefault(c, f"--{flag}")
    return cols


@dataclass
class Analysis:
    """The design an estimate uses (Taylor, or replicate when ``replicates`` is set) and what was done."""

    design: Design
    replicates: ReplicateDesign | None = None
    info: dict[str, object] = field(default_factory=dict)


def load_margins(path: str, flag: str) -> dict[str, Any]:
    """The JSON object of ``--rake``, ``--poststratify`` or ``--calibrate``."""
    try:
        with open(path, encoding="utf-8") as fh:
            margins = json.load(fh)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if flag == "calibrate":
        if not isinstance(margins, dict) or not margins:
            raise InputError(f'{path} must look like {{"(Intercept)": N, "column": total or {{"level": total}}}}')
        return margins
    if not isinstance(margins, dict) or not margins or not all(isinstance(v, dict) for v in margins.values()):
        raise InputError(f'{path} must look like {{"column": {{"level": total, ...}}, ...}}')
    if flag == "poststratify" and len(margins) != 1:
        raise InputError(f"{path}: --poststratify takes one column (rake for several margins)")
    return margins


def _totals(path: str, margin: dict[str, Any]) -> dict[object, float]:
    try:
        return {str(k): float(v) for k, v in margin.items()}
    except (TypeError, ValueError):
        raise InputError(f"{path}: population totals must be numbers") from None


def _interval(spec: str, flag: str) -> tuple[float, float]:
    lo_s, sep, hi_s = spec.partition(":")
    if not sep:
        raise InputError(f"{flag} must be LO:HI (either may be empty), got {spec!r}")
    try:
        lo = float(lo_s) if lo_s.strip() else -math.inf
        hi = float(hi_s) if hi_s.strip() else math.inf
    except ValueError:
        raise InputError(f"{flag} must be LO:HI with numbers, got {spec!r}") from None
    return lo, hi


def _weights(data: DataFile, column: str) -> npt.NDArray[np.float64]:
    w = data.numeric(column, "--weight", allow_missing=False)
    negative = w < 0
    if negative.any():
        i = int(np.argmax(negative))
        raise InputError(f"--weight column {column!r}: negative weight {w[i]:g} on {data.where(i)}")
    return w


def build_analysis(args: argparse.Namespace, data: DataFile) -> Analysis:
    """Design, weighting and replicates as the flags ask; :class:`InputError` for flags that do not fit."""
    strata = data.labels(args.strata, "--strata") if args.strata else None
    clusters = [data.labels(c, "--cluster") for c in split(args.cluster)] or None
    fpc = [data.numeric(c, "--fpc", allow_missing=False) for c in split(args.fpc)] or None
    design = make_design(
        data.n,
        weights=_weights(data, args.weight) if args.weight else None,
        strata=strata,
        clusters=clusters,
        fpc=fpc,
        nest=args.nest,
        lonely_psu=args.lonely_psu,
    )
    analysis = Analysis(design)
    if args.replicates:
        if args.trim:
            raise InputError("--trim cannot be combined with --replicates")
        analysis.replicates = make_replicates(
            design,
            args.replicates,
            replicates=args.replicate_count,
            seed=args.seed,
            fay_rho=args.fay_rho,
        )
        analysis.info["replicates"] = {"type": args.replicates, "count": analysis.replicates.n_replicates}
    if args.rake:
        _rake(args, data, analysis)
    elif args.poststratify:
        margins = load_margins(args.poststratify, "poststratify")
        ((column, cells),) = margins.items()
        values = data.labels(column, "--poststratify")
        totals = _totals(args.poststratify, cells)
        if analysis.replicates is not None:
            analysis.replicates = analysis.replicates.poststratify(values, totals, name=column)
        analysis.design = poststratify(analysis.design, [values], totals, names=[column])
        analysis.info["poststratify"] = column
    elif args.calibrate:
        _calibrate(args, data, analysis)
    if args.trim:
        lo, hi = _interval(args.trim, "--trim")
        analysis.design = trim_weights(analysis.design, lower=lo, upper=hi)
        analysis.info["trim"] = {"lower": None if math.isinf(lo) else lo, "upper": None if math.isinf(hi) else hi}
    return analysis


def _rake(args: argparse.Namespace, data: DataFile, analysis: Analysis) -> None:
    margins = load_margins(args.rake, "rake")
    cols = [data.labels(c, "--rake margin") for c in margins]
    pops = [_totals(args.rake, m) for m in margins.values()]
    res = rake(analysis.design, cols, pops, names=list(margins))
    analysis.design = res.design
    if analysis.replicates is not None:
        analysis.replicates = analysis.replicates.rake(cols, pops, names=list(margins))
    analysis.info["raking"] = {
        "margins": list(margins),
        "converged": res.converged,
        "iterations": res.iterations,
        "max_error": res.max_error,
    }


def _calibrate(args: argparse.Namespace, data: DataFile, analysis: Analysis) -> None:
    spec = load_margins(args.calibrate, "calibrate")
    columns: list[npt.NDArray[np.float64]] = []
    totals: list[float] = []
    names: list[str] = []
    for column, value in spec.items():
        if isinstance(value, dict):
            labels = data.labels(column, "--calibrate")
            for level, total in _totals(args.calibrate, value).items():
                columns.append(_is_level(labels, str(level)))
                totals.append(total)
                names.append(f"{column}{level}")
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise InputError(f"{args.calibrate}: the total of {column!r} must be a number or {{level: total}}")
        columns.append(
            np.ones(data.n) if column == INTERCEPT else data.numeric(column, "--calibrate", allow_missing=False)
        )
        totals.append(float(value))
        names.append(column)
    bounds = _interval(args.bounds, "--bounds") if args.bounds else (-math.inf, math.inf)
    x = np.column_stack(columns)
    res = calibrate(analysis.design, x, np.asarray(totals), calfun=args.calfun, bounds=bounds)
    analysis.design = res.design
    if analysis.replicates is not None:
        analysis.replicates = analysis.replicates.calibrate(x, np.asarray(totals), calfun=args.calfun, bounds=bounds)
    analysis.info["calibration"] = {"variables": names, "calfun": args.calfun, "converged": res.converged}


def _is_level(labels: npt.NDArray[Any] | CodedColumn, level: str) -> npt.NDArray[np.float64]:
    """1.0 on the rows whose label is ``level``."""
    if isinstance(labels, CodedColumn):
        where = np.flatnonzero(labels.labels == level)
        return np.isin(labels.codes, where).astype(np.float64)
    arr = np.asarray(labels)
    if arr.dtype.kind == "f":
        try:
            return np.asarray(arr == float(level), dtype=np.float64)
        except ValueError:
            return np.zeros(arr.shape[0])
    return np.asarray(arr.astype(str) == level, dtype=np.float64)
