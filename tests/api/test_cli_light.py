"""`survey --help` and the light commands load no statistics or database libraries: the CLI starts at once."""

from __future__ import annotations

import subprocess
import sys

import pytest

from survey_api.cli import LAZY_COMMANDS, build_parser

HEAVY = ("numpy", "scipy", "numba", "sqlalchemy", "alembic", "pydantic", "fastapi")
PROBE = (
    "import sys\n"
    "from survey_api.cli import main\n"
    "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
    f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
)


def loaded_after(*arguments: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, *arguments], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("arguments", [("--help",), ("db", "--help"), ("user", "--help")])
def test_help_loads_no_heavy_library(arguments: tuple[str, ...]) -> None:
    assert loaded_after(*arguments) == "[]"


def test_every_lazy_command_is_listed_and_parses_its_own_arguments() -> None:
    listing = build_parser().format_help()
    for name in LAZY_COMMANDS:
        assert name in listing
    args = build_parser("user").parse_args(["user", "disable", "someone"])
    assert args.func is not None
