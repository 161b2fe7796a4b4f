"""``survey import FILE --instrument CODE --version N``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import`` subcommand."""
    p = subparsers.add_parser(
        "import",
        help="import responses from a CSV file (all rows or none)",
        description="One column per item code; service_point or unit (every row needs one); optional strata, psu, "
        "weight, fpc, completed_at, sex, age_group (blank: from the answers the instrument declares for them). Every "
        "row error is printed; nothing is stored unless every row is valid.",
    )
    p.add_argument("file", type=Path, metavar="RESPONSES.csv")
    p.add_argument("--instrument", required=True, help="instrument code, e.g. sipas")
    p.add_argument("--version", required=True, type=int, help="published version number")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the import; 0 when stored, 2 with every problem printed on stderr."""
    from survey_api.db.engine import make_engine, make_sessionmaker, transaction
    from survey_api.errors import DomainError
    from survey_api.imports.service import import_csv
    from survey_api.settings import get_settings
    from survey_api.tabular import describe_error

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        engine = make_engine(get_settings().database_url)
        with transaction(make_sessionmaker(engine)) as session:
            result = import_csv(session, data, instrument=args.instrument, version=args.version)
    except DomainError as exc:
        print(f"error: {exc.detail}" if not exc.errors else "error: nothing was imported", file=sys.stderr)
        for error in exc.errors:
            print(f"  {describe_error(error)}", file=sys.stderr)
        return 2
    print(
        f"{result.instrument} v{result.version}: {result.rows} rows, {result.new} new, "
        f"{result.already_imported} already imported"
    )
    return 0
