"""The API operations the admin area added (issue 14, point 3): editing an account, every instrument version and a
new version from a published one, and a unit's posters as one PDF; each for the role that may, audit-logged."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import AuditEntry
from tests.conftest import Db

Headers = Callable[[str], dict[str, str]]


def test_an_admin_edits_an_account(client: TestClient, token_for: Headers, desks: None, db: Db) -> None:
    admin = token_for("admin")
    body = {"username": "ql-1", "role": "unit_manager", "unit": "d1", "password": "mat-khau-dai-1"}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    changed = client.patch("/api/v1/users/ql-1", json={"unit": "d2", "display_name": "Lê Thị D"}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["unit"], changed.json()["display_name"], changed.json()["role"]) == (
        "d2",
        "Lê Thị D",
        "unit_manager",
    )
    with db() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
        assert entry.detail == {"changed": ["display_name", "unit"], "unit": "d2"}, "never the person's name"
    assert client.patch("/api/v1/users/ql-1", json={"unit": None}, headers=admin).status_code == 422
    assert client.patch("/api/v1/users/ql-1", json={"unit": "nowhere"}, headers=admin).status_code == 422
    assert client.patch("/api/v1/users/ql-1", json={"role": "admin"}, headers=admin).status_code == 422
    assert client.patch("/api/v1/users/ai-do", json={}, headers=admin).status_code == 404
    assert client.patch("/api/v1/users/ql-1", json={}, headers=token_for("analyst")).status_code == 403


def test_every_version_and_a_new_version_from_a_published_one(
    client: TestClient, token_for: Headers, official: dict[str, int], db: Db
) -> None:
    admin = token_for("admin")
    listed = client.get("/api/v1/instruments/versions", headers=admin)
    assert listed.status_code == 200 and {v["status"] for v in listed.json()} == {"published"}
    sipas = official["sipas"]
    made = client.post(f"/api/v1/instruments/{sipas}/new-version", headers=admin)
    assert made.status_code == 201, made.text
    draft = made.json()
    assert (draft["code"], draft["version"], draft["status"]) == ("sipas", 2, "draft")
    again = client.post(f"/api/v1/instruments/{draft['id']}/new-version", headers=admin)
    assert again.status_code == 409, "a draft is changed by importing it again, not copied"
    versions = client.get("/api/v1/instruments/versions", headers=admin).json()
    assert [(v["version"], v["status"]) for v in versions if v["code"] == "sipas"] == [(1, "published"), (2, "draft")]
    assert client.get("/api/v1/instruments/versions", headers=token_for("analyst")).status_code == 403
    assert client.post(f"/api/v1/instruments/{sipas}/new-version", headers=token_for("analyst")).status_code == 403
    with db() as session:
        assert session.scalars(
            select(AuditEntry.target).where(AuditEntry.action == "instrument.new_version")
        ).all() == ["sipas v2"]


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler's pdftoppm")
@pytest.mark.parametrize("size", ["A4", "A5"])
def test_a_units_posters_in_one_pdf(
    client: TestClient, token_for: Headers, desks: None, official: dict[str, int], tmp_path: Path, size: str
) -> None:
    admin = token_for("admin")
    for code in ("d1-desk", "d2-desk"):
        reply = client.post(f"/api/v1/service-points/{code}/links", json={"instrument": "sipas"}, headers=admin)
        assert reply.status_code == 200, reply.text
    client.post("/api/v1/service-points/d2-desk/links/sipas/revoke", headers=admin)
    pdf = client.get("/api/v1/service-points/posters.pdf", params={"unit": "p", "size": size}, headers=admin)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "p.pdf").write_bytes(pdf.content)
    info = subprocess.run(["pdfinfo", str(tmp_path / "p.pdf")], capture_output=True, text=True, check=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.M)
    assert pages is not None and pages.group(1) == "1", "the revoked link has no poster"
    expected = "419.53 x 595.28" if size == "A5" else "595.28 x 841.89"
    assert expected in info
    only_d2 = client.get("/api/v1/service-points/posters.pdf", params={"unit": "d2"}, headers=admin)
    assert only_d2.status_code == 404
    assert client.get("/api/v1/service-points/posters.pdf", params={"unit": "x"}, headers=admin).status_code == 404
    wrong = client.get("/api/v1/service-points/posters.pdf", params={"unit": "p", "size": "A3"}, headers=admin)
    assert wrong.status_code == 422
    assert client.get("/api/v1/service-points/posters.pdf", params={"unit": "p"}).status_code == 401
