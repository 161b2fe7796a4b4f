"""Official instruments as data: loading, validation errors, listing, import, immutability."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from survey_api.db.models import InstrumentVersion
from survey_api.db.models.instruments import PublishedVersionImmutable
from survey_api.instruments.loader import InstrumentFileError, load_instrument_file, official_instrument_files
from tests.conftest import Db

OFFICIAL = {"sipas", "health-inpatient", "health-outpatient", "health-workers", "education-parents", "one-stop-dossier"}


def official_document(code: str) -> dict[str, Any]:
    path = next(p for p in official_instrument_files() if p.stem == code)
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_every_official_instrument_ships_and_validates() -> None:
    documents = {load_instrument_file(path).code: load_instrument_file(path) for path in official_instrument_files()}
    assert set(documents) == OFFICIAL
    for document in documents.values():
        assert document.source and document.confidence in {"verified", "secondary", "unverified", "draft"}


def test_sipas_index_has_the_official_shape() -> None:
    sipas = load_instrument_file(next(p for p in official_instrument_files() if p.stem == "sipas"))
    elements = {e.code: len(e.items) for e in sipas.index.elements}
    assert elements == {
        "I.A": 2,
        "I.B": 2,
        "I.C": 9,
        "I.D": 10,
        "II.A": 3,
        "II.B": 4,
        "II.C": 3,
        "II.D": 3,
        "II.E": 3,
    }
    assert [g.code for g in sipas.index.groups] == ["I", "II"]
    assert sipas.index.aggregation == "item_mean"


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_load_errors_name_the_file_the_item_and_the_problem(tmp_path: Path) -> None:
    data = official_document("sipas")
    item = data["sections"][1]["items"][0]
    item["type"] = "stars"
    with pytest.raises(InstrumentFileError) as caught:
        load_instrument_file(_write(tmp_path, data))
    message = str(caught.value)
    assert str(tmp_path / "bad.yaml") in message and item["code"] in message and "stars" in message


def test_an_index_element_naming_a_missing_item_is_rejected(tmp_path: Path) -> None:
    data = official_document("sipas")
    data["index"]["elements"][0]["items"].append("NO.SUCH")
    with pytest.raises(InstrumentFileError, match="NO.SUCH does not exist"):
        load_instrument_file(_write(tmp_path, data))


def test_a_duplicate_item_code_is_rejected(tmp_path: Path) -> None:
    data = official_document("health-outpatient")
    section = data["sections"][0]
    section["items"].append(copy.deepcopy(section["items"][0]))
    with pytest.raises(InstrumentFileError, match="used twice"):
        load_instrument_file(_write(tmp_path, data))


def test_unreadable_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(InstrumentFileError, match="broken.yaml: cannot be read"):
        load_instrument_file(path)


def test_published_instruments_are_listed_with_their_items(client: TestClient, official: dict[str, int]) -> None:
    listed = client.get("/api/v1/instruments")
    assert listed.status_code == 200
    by_code = {i["code"]: i for i in listed.json()}
    assert set(by_code) == OFFICIAL
    sipas = by_code["sipas"]
    assert sipas["id"] == official["sipas"] and sipas["sector"] == "administrative" and sipas["version"] == 1
    scale_items = [i for i in sipas["items"] if i["type"] == "scale_1_5"]
    assert len(scale_items) == 39
    assert {"code", "section", "type", "required", "text"} <= set(scale_items[0])
    assert by_code["health-inpatient"]["sector"] == "health"
    assert by_code["education-parents"]["sector"] == "education"


def test_import_needs_an_admin_token(client: TestClient, token_for: Any) -> None:
    body = official_document("sipas")
    assert client.post("/api/v1/instruments", json=body).status_code == 401
    assert client.post("/api/v1/instruments", json=body, headers=token_for("analyst")).status_code == 403


def test_import_is_idempotent_and_a_published_version_cannot_change(
    client: TestClient, official: dict[str, int], token_for: Any
) -> None:
    admin = token_for("admin")
    body = official_document("sipas")
    same = client.post("/api/v1/instruments", json=body, headers=admin)
    assert same.status_code == 200 and same.json()["changed"] is False
    body["title"]["vi"] = "Đổi tiêu đề"
    refused = client.post("/api/v1/instruments", json=body, headers=admin)
    assert refused.status_code == 409
    assert "version 2" in refused.json()["detail"]
    body["version"] = 2
    created = client.post("/api/v1/instruments?publish=true", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["status"] == "published"
    versions = [i["version"] for i in client.get("/api/v1/instruments").json() if i["code"] == "sipas"]
    assert versions == [1, 2]


def test_invalid_document_import_is_422_naming_the_item(client: TestClient, token_for: Any) -> None:
    body = official_document("health-workers")
    body["sections"][0]["items"][0]["required"] = "sometimes"
    reply = client.post("/api/v1/instruments", json=body, headers=token_for("admin"))
    assert reply.status_code == 422
    assert body["sections"][0]["items"][0]["code"] in reply.json()["detail"]


def test_a_flush_that_changes_a_published_version_fails(official: dict[str, int], db: Db) -> None:
    with pytest.raises(PublishedVersionImmutable), db() as session:
        version = session.get(InstrumentVersion, official["sipas"])
        assert version is not None
        version.content = {**version.content, "title": {"vi": "changed"}}
    with db() as session:
        stored = session.get(InstrumentVersion, official["sipas"])
        assert stored is not None and stored.content["title"]["vi"] != "changed"


def test_publish_and_retire(client: TestClient, official: dict[str, int], token_for: Any) -> None:
    admin = token_for("admin")
    body = official_document("education-parents") | {"version": 2}
    draft = client.post("/api/v1/instruments", json=body, headers=admin).json()
    assert client.get(f"/api/v1/instruments/{draft['id']}").status_code == 404
    assert client.post(f"/api/v1/instruments/{draft['id']}/publish", headers=admin).json()["status"] == "published"
    assert client.post(f"/api/v1/instruments/{draft['id']}/publish", headers=admin).status_code == 409
    assert client.post(f"/api/v1/instruments/{draft['id']}/retire", headers=admin).json()["status"] == "retired"
    assert client.get(f"/api/v1/instruments/{draft['id']}").status_code == 404
