"""``survey report``: a periodic report from the server's shell (the whole province)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` subcommand."""
    p = subparsers.add_parser(
        "report",
        help="a periodic report (DOCX, PDF or XLSX) for an instrument and period",
        description="The report of an instrument's satisfaction index for a period, in the layout of "
        "Nghị định 30/2020/NĐ-CP: the index against its target, the ranking of units, elements and weakest "
        "items, feedback handling and the method.",
    )
    p.add_argument("--instrument", required=True, help="instrument code, e.g. sipas")
    p.add_argument("--period", required=True, help="2026, 2026-H1, 2026-Q3, 2026-09 or YYYY-MM-DD:YYYY-MM-DD")
    p.add_argument("--unit", help="a unit's code: it and the units below it (default: every unit)")
    p.add_argument("--format", choices=("docx", "pdf", "xlsx"), default=None, help="default: the output's suffix")
    p.add_argument("--output", required=True, type=Path, help="the file to write")
    p.add_argument("--language", choices=("vi", "en"), default="vi", help="vi (default) or en: the report in English")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the report and write it; 2 with a message on a bad period, instrument or unit."""
    from survey_api.db.engine import make_engine, make_sessionmaker, transaction
    from survey_api.db.models import User
    from survey_api.errors import DomainError
    from survey_api.reports.build import build_report
    from survey_api.reports.periods import parse_period
    from survey_api.reports.render import FORMATS, render
    from survey_api.settings import get_settings

    fmt = args.format or args.output.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        print(
            f"error: give --format docx, pdf or xlsx (the output's suffix is {args.output.suffix!r})", file=sys.stderr
        )
        return 2
    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = get_settings()
    # The server's shell sees the whole province: an admin that is not stored anywhere.
    shell = User(username="shell", display_name="shell", role="admin")
    try:
        with transaction(make_sessionmaker(make_engine(settings.database_url))) as session:
            report = build_report(
                session,
                instrument=args.instrument,
                period=period,
                unit=args.unit,
                viewer=shell,
                settings=settings,
                language=args.language,
            )
            content = render(report, fmt)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    args.output.write_bytes(content)
    print(f"{args.output}: report of {args.instrument} for {period.label_en}, {len(content)} bytes")
    return 0
