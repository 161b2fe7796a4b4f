"""The ``survey`` command: database, demo data, tokens, instruments, serving, estimates."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from survey_api.roles import ROLES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Commands whose arguments are defined in their own modules (``register(subparsers)``). A module is imported
# only when its command runs, so that `survey --help` and the light commands do not load numpy, scipy or the
# database layer; the help lines here are what `survey --help` shows.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "estimate": (
        "survey_api.estimate_cli",
        "design-based means, shares, totals or ratios with SEs and CIs from a CSV or Parquet file",
    ),
    "index": ("survey_api.index_cli", "the official index levels (as GET /api/v1/indices) from a response file"),
    "import": ("survey_api.imports.cli", "import responses from a CSV file (all rows or none)"),
    "user": ("survey_api.users.cli", "user accounts"),
    "feedback": ("survey_api.feedback.cli", "feedback and petitions"),
    "report": ("survey_api.reports.cli", "a periodic report (DOCX, PDF or XLSX) for an instrument and period"),
    "units": ("survey_api.units.cli", "org units: import a dated unit list with its crosswalk, print a day's map"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``survey`` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_named(arguments))
    args = parser.parse_args(arguments)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result


def _command_named(arguments: list[str]) -> str | None:
    """The command the arguments name (the first one not an option), if any."""
    return next((argument for argument in arguments if not argument.startswith("-")), None)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every built-in subcommand, and of the lazy ones fully only ``command``."""
    parser = argparse.ArgumentParser(prog="survey", description="Citizen satisfaction survey platform")
    commands = parser.add_subparsers(title="commands")

    db = commands.add_parser("db", help="database schema").add_subparsers(title="db commands")
    up = db.add_parser("upgrade", help="migrate the database to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_db_upgrade)
    down = db.add_parser("downgrade", help="migrate the database down to a revision")
    down.add_argument("revision")
    down.set_defaults(func=_db_downgrade)
    db.add_parser("check", help="fail if models and migrations disagree").set_defaults(func=_db_check)

    commands.add_parser("demo", help="load the official instruments and demo data (idempotent)").set_defaults(
        func=_demo
    )

    serve = commands.add_parser("serve", help="serve the API and pages")
    serve.add_argument("--host", default=None, help="default SURVEY_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default SURVEY_PORT or 8000")
    serve.add_argument(
        "--workers", type=int, default=None, help="server processes (default SURVEY_WORKERS or 1); see README"
    )
    serve.set_defaults(func=_serve)

    token = commands.add_parser("token", help="API tokens").add_subparsers(title="token commands")
    create = token.add_parser("create", help="create an API token; it is printed as the last line")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True, help="the account name (created if missing)")
    create.set_defaults(func=_token_create)

    instruments = commands.add_parser("instruments", help="survey instruments").add_subparsers(
        title="instrument commands"
    )
    imp = instruments.add_parser("import", help="import instrument files (YAML, JSON or XLSForm .xlsx)")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument("--publish", action="store_true", help="publish the imported versions")
    imp.set_defaults(func=_instruments_import)
    chk = instruments.add_parser("check", help="validate instrument files without importing them")
    chk.add_argument("files", nargs="*", type=Path)
    chk.set_defaults(func=_instruments_check)
    exp = instruments.add_parser("export", help="write an instrument version as an XLSForm workbook or YAML")
    exp.add_argument("code", help="instrument code, e.g. sipas")
    exp.add_argument("--version", type=int, default=None, help="version number (default: the latest published)")
    exp.add_argument("--format", dest="kind", choices=("xlsform", "yaml"), default="xlsform")
    exp.add_argument("--output", type=Path, required=True, help="the file to write")
    exp.set_defaults(func=_instruments_export)

    for name, (module, summary) in LAZY_COMMANDS.items():
        if name == command:
            importlib.import_module(module).register(commands)
        else:
            commands.add_parser(name, help=summary)
    return parser


def _db_upgrade(args: argparse.Namespace) -> int:
    from survey_api import migrations
    from survey_api.settings import get_settings

    migrations.upgrade(get_settings().database_url, args.revision)
    print(f"database at {args.revision}")
    return 0


def _db_downgrade(args: argparse.Namespace) -> int:
    from survey_api import migrations
    from survey_api.settings import get_settings

    migrations.downgrade(get_settings().database_url, args.revision)
    print(f"database at {args.revision}")
    return 0


def _db_check(_args: argparse.Namespace) -> int:
    from survey_api import migrations
    from survey_api.settings import get_settings

    migrations.check(get_settings().database_url)
    print("models and migrations agree")
    return 0


def _demo(_args: argparse.Namespace) -> int:
    from survey_api.demo import load_demo

    with _session() as session:
        summary = load_demo(session)
    print(summary)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from survey_api.logging_config import LOGGING
    from survey_api.settings import get_settings

    settings = get_settings()
    # The web package wraps the API; naming it by string keeps survey_api free of imports of survey_web.
    uvicorn.run(
        "survey_web.asgi:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        # The app reads X-Forwarded-For itself, from SURVEY_TRUSTED_PROXIES only (survey_api.clients);
        # uvicorn's own handling would believe any local peer.
        proxy_headers=False,
        # Access logs without link signatures, thank-you proofs or tokens (survey_api.logging_config).
        log_config=LOGGING,
    )
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from survey_api.auth.service import create_service_token
    from survey_api.errors import DomainError

    try:
        with _session() as session:
            token = create_service_token(session, role=args.role, name=args.name)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    print(f"token for {args.name} ({args.role}); keep it secret, it is shown once:")
    print(token)
    return 0


def _instruments_import(args: argparse.Namespace) -> int:
    from survey_api.errors import DomainError
    from survey_api.instruments.loader import InstrumentFileError
    from survey_api.instruments.service import import_document
    from survey_api.instruments.xlsform_cli import load_file, report

    try:
        documents = [load_file(path) for path in args.files]
        with _session() as session:
            for document in documents:
                version, changed = import_document(session, document, user=None, publish=args.publish)
                state = "imported" if changed else "unchanged"
                print(f"{document.code} v{version.version}: {state}, {version.status}")
    except InstrumentFileError as exc:
        report(exc)
        return 2
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    return 0


def _instruments_check(args: argparse.Namespace) -> int:
    from survey_api.instruments.xlsform_cli import check_files

    return check_files(args.files)


def _instruments_export(args: argparse.Namespace) -> int:
    from survey_api.errors import DomainError
    from survey_api.instruments.loader import InstrumentFileError
    from survey_api.instruments.xlsform_cli import export

    try:
        with _session() as session:
            written = export(session, args.code, args.version, args.kind, args.output)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except InstrumentFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"{written}: written to {args.output}")
    return 0


def _session() -> AbstractContextManager[Session]:
    from survey_api.db.engine import make_engine, make_sessionmaker, transaction
    from survey_api.settings import get_settings

    return transaction(make_sessionmaker(make_engine(get_settings().database_url)))


if __name__ == "__main__":
    raise SystemExit(main())
