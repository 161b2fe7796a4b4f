"""Published results on the public side (/ket-qua): the snapshot's numbers, small units without numbers,
open data, the embed view the only framed page, withdrawn results gone."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import AuditEntry, User
from survey_api.publications import service
from survey_api.publications.schemas import PublicationOut
from survey_api.security_headers import STRICT_CSP
from survey_api.settings import Settings
from tests.api.helpers import collector
from tests.conftest import Db
from tests.publications.conftest import publish


def test_the_public_page_shows_the_published_numbers(client: TestClient, published: PublicationOut) -> None:
    listing = client.get("/ket-qua")
    assert listing.status_code == 200 and "Dịch vụ hành chính công" in listing.text
    assert f'href="/ket-qua/{published.id}"' in listing.text
    page = client.get(f"/ket-qua/{published.id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"].startswith("public")
    units = {u.unit: u for u in published.result.units}
    assert units["d1"].satisfied == pytest.approx(0.8) and units["d1"].rank == 1
    assert "80,0 %" in page.text and "30,0 %" in page.text
    assert "Chưa đủ số phiếu" in page.text and "Sở Tư pháp" in page.text
    assert "<svg" in page.text and 'role="img"' in page.text
    english = client.get(f"/ket-qua/{published.id}", params={"lang": "en"})
    assert "Not enough answers" in english.text and "80.0%" in english.text


def test_units_below_the_minimum_carry_no_numbers_anywhere(client: TestClient, published: PublicationOut) -> None:
    small = next(u for u in published.result.units if u.unit == "d3")
    assert (small.enough, small.satisfied, small.satisfied_ci, small.rank) == (False, None, None, None)
    data = client.get(f"/ket-qua/{published.id}/du-lieu.json").json()
    assert next(u for u in data["units"] if u["unit"] == "d3")["satisfied"] is None
    rows = list(csv.DictReader(io.StringIO(client.get(f"/ket-qua/{published.id}/du-lieu.csv").text.lstrip("\ufeff"))))
    d3 = next(r for r in rows if r["unit"] == "d3")
    assert (d3["satisfied"], d3["ci_low"], d3["rank"]) == ("", "", "")
    assert next(r for r in rows if r["unit"] == "d1")["rank"] == "1"


def test_only_the_embed_view_may_be_framed(client: TestClient, published: PublicationOut) -> None:
    page = client.get(f"/ket-qua/{published.id}")
    assert page.headers["Content-Security-Policy"] == STRICT_CSP and page.headers["X-Frame-Options"] == "DENY"
    embed = client.get(f"/ket-qua/{published.id}/nhung")
    assert embed.status_code == 200
    assert "frame-ancestors 'self' https:" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert "/du-lieu.csv" not in embed.text  # no site chrome, a link back to the source instead


def test_publishing_again_replaces_and_withdrawing_hides(
    client: TestClient, published: PublicationOut, db: Db, settings: Settings
) -> None:
    again = publish(db, settings)
    assert client.get(f"/ket-qua/{published.id}").status_code == 404
    assert client.get(f"/ket-qua/{again.id}").status_code == 200
    with db() as session:
        admin = session.scalars(select(User).where(User.role == "admin")).first()
        assert admin is not None
        service.withdraw(session, again.id, admin)
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("publication.%"))).all()
    assert actions.count("publication.publish") == 2 and actions.count("publication.withdraw") == 2
    assert client.get(f"/ket-qua/{again.id}").status_code == 404
    assert client.get(f"/ket-qua/{again.id}/du-lieu.json").status_code == 404
    assert "Chưa có kết quả nào được công bố" in client.get("/ket-qua").text


def test_the_snapshot_does_not_move_with_late_answers(client: TestClient, published: PublicationOut, db: Db) -> None:
    before = client.get(f"/ket-qua/{published.id}/du-lieu.json").json()
    from tests.api.helpers import complete_answers, instrument, submission

    sipas = instrument(client, "sipas")
    for _ in range(3):
        body = submission(sipas, service_point="d2-desk", answers=complete_answers(sipas, 5))
        assert client.post("/api/v1/responses", json=body, headers=collector(client)).status_code == 201
    assert client.get(f"/ket-qua/{published.id}/du-lieu.json").json() == before
    assert json.dumps(before, ensure_ascii=False).count("Sở Tư pháp") == 1


def test_admins_publish_and_withdraw_through_the_api(client: TestClient, answered: None, token_for: Any) -> None:
    admin = collector(client)
    refused = client.post("/api/v1/publications", json={"instrument": "sipas", "period": "2026-Q5"}, headers=admin)
    assert refused.status_code == 422 and "period" in refused.text
    analyst = token_for("analyst")
    asked = {"instrument": "sipas", "period": "2026"}
    assert client.post("/api/v1/publications", json=asked, headers=analyst).status_code == 403
    made = client.post("/api/v1/publications", json=asked, headers=admin)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["result"]["period_label"] == "Năm 2026" and body["result"]["date_to"] == "2026-12-31"
    listed = client.get("/api/v1/publications", headers=analyst).json()
    assert [p["id"] for p in listed] == [body["id"]]
    assert client.delete(f"/api/v1/publications/{body['id']}", headers=analyst).status_code == 403
    assert client.delete(f"/api/v1/publications/{body['id']}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/publications/{body['id']}", headers=admin).status_code == 404
    assert client.get("/api/v1/publications", headers=analyst).json() == []
