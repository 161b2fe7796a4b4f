"""The map over the API and the command line: the tree of a day, admin changes, CSV import (all rows or none)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.cli import main
from survey_api.db.models import OrgUnit, UnitSuccessor
from tests.conftest import Db

GOOD = """code,name,level,parent,valid_from,valid_to,successors
dn,Tỉnh Đắk Nông,province,,2004-01-01,2025-06-30,ld:1
ld,Tỉnh Lâm Đồng,province,,2025-07-01,,
gn,Thành phố Gia Nghĩa,city,dn,2004-01-01,2025-06-30,bgn:0.6;ngn:0.4
cj,Huyện Cư Jút,district,dn,2004-01-01,2025-06-30,xcj
bgn,Phường Bắc Gia Nghĩa,ward,ld,2025-07-01,,
ngn,Phường Nam Gia Nghĩa,ward,ld,2025-07-01,,
xcj,Xã Cư Jút,commune,ld,2025-07-01,,
"""


def _upload(client: TestClient, headers: dict[str, str], text: str) -> Any:
    files = {"file": ("map.csv", text.encode(), "text/csv")}
    return client.post("/api/v1/units/import", files=files, headers=headers)


def test_import_then_the_tree_of_each_day(client: TestClient, token_for: Callable[[str], dict[str, str]]) -> None:
    admin = token_for("admin")
    answer = _upload(client, admin, GOOD)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"rows": 7, "created": 7, "closed": 0, "unchanged": 0}
    again = _upload(client, admin, GOOD)
    assert again.json() == {"rows": 7, "created": 0, "closed": 0, "unchanged": 7}
    reader = token_for("analyst")
    before = client.get("/api/v1/units", params={"date": "2025-06-30"}, headers=reader).json()
    after = client.get("/api/v1/units", params={"date": "2025-07-01"}, headers=reader).json()
    assert [u["code"] for u in before] == ["dn", "cj", "gn"]
    assert [(u["code"], u["parent"]) for u in after] == [("ld", None), ("bgn", "ld"), ("ngn", "ld"), ("xcj", "ld")]
    gn = next(u for u in before if u["code"] == "gn")
    assert gn["successors"] == [{"unit": "bgn", "share": 0.6}, {"unit": "ngn", "share": 0.4}]
    walk = client.get("/api/v1/units/crosswalk", headers=reader).json()
    assert {(r["unit"], r["successor"], r["share"]) for r in walk} == {
        ("dn", "ld", 1.0),
        ("gn", "bgn", 0.6),
        ("gn", "ngn", 0.4),
        ("cj", "xcj", 1.0),
    }


def test_a_bad_file_names_every_row_and_stores_nothing(
    client: TestClient, token_for: Callable[[str], dict[str, str]], db: Db
) -> None:
    bad = GOOD.replace("bgn:0.6;ngn:0.4", "bgn:0.6;ngn:0.3").replace("2025-07-01,,\nngn", "2025-13-01,,\nngn")
    bad += "zz,Xã lạ,commune,nowhere,2025-07-01,,\n"
    answer = _upload(client, token_for("admin"), bad)
    assert answer.status_code == 422
    problems = {(e["row"], e["item"]) for e in answer.json()["errors"]}
    assert problems == {(4, "successors"), (6, "valid_from"), (9, "parent")}
    with db() as session:
        assert session.scalar(select(func.count()).select_from(OrgUnit)) == 0
        assert session.scalar(select(func.count()).select_from(UnitSuccessor)) == 0


def test_only_admins_change_the_map(client: TestClient, token_for: Callable[[str], dict[str, str]]) -> None:
    body = {"code": "dn", "name": "Tỉnh Đắk Nông", "kind": "province", "valid_from": "2004-01-01"}
    for role in ("analyst", "unit_manager", "volunteer"):
        assert client.post("/api/v1/units", json=body, headers=token_for(role)).status_code == 403
    assert _upload(client, token_for("analyst"), GOOD).status_code == 403


def test_admin_changes_over_the_api(client: TestClient, token_for: Callable[[str], dict[str, str]]) -> None:
    admin = token_for("admin")

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(f"/api/v1/units{path}", json=body, headers=admin)

    assert (
        post("", {"code": "dn", "name": "Tỉnh Đắk Nông", "kind": "province", "valid_from": "2004-01-01"}).status_code
        == 201
    )
    for code in ("gn", "cj", "dm"):
        unit = {"code": code, "name": f"Huyện {code}", "kind": "district", "parent": "dn", "valid_from": "2004-01-01"}
        assert post("", unit).status_code == 201
    assert post("", {"code": "dn", "name": "x", "kind": "province", "valid_from": "2004-01-01"}).status_code == 409
    renamed = post("/gn/rename", {"name": "Thành phố Gia Nghĩa", "valid_from": "2020-01-01"})
    assert renamed.json()["name"] == "Thành phố Gia Nghĩa"
    parts = [
        {"unit": {"code": "bgn", "name": "Phường Bắc Gia Nghĩa", "kind": "ward", "parent": "dn"}, "share": 0.5},
        {"unit": {"code": "ngn", "name": "Phường Nam Gia Nghĩa", "kind": "ward", "parent": "dn"}, "share": 0.5},
    ]
    split = post("/gn/split", {"parts": parts, "valid_from": "2025-07-01"})
    assert [u["code"] for u in split.json()] == ["bgn", "ngn"]
    merged = post("/merge", {"units": ["dm"], "into": "bgn", "valid_from": "2025-07-01"})
    assert (merged.status_code, merged.json()["code"]) == (200, "bgn")
    assert post("/merge", {"units": ["ngn"], "into": "ngn", "valid_from": "2025-07-01"}).status_code == 422
    closed = post("/cj/close", {"valid_to": "2025-06-30", "successors": [{"unit": "bgn", "share": 1}]})
    assert closed.json()["successors"] == [{"unit": "bgn", "share": 1.0}]
    assert post("/cj/close", {"valid_to": "2025-06-30"}).status_code == 409
    tree = client.get("/api/v1/units", params={"date": "2019-12-31"}, headers=admin).json()
    assert {u["code"]: u["name"] for u in tree}["gn"] == "Huyện gn"
    assert client.get("/api/v1/units", params={"date": "2025-13-01"}, headers=admin).status_code == 422


def test_the_command_line_imports_all_rows_or_none(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: Db
) -> None:
    monkeypatch.setenv("SURVEY_DATABASE_URL", database_url)
    from survey_api.settings import get_settings

    get_settings.cache_clear()
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD.replace("xcj\n", "nowhere:1\n"), encoding="utf-8")
    assert main(["units", "import", str(bad)]) == 2
    assert "row 5, item successors: no unit nowhere in the file or stored" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["units", "import", str(good)]) == 0
    assert "7 rows: 7 units created" in capsys.readouterr().out
    get_settings.cache_clear()
