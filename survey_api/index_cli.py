"""``survey index FILE --instrument CODE [design flags]``: the official index levels from a response file.

The file is an export (``GET /api/v1/exports/responses.csv``) or a file in the import format: one column per
item code, plus the design columns the flags name. The instrument's index definition and the levels come
from the same services as ``GET /api/v1/indices`` (:mod:`survey_api.estimates.definition`,
:func:`sampling.compute_index`), so the numbers are the API's for the same rows and weights. Without design
flags every row weighs 1 (the API's unweighted index).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from sampling import SamplingError, compute_index, compute_index_by, make_design
from sampling.domains import domain_codes
from survey_api.columnar import InputError, read_data
from survey_api.estimate_design import add_design_arguments, build_analysis, cli_message, design_columns

if TYPE_CHECKING:
    from survey_api.estimates.definition import Levels
    from survey_api.instruments.document import InstrumentDocument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``index`` subcommand."""
    p = subparsers.add_parser(
        "index",
        help="the official index levels (as GET /api/v1/indices) from an exported or import-format file",
        description="Share satisfied and mean score at every level of the instrument's index (overall, groups, "
        "elements, items) from a CSV or Parquet file with one column per item; with design flags, "
        "design-based SEs and CIs. The instrument comes from the database, or from --instrument-file.",
    )
    p.add_argument("data", metavar="DATA.csv", help="exported or import-format responses (CSV or .parquet)")
    p.add_argument("--instrument", required=True, metavar="CODE", help="instrument code, e.g. sipas")
    p.add_argument("--version", type=int, help="instrument version (default: the latest published)")
    p.add_argument("--instrument-file", metavar="FILE", help="read the instrument from this YAML/JSON document")
    p.add_argument("--min-answers", type=int, help="flag levels with fewer respondents (default: the server's)")
    p.add_argument(
        "--by",
        metavar="COL",
        help="also the index in each value of this column (as GET /api/v1/indices?by=…; without design flags "
        "every row weighs 1 in its own PSU, with SEs)",
    )
    add_design_arguments(p)
    p.add_argument("--format", default="table", choices=["table", "json"], help="output format")
    p.set_defaults(func=run)


def _document(args: argparse.Namespace) -> InstrumentDocument:
    if args.instrument_file:
        from survey_api.instruments.loader import InstrumentFileError, load_instrument_file

        try:
            document = load_instrument_file(args.instrument_file)
        except InstrumentFileError as exc:
            raise InputError(str(exc)) from None
        if document.code != args.instrument:
            raise InputError(f"{args.instrument_file} is instrument {document.code!r}, not {args.instrument!r}")
        return document
    from survey_api.db.engine import make_engine, make_sessionmaker, transaction
    from survey_api.errors import DomainError
    from survey_api.instruments.service import document_of, version_for
    from survey_api.settings import get_settings

    try:
        with transaction(make_sessionmaker(make_engine(get_settings().database_url))) as session:
            return document_of(version_for(session, args.instrument, args.version))
    except DomainError as exc:
        raise InputError(str(exc.detail)) from None


def _min_answers(args: argparse.Namespace) -> int:
    if args.min_answers is not None:
        return int(args.min_answers)
    from survey_api.settings import get_settings

    return get_settings().min_answers


Breakdown = list[tuple[str, int, "Levels"]]
"""Each domain's value, number of rows and levels."""


def index_levels(args: argparse.Namespace) -> tuple[InstrumentDocument, int, Levels, Breakdown | None]:
    """The document, the number of rows, every level of its index for the file and flags, and (``--by``) the
    levels in each domain."""
    from survey_api.estimates.definition import index_definition, levels_out

    document = _document(args)
    definition = index_definition(document)
    items = list(definition.items)
    columns = dict.fromkeys(items, "index item")
    columns.update((c, flag) for c, flag in design_columns(args).items() if c not in columns)
    if args.by and args.by not in columns:
        columns[args.by] = "--by"
    data = read_data(args.data, columns)
    answers = np.column_stack([data.numeric(code, "index item") for code in items])
    weighted = bool(args.weight or args.strata or args.cluster or args.fpc)
    if args.replicates:
        raise InputError("the index is computed with Taylor linearisation, as the API does; drop --replicates")
    if not weighted and not args.by:
        result = compute_index(answers, items, None, definition)
        return document, data.n, levels_out(result, document, min_answers=0, weighted=False), None
    # As the API: a breakdown without a design weighs every row 1, each its own PSU, with SEs.
    design = build_analysis(args, data).design if weighted else make_design(data.n)
    minimum = _min_answers(args)
    if not args.by:
        result = compute_index(answers, items, design, definition)
        return document, data.n, levels_out(result, document, min_answers=minimum, weighted=True), None
    codes, labels = domain_codes([data.labels(args.by, "--by", allow_missing=True)], [args.by])
    whole, parts = compute_index_by(answers, items, design, definition, codes, len(labels))
    counts = np.bincount(codes[codes >= 0], minlength=len(labels))
    breakdown = [
        (label[0][1], int(count), levels_out(part, document, min_answers=minimum, weighted=True))
        for label, count, part in zip(labels, counts, parts, strict=True)
    ]
    return document, data.n, levels_out(whole, document, min_answers=minimum, weighted=True), breakdown


def _levels_json(levels: Levels) -> dict[str, Any]:
    overall, groups, elements, items = levels
    return {
        "overall": overall.model_dump(exclude_none=True),
        "groups": [g.model_dump(exclude_none=True) for g in groups],
        "elements": [e.model_dump(exclude_none=True) for e in elements],
        "items": [i.model_dump(exclude_none=True) for i in items],
    }


def _render(
    args: argparse.Namespace, document: InstrumentDocument, n: int, levels: Levels, breakdown: Breakdown | None
) -> str:
    overall, groups, elements, items = levels
    if args.format == "json":
        doc: dict[str, Any] = {
            "instrument": document.code,
            "version": document.version,
            "responses": n,
            **_levels_json(levels),
        }
        if breakdown is not None:
            doc["breakdown"] = [
                {"group": {args.by: value}, "responses": count, **_levels_json(part)}
                for value, count, part in breakdown
            ]
        return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    head = ["level", "code", "satisfied", "SE", "95% CI", "mean", "n"]
    table: list[list[str]] = []
    rows = [("overall", overall)] + [("group", g) for g in groups] + [("element", e) for e in elements]
    rows += [("item", i) for i in items]
    rows += [(f"{args.by}={value}", part[0]) for value, _, part in breakdown or []]
    for kind, level in rows:
        ci = level.satisfied_ci
        table.append(
            [
                kind,
                level.code,
                _fmt(level.satisfied),
                _fmt(level.satisfied_se),
                "" if ci is None else f"[{_fmt(ci[0])}, {_fmt(ci[1])}]",
                _fmt(level.mean),
                str(level.n),
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table]
    lines.append(f"{document.code} v{document.version}: {n} responses")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "NA" if value is None else f"{value:.6g}"


def run(args: argparse.Namespace) -> int:
    """Run ``survey index``; returns the exit status (0 ok, 2 bad input)."""
    try:
        document, n, levels, breakdown = index_levels(args)
        text = _render(args, document, n, levels, breakdown)
    except (InputError, SamplingError) as exc:
        print(f"survey index: error: {cli_message(exc)}", file=sys.stderr)
        return 2
    print(text)
    return 0
