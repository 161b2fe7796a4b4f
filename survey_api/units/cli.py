"""``survey units import FILE.csv`` and ``survey units tree [--date DAY]``: the map from the server's shell."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``units`` subcommands."""
    units = subparsers.add_parser("units", help="org units and the map over time").add_subparsers(
        title="units commands"
    )
    imp = units.add_parser(
        "import",
        help="import a unit list (code,name,level,parent,valid_from,valid_to,successors): all rows or none",
    )
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=_import)
    tree = units.add_parser("tree", help="print the map valid on a day")
    tree.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
    tree.set_defaults(func=_tree)


def _import(args: argparse.Namespace) -> int:
    from survey_api.db.engine import make_engine, make_sessionmaker, transaction
    from survey_api.errors import DomainError
    from survey_api.settings import get_settings
    from survey_api.tabular import describe_error
    from survey_api.units.service import import_csv

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        with transaction(make_sessionmaker(make_engine(get_settings().database_url))) as session:
            summary = import_csv(session, None, data, args.file.name)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for error in exc.errors:
            print(f"  {describe_error(error)}", file=sys.stderr)
        return 2
    print(
        f"{summary.rows} rows: {summary.created} units created, {summary.closed} closed, {summary.unchanged} unchanged"
    )
    return 0


def _tree(args: argparse.Namespace) -> int:
    from survey_api.db.engine import make_engine, make_sessionmaker, transaction
    from survey_api.settings import get_settings
    from survey_api.units.service import UnitNode, tree_on

    day = args.date or date.today()

    def show(nodes: list[UnitNode], depth: int) -> None:
        for node in nodes:
            print(f"{'  ' * depth}{node.code}  {node.name} ({node.kind})")
            show(node.children, depth + 1)

    with transaction(make_sessionmaker(make_engine(get_settings().database_url))) as session:
        print(f"map of {day.isoformat()}:")
        show(tree_on(session, day), 0)
    return 0
