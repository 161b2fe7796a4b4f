"""SPSS (.sav) and Stata (.dta) exports: read back with pyreadstat, they carry the variable and value labels
from the instrument (Vietnamese intact), the values of the CSV export, and the same rules (roles, no
personal data)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import import_document
from tests.conftest import Db, ensure_test_point
from tests.exports.labelled_data import CODE, LONG, SAT5, labelled_document
from tests.imports.apidata import api_rows, to_csv

pytest.importorskip("polars", reason="pyreadstat writes from a polars (or pandas) data frame")
pyreadstat = pytest.importorskip("pyreadstat")

Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def exported(client: TestClient, db: Db, token_for: Headers) -> list[dict[str, str]]:
    with db() as session:
        import_document(session, InstrumentDocument.model_validate(labelled_document()), user=None, publish=True)
        ensure_test_point(session)
    rows = api_rows()
    for k, row in enumerate(rows):
        row["M.1"] = ["1", "2", "1;2", ""][k % 4]
        row["N"] = str(20 + k % 50) if k % 7 else ""
        row["C"] = "Phục vụ tốt, cảm ơn!" if k % 5 == 0 else ""
    analyst = token_for("analyst")
    reply = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("responses.csv", to_csv(rows), "text/csv")},
        headers=analyst,
    )
    assert reply.status_code == 201, reply.text
    csv_reply = client.get("/api/v1/exports/responses.csv", params={"instrument": CODE}, headers=analyst)
    return list(csv.DictReader(io.StringIO(csv_reply.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("kind", ["sav", "dta"])
def test_the_file_has_the_labels_and_the_values_of_the_csv(
    client: TestClient, exported: list[dict[str, str]], token_for: Headers, tmp_path: Path, kind: str
) -> None:
    reply = client.get(f"/api/v1/exports/responses.{kind}", params={"instrument": CODE}, headers=token_for("analyst"))
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-disposition"] == f'attachment; filename="{CODE}-responses.{kind}"'
    assert reply.headers["x-weighting-run"]
    path = tmp_path / f"export.{kind}"
    path.write_bytes(reply.content)
    data, meta = (pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta)(str(path), output_format="dict")
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert meta.column_names[:14] == [
        "id", "instrument_version", "service_point", "unit", "channel", "observed_on", "received_at",
        "stratum", "psu", "design_weight", "fpc", "sex", "age_group", "weight",
    ]  # fmt: skip
    assert meta.column_names[14:] == ["Q1", "Q2", "Q3", "C", "M_1_1", "M_1_2", "N"]
    assert labels["design_weight"] == "Trọng số thiết kế (1/π)"
    limit = 80 if kind == "dta" else None
    q1_label = f"Q1 {LONG}"
    if limit:
        assert labels["Q1"] == q1_label[:limit].rstrip()
    else:
        assert labels["Q1"] == q1_label.encode()[:255].decode(errors="ignore")
    assert labels["M_1_2"] == "M.1 Kênh nhận thông tin: Trực tiếp"
    value_labels = meta.variable_value_labels
    assert value_labels["Q2"] == {float(v): SAT5[v - 1] for v in range(1, 6)}
    assert value_labels["M_1_1"] == {0.0: "Không chọn", 1.0: "Có chọn"}

    assert [str(v) for v in data["id"]] == [r["id"] for r in exported]
    for k, row in enumerate(exported):
        assert data["Q1"][k] == float(row["Q1"])
        assert data["weight"][k] == pytest.approx(float(row["weight"]), rel=1e-15)
        assert data["C"][k] == row["C"]
        chosen = set(row["M.1"].split(";")) if row["M.1"] else None
        for option in (1, 2):
            value = data[f"M_1_{option}"][k]
            assert (value is None or value != value) if chosen is None else value == float(str(option) in chosen)
        n = data["N"][k]
        assert (n is None or n != n) if not row["N"] else n == float(row["N"])


def test_roles_filters_and_a_missing_instrument(
    client: TestClient, exported: list[dict[str, str]], token_for: Headers
) -> None:
    assert client.get("/api/v1/exports/responses.sav", params={"instrument": CODE}).status_code == 401
    volunteer = token_for("volunteer")
    assert (
        client.get("/api/v1/exports/responses.dta", params={"instrument": CODE}, headers=volunteer).status_code == 403
    )
    analyst = token_for("analyst")
    missing = client.get("/api/v1/exports/responses.sav", params={"instrument": "nope"}, headers=analyst)
    assert missing.status_code == 404
    later = {"instrument": CODE, "from": "2027-01-01", "to": "2027-12-31"}
    empty = client.get("/api/v1/exports/responses.sav", params=later, headers=analyst)
    assert empty.status_code == 200
