"""``survey index --by COL`` on an exported file equals ``GET /api/v1/indices?by=COL`` for the same rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.settings import Settings, get_settings
from tests.imports.apidata import CODE
from tests.sampling.test_index_cli import DESIGN, LEVEL_FIELDS, exported, index, same_levels

__all__ = ["exported"]


@pytest.mark.parametrize("weighted", [True, False], ids=["design", "each_row_one"])
def test_index_by_a_column_equals_the_apis_breakdown(
    weighted: bool,
    exported: tuple[dict[str, Any], dict[str, Any], Path],
    client: TestClient,
    token_for: Any,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, _, path = exported
    params = {"instrument": CODE, "by": "sex", "weighted": weighted}
    api = client.get("/api/v1/indices", params=params, headers=token_for("analyst")).json()
    monkeypatch.setenv("SURVEY_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        code, ours, err = index([str(path), "--instrument", CODE, "--by", "sex", *(DESIGN if weighted else [])], capsys)
    finally:
        get_settings.cache_clear()
    assert code == 0, err
    assert ours is not None
    fields = LEVEL_FIELDS if weighted else [f for f in LEVEL_FIELDS if f != "deff"]  # no deff with unit weights
    same_levels(ours, api, fields)
    assert [(b["group"], b["responses"]) for b in ours["breakdown"]] == [
        (b["group"], b["responses"]) for b in api["breakdown"]
    ]
    for mine, theirs in zip(ours["breakdown"], api["breakdown"], strict=True):
        same_levels(mine, theirs, fields)
