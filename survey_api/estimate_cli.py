"""``survey estimate``: design-based estimates from a CSV or Parquet file, for analysts.

Means, shares (``--satisfied``), totals and ratios, overall and by domains, with Taylor-linearisation or
replicate-weight SEs, as R's survey package gives them. Reads only the columns it needs (see
:mod:`survey_api.columnar`) and imports only :mod:`sampling`. Bad input exits with status 2 and one line on
stderr saying what to fix.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from sampling import Estimate, SamplingError, by_domain, replicate_estimate
from survey_api.columnar import DataFile, InputError, read_data
from survey_api.estimate_design import (
    Analysis,
    add_design_arguments,
    build_analysis,
    cli_message,
    design_columns,
    split,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``estimate`` subcommand."""
    p = subparsers.add_parser(
        "estimate",
        help="design-based means, shares, totals or ratios with SEs and CIs from a CSV or Parquet file",
        description="Weighted means (or, with --satisfied, shares of answers in a set), totals or ratios with "
        "design-based standard errors, like R's survey package. Empty cells, NA and . are missing.",
    )
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``survey estimate`` (shared with a stand-alone parser in tests)."""
    p.add_argument("data", metavar="DATA.csv", help="CSV file with a header row, or a .parquet file")
    p.add_argument("--var", action="append", required=True, metavar="COL", help="variable to estimate (repeatable)")
    p.add_argument(
        "--statistic",
        default="mean",
        choices=["mean", "total", "ratio"],
        help="mean (a share with --satisfied), total, or ratio of --var to --denominator (default mean)",
    )
    p.add_argument("--denominator", metavar="COL", help="denominator of --statistic ratio")
    p.add_argument("--by", metavar="COL[,COL]", help="domains: one or more columns, comma-separated")
    p.add_argument("--overall", action="store_true", help="with --by, also the estimate over all rows (first)")
    p.add_argument("--satisfied", metavar="V,V", help="estimate the share of answers in this set, e.g. 4,5")
    add_design_arguments(p)
    p.add_argument("--ci", default="logit", choices=["logit", "beta", "wilson", "wald"], help="CI for proportions")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--format", default="table", choices=["table", "json", "csv"], help="output format")


def _needed_columns(args: argparse.Namespace) -> dict[str, str]:
    cols = dict.fromkeys(args.var, "--var")
    if args.denominator:
        cols.setdefault(args.denominator, "--denominator")
    for c in split(args.by):
        cols.setdefault(c, "--by")
    for c, flag in design_columns(args).items():
        cols.setdefault(c, flag)
    return cols


def _satisfied(args: argparse.Namespace) -> list[float] | None:
    if args.satisfied is None:
        return None
    try:
        satisfied = [float(v) for v in split(args.satisfied)]
    except ValueError:
        raise InputError(f"--satisfied must be numbers separated by commas, got {args.satisfied!r}") from None
    if not satisfied:
        raise InputError("--satisfied needs at least one value")
    return satisfied


def _statistic(args: argparse.Namespace, satisfied: list[float] | None) -> str:
    if args.statistic == "ratio":
        if not args.denominator:
            raise InputError("--statistic ratio needs --denominator COL")
        if satisfied is not None:
            raise InputError("--satisfied cannot be combined with --statistic ratio")
        return "ratio"
    if args.denominator:
        raise InputError("--denominator is only for --statistic ratio")
    if args.statistic == "total":
        return "total"
    return "proportion" if satisfied is not None else "mean"


def _estimates(args: argparse.Namespace, data: DataFile, analysis: Analysis) -> list[Estimate]:
    satisfied = _satisfied(args)
    statistic = _statistic(args, satisfied)
    if not 0 < args.level < 1:
        raise InputError(f"--level must lie between 0 and 1, got {args.level}")
    by_cols = split(args.by)
    by_values = [data.labels(c, "--by", allow_missing=True) for c in by_cols]
    ones: list[npt.NDArray[np.int64]] = [np.zeros(data.n, dtype=np.int64)]
    groupings: list[tuple[list[object], list[str] | None]] = []
    if not by_cols or args.overall:
        groupings.append((list(ones), None))
    if by_cols:
        groupings.append((list(by_values), by_cols))
    denominator = data.numeric(args.denominator, "--denominator") if args.denominator else None
    out: list[Estimate] = []
    for var in args.var:
        y = data.numeric(var, "--var")
        if satisfied is not None and statistic == "total":
            y = np.where(np.isnan(y), np.nan, np.isin(y, satisfied).astype(np.float64))
        for columns, names in groupings:
            out.extend(_one(args, analysis, statistic, y, columns, names, satisfied, denominator, var))
    return out


def _one(
    args: argparse.Namespace,
    analysis: Analysis,
    statistic: str,
    y: npt.NDArray[np.float64],
    columns: list[object],
    names: list[str] | None,
    satisfied: list[float] | None,
    denominator: npt.NDArray[np.float64] | None,
    var: str,
) -> list[Estimate]:
    if analysis.replicates is not None and statistic == "ratio" and denominator is not None:
        from sampling.replicate_ratio import replicate_ratio

        ratios = replicate_ratio(
            analysis.replicates,
            y,
            denominator,
            by=columns if names else None,  # type: ignore[arg-type]
            by_names=names,
            level=args.level,
        )
        return [replace(e, variable=var) for e in ratios]
    if analysis.replicates is not None:
        ests = replicate_estimate(
            analysis.replicates,
            y,
            by=columns if names else None,  # type: ignore[arg-type]
            by_names=names,
            statistic=statistic,  # type: ignore[arg-type]
            satisfied=satisfied if statistic == "proportion" else None,
            method=args.ci,
            level=args.level,
        )
        return [replace(e, variable=var) for e in ests]
    ests = by_domain(
        analysis.design,
        y,
        columns,  # type: ignore[arg-type]
        by_names=names or ["all"],
        statistic=statistic,  # type: ignore[arg-type]
        satisfied=satisfied if statistic == "proportion" else None,
        denominator=denominator,
        method=args.ci,
        level=args.level,
        variable=var,
    )
    return ests if names else [replace(e, group=None) for e in ests]


_FIELDS = ["variable", "group", "estimate", "se", "ci_low", "ci_high", "n", "deff", "df", "boundary"]


def _render(args: argparse.Namespace, ests: Sequence[Estimate], design_info: dict[str, object]) -> str:
    rows = [e.as_dict() for e in ests]
    if args.format == "json":
        return json.dumps({"estimates": rows, "design": design_info}, indent=2, allow_nan=False)
    if args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(_FIELDS)
        for r in rows:
            group = r["group"]
            g = "" if not isinstance(group, dict) else ";".join(f"{k}={v}" for k, v in group.items())
            w.writerow(["" if r[f] is None else (g if f == "group" else r[f]) for f in _FIELDS])
        return buf.getvalue().rstrip("\n")
    kind = args.statistic if args.statistic != "mean" else ("share" if args.satisfied is not None else "mean")
    head = ["variable", "group", kind, "SE", f"{round(args.level * 100, 1):g}% CI", "n", "deff"]
    table: list[list[str]] = []
    for e in ests:
        g = "(all)" if e.group is None else ", ".join(f"{k}={v}" for k, v in e.group)
        flag = " (boundary)" if e.boundary else ""
        table.append(
            [
                str(e.variable),
                g,
                f"{e.estimate:.6g}{flag}",
                _number(e.se),
                f"[{_number(e.ci_low)}, {_number(e.ci_high)}]",
                str(e.n),
                "" if e.deff is None else f"{e.deff:.3f}",
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(wd) for h, wd in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * wd for wd in widths))
    lines += ["  ".join(c.ljust(wd) for c, wd in zip(r, widths, strict=True)) for r in table]
    d = design_info
    raking = d.get("raking")
    raked = ""
    if isinstance(raking, dict):
        raked = f", raked ({'converged' if raking['converged'] else 'NOT converged'})"
    lines.append(
        f"design: {d['rows']} rows, {d['strata']} strata, {d['psus']} PSUs, df {d['df']}, "
        f"fpc {'yes' if d['fpc'] else 'no'}, lonely PSU {d['lonely_psu']}{raked}"
    )
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:.6g}" if np.isfinite(value) else "NA"


def run(args: argparse.Namespace) -> int:
    """Run ``survey estimate``; returns the exit status (0 ok, 2 bad input)."""
    try:
        data = read_data(args.data, _needed_columns(args))
        analysis = build_analysis(args, data)
        ests = _estimates(args, data, analysis)
        design_info: dict[str, object] = {**analysis.design.summary(), **analysis.info}
        design_info.update({"weight": args.weight, "ci": args.ci, "level": args.level})
        text = _render(args, ests, design_info)
    except (InputError, SamplingError) as exc:
        print(f"survey estimate: error: {cli_message(exc)}", file=sys.stderr)
        return 2
    print(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m survey_api.estimate_cli``)."""
    parser = argparse.ArgumentParser(prog="survey")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
