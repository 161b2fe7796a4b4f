"""Running the Alembic migrations from code (CLI, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from survey_api.db.engine import make_engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def _alembic(url: str) -> Iterator[Config]:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            yield alembic_config(connection)
    finally:
        engine.dispose()


def alembic_config(connection: Connection) -> Config:
    """The project's Alembic config, running on an open ``connection``."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision``."""
    with _alembic(url) as config:
        command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision``."""
    with _alembic(url) as config:
        command.downgrade(config, revision)


def check(url: str) -> None:
    """Fail when the models and the migrations disagree (``alembic check``)."""
    with _alembic(url) as config:
        command.check(config)
