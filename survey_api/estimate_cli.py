"""``survey estimate``: design-based estimates from a CSV file, for analysts.

Uses :mod:`sampling` and the standard library only. Bad input exits with status 2 and one line on stderr
saying what to fix.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Sequence

from sampling import (
    Design,
    Estimate,
    SamplingError,
    by_domain,
    make_design,
    mean,
    proportion,
    rake,
    trim_weights,
)

_MISSING = {"", "NA", "na", "NaN", "nan", "."}


class InputError(Exception):
    """Input the user must fix (reported in one line, exit status 2)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``estimate`` subcommand."""
    p = subparsers.add_parser(
        "estimate",
        help="design-based means or proportions with SEs and CIs from a CSV file",
        description="Weighted means (or, with --satisfied, shares of answers in a set) with design-based "
        "standard errors, like R's survey package. Empty cells are missing.",
    )
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``survey estimate`` (shared with a stand-alone parser in tests)."""
    p.add_argument("data", metavar="DATA.csv", help="CSV file with a header row")
    p.add_argument("--var", action="append", required=True, metavar="COL", help="variable to estimate (repeatable)")
    p.add_argument("--by", metavar="COL[,COL]", help="domains: one or more columns, comma-separated")
    p.add_argument("--strata", metavar="COL", help="first-stage strata")
    p.add_argument("--cluster", metavar="COL[,COL]", help="cluster ids, PSU first (comma-separated stages)")
    p.add_argument("--nest", action="store_true", help="PSU ids repeat across strata: nest them")
    p.add_argument("--weight", metavar="COL", help="sampling weights")
    p.add_argument("--fpc", metavar="COL[,COL]", help="population counts or sampling fractions per stage")
    p.add_argument("--satisfied", metavar="V,V", help="estimate the share of answers in this set, e.g. 4,5")
    p.add_argument("--rake", metavar="MARGINS.json", help='{"col": {"level": total, ...}, ...}')
    p.add_argument("--trim", metavar="LO:HI", help="trim weights to [LO, HI] after raking (either may be empty)")
    p.add_argument("--ci", default="logit", choices=["logit", "beta", "wilson", "wald"], help="CI for proportions")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument(
        "--lonely-psu",
        default="fail",
        choices=["fail", "remove", "certainty", "adjust", "average"],
        help="strata with a single PSU (default: fail)",
    )
    p.add_argument("--format", default="table", choices=["table", "json", "csv"], help="output format")


