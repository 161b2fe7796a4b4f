"""Issue 12, points 4–6 over HTTP (no JavaScript): the counter instrument by default at one-stop desks, the
outpatients' self-completion form, number inputs checked by the server, the dossier number checked first."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from survey_api.db.models import OrgUnit, Response
from tests.conftest import Db
from tests.web.qr_helpers import form_fields


def add_point(
    client: TestClient, db: Db, admin: dict[str, str], code: str, kind: str, *, receipt: bool = False
) -> dict[str, Any]:
    """A point of ``kind`` created without naming instruments (so it gets its kind's defaults)."""
    with db() as session:
        if session.query(OrgUnit).filter_by(code="district").first() is None:
            session.add(OrgUnit(code="district", name="Huyện Thử", kind="district", valid_from=date(2004, 1, 1)))
    name = "Bộ phận Một cửa Huyện Thử" if kind == "one_stop_counter" else "Huyện Thử: khoa khám bệnh"
    body = {"code": code, "name": name, "unit": "district", "kind": kind, "requires_receipt": receipt}
    reply = client.post("/api/v1/service-points", json=body, headers=admin)
    assert reply.status_code == 201, reply.text
    row: dict[str, Any] = reply.json()[0]
    return row


@pytest.fixture
def admin(token_for: Any) -> dict[str, str]:
    return dict(token_for("admin"))


@pytest.fixture
def counter(client: TestClient, db: Db, official: dict[str, int], admin: dict[str, str]) -> dict[str, Any]:
    return add_point(client, db, admin, "desk", "one_stop_counter", receipt=True)


@pytest.fixture
def clinic(client: TestClient, db: Db, official: dict[str, int], admin: dict[str, str]) -> dict[str, Any]:
    return add_point(client, db, admin, "clinic", "clinic")


def questions(html: str) -> list[str]:
    return re.findall(r'id="q-([^"]+)"', html)


def test_a_one_stop_desk_gets_the_dossier_evaluation_not_sipas(counter: dict[str, Any]) -> None:
    assert counter["instrument"] == "one-stop-dossier"


def test_the_dossier_number_is_the_first_step_and_a_used_number_is_refused_before_any_question(
    client: TestClient, counter: dict[str, Any], db: Db
) -> None:
    link = urlsplit(counter["link"]).path
    first = client.get(link)
    assert first.status_code == 200
    assert 'id="f-receipt"' in first.text and not [q for q in questions(first.text) if q != "receipt"]
    fields = form_fields(first.text)
    # A malformed number is refused on the first step, in Vietnamese.
    bad = client.post(link + "/dossier", data={**fields, "receipt": "?"})
    assert bad.status_code == 422 and "Số hồ sơ chưa đúng" in bad.text and 'id="q-HS.1"' not in bad.text
    # A good number opens the questions, carried to the final answer.
    opened = client.post(link + "/dossier", data={**fields, "receipt": "000.12.34.H12-250101-0001"})
    assert opened.status_code == 200 and 'id="q-DG.1"' in opened.text
    assert "000.12.34.H12-250101-0001" in opened.text
    answers = {"a:HS.1": "2", "a:HS.2": "1", "a:DG.1": "5", "a:DG.2": "4", "a:DG.3": "5", "a:DG.4": "5"}
    sent = client.post(link, data={**form_fields(opened.text), **answers}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    # The same number again: refused on the first step, before any question.
    again = client.get(link)
    used = client.post(link + "/dossier", data={**form_fields(again.text), "receipt": "000.12.34.h12-250101-0001"})
    assert used.status_code == 409
    assert "Hồ sơ này đã được đánh giá" in used.text and 'id="q-HS.1"' not in used.text
    with db() as session:
        assert session.query(Response).count() == 1


def test_the_counter_form_is_short_and_says_its_time_from_its_questions(
    client: TestClient, counter: dict[str, Any]
) -> None:
    link = urlsplit(counter["link"]).path
    page = client.post(link + "/dossier", data={**form_fields(client.get(link).text), "receipt": "HS-0001"}).text
    asked = questions(page)
    assert "respondent_type" in asked
    count = len(asked) - 1
    assert count == 8
    assert f"Phiếu có {count} câu hỏi, mất khoảng 2 phút." in page
    assert "hai phút" not in page
    # The subtitle names the desk once (its name already holds the unit's).
    assert page.count("Huyện Thử") == 1
    number = re.search(r'<input type="number"[^>]*name="a:HS.2"[^>]*>', page)
    assert number and 'min="1"' in number.group(0) and 'max="20"' in number.group(0)


def test_the_outpatients_qr_form_hides_the_interviewers_fields_and_asks_numbers(
    client: TestClient, clinic: dict[str, Any]
) -> None:
    assert clinic["instrument"] == "health-outpatient"
    page = client.get(urlsplit(clinic["link"]).path).text
    assert "Kiểu khảo sát" not in page and "Người phỏng vấn/điền phiếu" not in page
    for code, low, high in (("info.A2", 0, 120), ("info.A4", 0, 1000), ("info.A8", 1, 100)):
        field = re.search(rf'<input type="number"[^>]*name="a:{re.escape(code)}"[^>]*>', page)
        assert field and f'min="{low}"' in field.group(0) and f'max="{high}"' in field.group(0)
    assert "<textarea" not in page.split('id="q-info.A8"')[1].split("</div>")[0]
    assert re.search(r"mất khoảng \d+ phút", page)


def test_the_server_refuses_a_number_out_of_bounds_and_says_the_bounds(
    client: TestClient, clinic: dict[str, Any], db: Db
) -> None:
    link = urlsplit(clinic["link"]).path
    page = client.get(link).text
    fields = form_fields(page)
    for code in re.findall(r'name="a:([^"]+)" value="1"', page):
        fields[f"a:{code}"] = "1"
    fields |= {"a:info.A2": "300", "a:info.A4": "12", "a:info.A8": "2"}
    reply = client.post(link, data=fields, follow_redirects=False)
    assert reply.status_code == 422
    assert "Vui lòng nhập một số nguyên từ 0 đến 120." in reply.text
    summary = reply.text.split('id="error-summary"')[1].split("</div>")[0]
    assert "Tuổi (số năm): Câu trả lời không hợp lệ." in summary and "::" not in summary
    with db() as session:
        assert session.query(Response).count() == 0


def test_the_poster_states_the_time_of_the_questions_shown(client: TestClient, counter: dict[str, Any]) -> None:
    poster = client.get(urlsplit(counter["poster"]).path + "?" + urlsplit(counter["poster"]).query)
    assert poster.status_code == 200
    assert "trả lời trong khoảng 2 phút" in poster.text and "Anonymous" not in poster.text


def test_pages_name_an_icon_and_the_icon_is_served(client: TestClient) -> None:
    assert client.get("/favicon.ico").status_code == 200
    assert client.get("/static/favicon.svg").status_code == 200
