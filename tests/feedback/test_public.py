"""The citizen's side without sign-in: the reference page (lenient about how the code is typed, rate-limited,
404 in the citizen's language), and petitions an admin published anonymised."""

from __future__ import annotations

from fastapi.testclient import TestClient

from survey_api.feedback.publication import anonymise
from survey_api.feedback.references import new_reference, normalise
from survey_api.settings import Settings
from tests.feedback.conftest import item_id
from tests.feedback.helpers import CONTACT, leave_feedback
from tests.fieldwork.conftest import Person

API = "/api/v1/feedback"


def test_references_are_random_and_read_back_leniently() -> None:
    codes = {new_reference() for _ in range(1000)}
    assert len(codes) == 1000 and all(normalise(code) == code for code in codes)
    assert normalise("abcd 2345 efgh 6789") == "ABCD-2345-EFGH-6789"
    assert normalise("oIl0-0000-0000-0000") == "0110-0000-0000-0000"
    assert normalise("ABCD-2345") is None and normalise("ABCU-2345-EFGH-6789") is None


def test_the_reference_page(client: TestClient, settings: Settings, links: dict[str, str]) -> None:
    reference = leave_feedback(client, links["d1"], contact=CONTACT)
    page = client.get(f"/phan-anh/{reference}")
    assert page.status_code == 200 and "Mới tiếp nhận" in page.text and page.headers["cache-control"] == "no-store"
    assert "Cơ quan chưa trả lời. Hạn trả lời là ngày" in page.text
    typed = client.get(f"/phan-anh/{reference.lower()}", follow_redirects=False)
    assert typed.status_code == 308 and typed.headers["location"] == f"/phan-anh/{reference}"
    assert client.get("/phan-anh", params={"ma": reference.replace("-", "")}).url.path == f"/phan-anh/{reference}"
    bad = client.get("/phan-anh", params={"ma": "123"})
    assert bad.status_code == 422 and "Mã tra cứu gồm 16 ký tự" in bad.text
    missing = client.get("/phan-anh/ABCD-2345-EFGH-6789")
    assert missing.status_code == 404 and "Không có ý kiến nào với mã tra cứu này" in missing.text
    assert "There is no message" in client.get("/phan-anh/ABCD-2345-EFGH-6789", params={"lang": "en"}).text
    settings.feedback_lookups_per_client_per_minute = 3
    statuses = [client.get(f"/phan-anh/{reference}").status_code for _ in range(4)]
    assert statuses[-1] == 429


def test_an_admin_publishes_an_answered_petition_anonymised(
    client: TestClient, links: dict[str, str], admin: Person, managers: dict[str, Person]
) -> None:
    text = f"Tôi là {CONTACT['name']}, hồ sơ 000.00.12.H30-241203-0001 trễ hẹn; gọi {CONTACT['phone']}."
    number = item_id(client, admin, leave_feedback(client, links["d1"], contact=CONTACT, text=text))
    assert client.post(f"{API}/{number}/publish", json={}, headers=admin.headers).status_code == 409  # not answered
    reply = {"text": f"Đã trả kết quả cho {CONTACT['name']}."}
    assert client.post(f"{API}/{number}/reply", json=reply, headers=managers["d1"].headers).status_code == 200
    assert client.post(f"{API}/{number}/publish", json={}, headers=managers["d1"].headers).status_code == 403
    published = client.post(f"{API}/{number}/publish", json={}, headers=admin.headers)
    assert published.status_code == 200, published.text
    assert published.json()["public_text"] == "Tôi là […], hồ sơ […] trễ hẹn; gọi […]."
    assert published.json()["public_reply"] == "Đã trả kết quả cho […]."
    page = client.get("/phan-anh")
    assert "hồ sơ […] trễ hẹn" in page.text
    for secret in [*CONTACT.values(), "241203", "Trần"]:
        assert secret not in page.text
    edited = {"text": f"Trễ hẹn trả hồ sơ, liên hệ {CONTACT['email']}"}
    assert client.post(f"{API}/{number}/publish", json=edited, headers=admin.headers).json()["public_text"] == (
        "Trễ hẹn trả hồ sơ, liên hệ […]"
    )
    assert client.delete(f"{API}/{number}/publish", headers=admin.headers).json()["published"] is False
    assert "Trễ hẹn trả hồ sơ" not in client.get("/phan-anh").text


def test_anonymise_keeps_dates_and_small_numbers() -> None:
    assert anonymise("Ngày 12/3/2026 tôi chờ 45 phút ở quầy số 3.", []) == "Ngày 12/3/2026 tôi chờ 45 phút ở quầy số 3."
