"""``survey index`` on an exported file equals ``GET /api/v1/indices`` for the same rows and weights."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.index_cli import register
from survey_api.settings import Settings, get_settings
from tests.conftest import Db
from tests.imports.apidata import CODE, DOCUMENT, api_rows, publish_test_instrument, to_csv

DESIGN = ["--strata", "stratum", "--cluster", "psu", "--nest", "--weight", "weight", "--fpc", "fpc"]
LEVEL_FIELDS = ["satisfied", "mean", "n", "respondents", "satisfied_se", "satisfied_ci", "mean_se", "mean_ci", "deff"]


@pytest.fixture
def exported(
    client: TestClient, db: Db, token_for: Callable[[str], dict[str, str]], tmp_path: Path
) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """The apistrat responses imported; the API's weighted and unweighted index, and the exported CSV."""
    publish_test_instrument(db)
    analyst = token_for("analyst")
    reply = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("responses.csv", to_csv(api_rows()), "text/csv")},
        headers=analyst,
    )
    assert reply.status_code == 201, reply.text
    weighted = client.get("/api/v1/indices", params={"instrument": CODE}, headers=analyst).json()
    plain = client.get("/api/v1/indices", params={"instrument": CODE, "weighted": False}, headers=analyst).json()
    path = tmp_path / "export.csv"
    path.write_bytes(client.get("/api/v1/exports/responses.csv", params={"instrument": CODE}, headers=analyst).content)
    return weighted, plain, path


def index(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any] | None, str]:
    parser = argparse.ArgumentParser(prog="survey")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["index", *argv, "--format", "json"])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def same_levels(ours: dict[str, Any], api: dict[str, Any], fields: list[str]) -> None:
    for kind in ("groups", "elements", "items"):
        assert [level["code"] for level in ours[kind]] == [level["code"] for level in api[kind]]
    pairs = [(ours["overall"], api["overall"])]
    pairs += [(o, a) for kind in ("groups", "elements", "items") for o, a in zip(ours[kind], api[kind], strict=True)]
    for o, a in pairs:
        for field in fields:
            assert o[field] == pytest.approx(a[field], rel=1e-9), (o["code"], field)
        assert o.get("flags") == a.get("flags")


def test_index_of_an_export_equals_the_api(
    exported, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    weighted, plain, path = exported
    monkeypatch.setenv("SURVEY_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        code, ours, err = index([str(path), "--instrument", CODE, *DESIGN], capsys)
        assert code == 0, err
        assert ours is not None and ours["responses"] == weighted["responses"] == 200
        same_levels(ours, weighted, LEVEL_FIELDS)
        code, ours, err = index([str(path), "--instrument", CODE], capsys)
        assert code == 0, err
        assert ours is not None
        same_levels(ours, plain, ["satisfied", "mean", "n"])
        code, _, err = index([str(path), "--instrument", "nope", *DESIGN], capsys)
        assert code == 2 and "no instrument 'nope'" in err
    finally:
        get_settings.cache_clear()
    # the same from the instrument's own document, without the database
    document = tmp_path / "instrument.json"
    document.write_text(json.dumps(DOCUMENT))
    code, ours, err = index(
        [str(path), "--instrument", CODE, "--instrument-file", str(document), "--min-answers", "30", *DESIGN], capsys
    )
    assert code == 0, err
    assert ours is not None
    same_levels(ours, weighted, LEVEL_FIELDS)


def test_a_missing_item_column_is_named(tmp_path: Path, capsys) -> None:
    document = tmp_path / "instrument.json"
    document.write_text(json.dumps(DOCUMENT))
    data = tmp_path / "d.csv"
    data.write_text("Q1,Q2\n4,5\n")
    code, _, err = index([str(data), "--instrument", CODE, "--instrument-file", str(document)], capsys)
    assert code == 2 and "index item column 'Q3' is not in the file" in err
