"""Migration 0005 (sampling plans) goes down and up again."""

from __future__ import annotations

from sqlalchemy import inspect

from survey_api import migrations
from survey_api.db.engine import make_engine

TABLES = {"sampling_plans", "frame_units", "sample_units"}


def test_0005_goes_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrations.downgrade(database_url, "0004")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrations.upgrade(database_url)
        assert TABLES <= set(inspect(engine).get_table_names())
        migrations.check(database_url)
    finally:
        engine.dispose()