def _read_csv(path: str) -> dict[str, list[str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            try:
                header = next(reader)
            except StopIteration:
                raise InputError(f"{path} is empty") from None
            cols: list[list[str]] = [[] for _ in header]
            for line_no, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    if not row:
                        continue
                    raise InputError(f"{path} line {line_no}: {len(row)} fields, the header has {len(header)}")
                for c, v in zip(cols, row, strict=True):
                    c.append(v)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return dict(zip(header, cols, strict=True))


def _column(data: dict[str, list[str]], name: str, what: str) -> list[str]:
    if name not in data:
        raise InputError(f"{what} column {name!r} is not in the file (columns: {', '.join(list(data)[:12])}…)")
    return data[name]


def _numeric(data: dict[str, list[str]], name: str, what: str, *, allow_missing: bool = True) -> list[float]:
    raw = _column(data, name, what)
    out = [0.0] * len(raw)
    for i, v in enumerate(raw):
        s = v.strip()
        if s in _MISSING:
            if not allow_missing:
                raise InputError(f"{what} column {name!r}: missing value on line {i + 2}")
            out[i] = math.nan
            continue
        try:
            out[i] = float(s)
        except ValueError:
            raise InputError(f"{what} column {name!r}: non-numeric value {v!r} on line {i + 2}") from None
    return out


def _labels(data: dict[str, list[str]], name: str, what: str) -> list[str]:
    out = [v.strip() for v in _column(data, name, what)]
    for i, v in enumerate(out):
        if v in _MISSING:
            raise InputError(f"{what} column {name!r}: missing value on line {i + 2}")
    return out


def _split(spec: str | None) -> list[str]:
    return [s.strip() for s in spec.split(",") if s.strip()] if spec else []


def _build_design(args: argparse.Namespace, data: dict[str, list[str]]) -> tuple[Design, dict[str, object]]:
    n = len(next(iter(data.values()))) if data else 0
    if n == 0:
        raise InputError(f"{args.data} has no data rows")
    weights = _numeric(data, args.weight, "--weight", allow_missing=False) if args.weight else None
    strata = _labels(data, args.strata, "--strata") if args.strata else None
    clusters = [_labels(data, c, "--cluster") for c in _split(args.cluster)] or None
    fpc = [_numeric(data, c, "--fpc", allow_missing=False) for c in _split(args.fpc)] or None
    design = make_design(
        n,
        weights=weights,
        strata=strata,
        clusters=clusters,
        fpc=fpc,
        nest=args.nest,
        lonely_psu=args.lonely_psu,
    )
    info: dict[str, object] = {}
    if args.rake:
        try:
            with open(args.rake, encoding="utf-8") as fh:
                margins = json.load(fh)
        except OSError as exc:
            raise InputError(f"cannot read {args.rake}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{args.rake} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(margins, dict) or not margins or not all(isinstance(v, dict) for v in margins.values()):
            raise InputError(f'{args.rake} must look like {{"column": {{"level": total, ...}}, ...}}')
        cols = [_labels(data, c, "--rake margin") for c in margins]
        try:
            pops: list[dict[object, float]] = [{str(k): float(v) for k, v in m.items()} for m in margins.values()]
        except (TypeError, ValueError):
            raise InputError(f"{args.rake}: population totals must be numbers") from None
        res = rake(design, cols, pops, names=list(margins))
        design = res.design
        info["raking"] = {
            "margins": list(margins),
            "converged": res.converged,
            "iterations": res.iterations,
            "max_error": res.max_error,
        }
    if args.trim:
        lo_s, sep, hi_s = args.trim.partition(":")
        if not sep:
            raise InputError(f"--trim must be LO:HI (either may be empty), got {args.trim!r}")
        try:
            lo = float(lo_s) if lo_s.strip() else -math.inf
            hi = float(hi_s) if hi_s.strip() else math.inf
        except ValueError:
            raise InputError(f"--trim must be LO:HI with numbers, got {args.trim!r}") from None
        design = trim_weights(design, lower=lo, upper=hi)
        info["trim"] = {"lower": None if math.isinf(lo) else lo, "upper": None if math.isinf(hi) else hi}
    return design, info


def _estimates(args: argparse.Namespace, data: dict[str, list[str]], design: Design) -> list[Estimate]:
    satisfied: list[float] | None = None
    if args.satisfied is not None:
        try:
            satisfied = [float(v) for v in _split(args.satisfied)]
        except ValueError:
            raise InputError(f"--satisfied must be numbers separated by commas, got {args.satisfied!r}") from None
        if not satisfied:
            raise InputError("--satisfied needs at least one value")
    if not 0 < args.level < 1:
        raise InputError(f"--level must lie between 0 and 1, got {args.level}")
    by_cols = _split(args.by)
    by_values = [["" if v.strip() in _MISSING else v.strip() for v in _column(data, c, "--by")] for c in by_cols]
    out: list[Estimate] = []
    for var in args.var:
        y = _numeric(data, var, "--var")
        if by_cols:
            out.extend(
                by_domain(
                    design,
                    y,
                    by_values,
                    by_names=by_cols,
                    statistic="proportion" if satisfied is not None else "mean",
                    satisfied=satisfied,
                    method=args.ci,
                    level=args.level,
                    variable=var,
                )
            )
        else:
            if satisfied is not None:
                e = proportion(design, y, satisfied=satisfied, method=args.ci, level=args.level)
            else:
                e = mean(design, y, level=args.level)
            from dataclasses import replace

            out.append(replace(e, variable=var))
    return out


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
    kind = "share" if args.satisfied is not None else "mean"
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
                f"{e.se:.6g}",
                f"[{e.ci_low:.6g}, {e.ci_high:.6g}]",
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


def run(args: argparse.Namespace) -> int:
    """Run ``survey estimate``; returns the exit status (0 ok, 2 bad input)."""
    try:
        data = _read_csv(args.data)
        design, info = _build_design(args, data)
        ests = _estimates(args, data, design)
        design_info: dict[str, object] = {**design.summary(), **info}
        design_info.update({"weight": args.weight, "ci": args.ci, "level": args.level})
        text = _render(args, ests, design_info)
    except (InputError, SamplingError) as exc:
        print(f"survey estimate: error: {exc}", file=sys.stderr)
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
