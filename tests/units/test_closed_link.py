"""A QR link of a point whose unit has closed stops, with a page (Vietnamese by default) naming the successors."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import Response, ServicePoint
from survey_api.units import service as units
from survey_api.units.service import NewUnit
from tests.conftest import Db
from tests.web.a11y import wcag_violations
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.qr_helpers import form_fields, make_point

SHOTS = Path("/tmp/shots/h6a")


@pytest.fixture
def closed_link(client: TestClient, db: Db, official: dict[str, int], token_for: Any) -> str:
    """The path of a desk's QR link whose district was split into two wards on 2025-07-01."""
    row = make_point(client, db, token_for("admin"))
    with db() as session:
        wards = [
            (NewUnit("bac", "Phường Bắc Gia Nghĩa", "ward"), 0.6),
            (NewUnit("nam", "Phường Nam Gia Nghĩa", "ward"), 0.4),
        ]
        units.split(session, None, "district", wards, valid_from=date(2025, 7, 1))
    path: str = urlsplit(row["link"]).path
    return path


def test_the_link_of_a_closed_unit_names_its_successors(client: TestClient, closed_link: str, db: Db) -> None:
    page = client.get(closed_link)
    assert page.status_code == 410
    text = page.text
    assert 'lang="vi"' in text and "Điểm khảo sát này đã dừng" in text
    assert "Huyện Thử không còn hoạt động từ ngày 01/07/2025" in text
    assert text.index("Phường Bắc Gia Nghĩa") < text.index("Phường Nam Gia Nghĩa")
    english = client.get(closed_link, params={"lang": "en"})
    assert english.status_code == 410 and "Its work passed to:" in english.text
    # Nor does a form posted to it store anything.
    posted = client.post(closed_link, data={"response_id": "6f1c7a52-3a5e-4b7e-9a59-2f0f5e0c2d11"})
    assert posted.status_code == 410
    receipt = {"receipt": "AB-1234", "response_id": str(uuid.uuid4())}
    dossier = client.post(closed_link + "/dossier", data=receipt, params={"lang": "vi"})
    assert dossier.status_code == 410 and "Điểm khảo sát này đã dừng" in dossier.text
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_a_switched_off_point_names_the_open_points_of_its_unit(
    client: TestClient, db: Db, official: dict[str, int], token_for: Any
) -> None:
    admin = token_for("admin")
    old = make_point(client, db, admin, code="old-desk")
    make_point(client, db, admin, code="new-desk")
    with db() as session:
        point = session.scalars(select(ServicePoint).where(ServicePoint.code == "old-desk")).one()
        point.active = False
    page = client.get(urlsplit(old["link"]).path)
    assert page.status_code == 410
    assert "đã ngừng nhận phiếu khảo sát qua mã QR này" in page.text
    assert "Ông/Bà có thể đánh giá tại:" in page.text and "<li>Bộ phận Một cửa</li>" in page.text


def test_an_open_unit_still_answers(client: TestClient, db: Db, official: dict[str, int], token_for: Any) -> None:
    row = make_point(client, db, token_for("admin"))
    page = client.get(urlsplit(row["link"]).path)
    assert page.status_code == 200 and "response_id" in form_fields(page.text)


@pytest.mark.browser
def test_the_closed_page_on_a_phone(chromium: Any, closed_link: str, live_server: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        for name, viewport in (("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900})):
            page = browser.new_context(viewport=viewport).new_page()
            page.goto(live_server + closed_link)
            assert page.locator("h1").inner_text() == "Điểm khảo sát này đã dừng"
            page.screenshot(path=str(SHOTS / f"unit-closed-{name}.png"), full_page=True)
            assert wcag_violations(page) == []
    finally:
        browser.close()
