"""The ranking tests' units and answers, for reports built from the database."""

from tests.rankings.conftest import answered

__all__ = ["answered"]
