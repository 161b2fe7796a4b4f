"""QR links and the respondent pages over HTTP (no JavaScript): signing, errors, receipts, abuse, feedback."""

from __future__ import annotations

import gzip
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.auth.service import create_user, issue_token
from survey_api.db.models import AuditEntry, Feedback, FeedbackContact, ReceiptClaim, Response
from tests.conftest import Db
from tests.web.qr_helpers import decode_qr, form_fields, make_point


@pytest.fixture
def admin(token_for: Any) -> dict[str, str]:
    return dict(token_for("admin"))


@pytest.fixture
def point(client: TestClient, db: Db, official: dict[str, int], admin: dict[str, str]) -> dict[str, Any]:
    return make_point(client, db, admin)


def path_of(url: str) -> str:
    return urlsplit(url).path


def scale_answers(client: TestClient, value: int = 5, skip: str | None = None) -> dict[str, str]:
    """Form fields answering every question of SIPAS that needs an answer (and every 1–5 item)."""
    sipas = next(i for i in client.get("/api/v1/instruments").json() if i["code"] == "sipas")
    fields = {}
    for item in sipas["items"]:
        if item["code"] == skip:
            continue
        if item["type"] == "scale_1_5":
            fields[f"a:{item['code']}"] = str(value)
        elif item["required"] and item["options"]:
            fields[f"a:{item['code']}"] = str(item["options"][0]["value"])
        elif item["required"]:
            fields[f"a:{item['code']}"] = "ok"
    return fields


def answer(client: TestClient, link: str, **extra: str) -> Any:
    page = client.get(path_of(link))
    assert page.status_code == 200, page.text
    fields = form_fields(page.text) | scale_answers(client) | extra
    return client.post(path_of(link), data=fields, follow_redirects=False)


def test_the_listing_gives_each_link_with_its_images_and_poster(
    client: TestClient, point: dict[str, Any], admin: dict[str, str], tmp_path: Path
) -> None:
    listed = client.get("/api/v1/service-points", headers=admin).json()
    row = next(r for r in listed if r["code"] == "desk")
    assert row["unit"] == "district" and row["instrument"] == "sipas"
    assert re.fullmatch(r"http://testserver/q/desk/sipas/1/[A-Za-z0-9_-]{16}", row["link"])
    png = client.get(path_of(row["qr_png"]), headers=admin)
    assert png.headers["content-type"] == "image/png"
    assert decode_qr(png.content, tmp_path) == row["link"]
    svg = client.get(path_of(row["qr_svg"]), headers=admin)
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    poster = client.get(row["poster"].removeprefix("http://testserver"))
    assert poster.status_code == 200
    assert "Huyện Thử" in poster.text and row["link"] in poster.text and "ẩn danh" in poster.text
    assert "<svg" in poster.text and "/static/poster.css" in poster.text and "poster-a5.css" not in poster.text
    assert "/static/poster-a5.css" in client.get(row["poster"].removeprefix("http://testserver") + "&size=A5").text
    assert "size:A4" in client.get("/static/poster.css").text
    assert "size:A5" in client.get("/static/poster-a5.css").text


def test_images_and_listing_need_a_token_and_a_role(client: TestClient, point: dict[str, Any], token_for: Any) -> None:
    assert client.get("/api/v1/service-points").status_code == 401
    assert client.get("/api/v1/service-points", headers=token_for("volunteer")).status_code == 403
    assert client.get(path_of(point["qr_png"])).status_code == 401
    poster = point["poster"].removeprefix("http://testserver")
    assert client.get(poster.replace("sig=", "sig=x")).status_code == 404


def test_an_answer_through_the_link_is_stored_with_channel_and_point(
    client: TestClient, point: dict[str, Any], db: Db, admin: dict[str, str]
) -> None:
    reply = answer(client, point["link"])
    assert reply.status_code == 303
    thanks = client.get(reply.headers["location"])
    assert thanks.status_code == 200 and "Cảm ơn" in thanks.text
    with db() as session:
        stored = session.scalars(select(Response)).one()
        assert stored.channel == "qr" and stored.service_point_id is not None and stored.flags == []
    index = client.get("/api/v1/indices", params={"instrument": "sipas", "service_point": "desk"}, headers=admin)
    assert index.json()["responses"] == 1 and index.json()["overall"]["satisfied"] == 1.0


def test_posting_the_same_form_twice_stores_one_answer(client: TestClient, point: dict[str, Any], db: Db) -> None:
    page = client.get(path_of(point["link"]))
    fields = form_fields(page.text) | scale_answers(client)
    first = client.post(path_of(point["link"]), data=fields, follow_redirects=False)
    second = client.post(path_of(point["link"]), data=fields, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    with db() as session:
        assert len(session.scalars(select(Response)).all()) == 1


def test_a_missing_required_answer_is_shown_next_to_its_question(client: TestClient, point: dict[str, Any]) -> None:
    sipas = next(i for i in client.get("/api/v1/instruments").json() if i["code"] == "sipas")
    required = next(i["code"] for i in sipas["items"] if i["required"] and i["type"] == "scale_1_5")
    page = client.get(path_of(point["link"]))
    fields = form_fields(page.text) | scale_answers(client, skip=required)
    reply = client.post(path_of(point["link"]), data=fields)
    assert reply.status_code == 422
    block = re.search(rf'<fieldset class="q invalid" id="q-{re.escape(required)}".*?</fieldset>', reply.text, re.S)
    assert block is not None, "the question is not marked invalid"
    assert 'aria-invalid="true"' in block.group(0)
    assert f'<p class="error" id="e-{required}">Vui lòng trả lời câu hỏi này.</p>' in block.group(0)
    assert 'role="alert"' in reply.text and f'href="#q-{required}"' in reply.text
    assert 'value="5" checked' in reply.text  # what was answered stays answered


@pytest.mark.parametrize(
    ("mangle", "status", "words"),
    [
        (lambda link: link[:-3] + "abc", 404, "không hợp lệ"),
        (lambda link: link.replace("/desk/", "/other/"), 404, "không hợp lệ"),
        (lambda link: link.replace("/sipas/1/", "/sipas/2/"), 404, "không hợp lệ"),
    ],
)
def test_a_tampered_link_gets_a_friendly_page(
    client: TestClient, point: dict[str, Any], mangle: Any, status: int, words: str
) -> None:
    reply = client.get(path_of(mangle(point["link"])))
    assert reply.status_code == status and words in reply.text and "<html" in reply.text
    posted = client.post(path_of(mangle(point["link"])), data={"response_id": str(uuid.uuid4())})
    assert posted.status_code == status


def test_rotated_and_revoked_links_stop_working(
    client: TestClient, point: dict[str, Any], admin: dict[str, str], db: Db
) -> None:
    old = point["link"]
    rotated = client.post("/api/v1/service-points/desk/links/sipas/rotate", headers=admin).json()[0]
    assert rotated["link"] != old and "/sipas/2/" in rotated["link"]
    gone = client.get(path_of(old))
    assert gone.status_code == 410 and "mã QR mới" in gone.text
    assert client.get(path_of(rotated["link"])).status_code == 200
    client.post("/api/v1/service-points/desk/links/sipas/revoke", headers=admin)
    assert client.get(path_of(rotated["link"])).status_code == 410
    with db() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert {"qr.create", "qr.rotate", "qr.revoke"} <= set(actions)


def test_a_dossier_number_answers_once_and_is_stored_hashed(
    client: TestClient, db: Db, official: dict[str, int], admin: dict[str, str]
) -> None:
    point = make_point(client, db, admin, receipt=True, code="desk-r")
    missing = answer(client, point["link"])
    assert missing.status_code == 422 and 'id="q-receipt"' in missing.text
    assert answer(client, point["link"], receipt="HS-2026/000123").status_code == 303
    again = answer(client, point["link"], receipt=" hs-2026/000123 ")
    assert again.status_code == 409 and "đã được đánh giá" in again.text
    with db() as session:
        claims = session.scalars(select(ReceiptClaim)).all()
        assert len(claims) == 1 and "000123" not in claims[0].receipt_hash
        assert len(session.scalars(select(Response)).all()) == 1


def test_repeated_answers_from_one_device_are_flagged_and_left_out_of_indices(
    client: TestClient, point: dict[str, Any], db: Db, admin: dict[str, str]
) -> None:
    assert answer(client, point["link"]).status_code == 303
    assert answer(client, point["link"]).status_code == 303  # same device cookie, a new questionnaire
    with db() as session:
        flags = sorted((r.flags, r.excluded) for r in session.scalars(select(Response)))
    assert flags == [([], False), (["repeat_device"], True)]
    index = client.get("/api/v1/indices", params={"instrument": "sipas"}, headers=admin).json()
    assert index["responses"] == 1
    flagged = client.get("/api/v1/responses/flagged", headers=admin).json()
    assert [(r["flags"], r["service_point"], r["channel"]) for r in flagged] == [(["repeat_device"], "desk", "qr")]


def test_a_flood_from_one_client_gets_429(client: TestClient, point: dict[str, Any], settings: Any) -> None:
    statuses = []
    for _ in range(settings.qr_limit_per_client_per_minute + 2):
        client.cookies.clear()
        statuses.append(answer(client, point["link"]).status_code)
    assert statuses[: settings.qr_limit_per_client_per_minute] == [303] * settings.qr_limit_per_client_per_minute
    assert statuses[-1] == 429
    last = answer(client, point["link"])
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0 and "giây" in last.text


def test_feedback_and_contact_are_stored_apart_from_the_answers(
    client: TestClient, point: dict[str, Any], db: Db, admin: dict[str, str]
) -> None:
    thanks_url = answer(client, point["link"]).headers["location"]
    thanks = client.get(thanks_url)
    fields = form_fields(thanks.text)
    action = re.search(r'<form method="post" action="([^"]+)"', thanks.text).group(1)  # type: ignore[union-attr]
    no_consent = client.post(action, data=fields | {"kind": "petition", "text": "Chờ lâu", "phone": "0909"})
    assert no_consent.status_code == 422 and "consent" in no_consent.text
    sent = client.post(
        action, data=fields | {"kind": "petition", "text": "Chờ lâu", "phone": "0909 000 111", "consent": "yes"}
    )
    assert sent.status_code == 200 and "đơn vị có trách nhiệm" in sent.text
    with db() as session:
        feedback = session.scalars(select(Feedback)).one()
        contact = session.scalars(select(FeedbackContact)).one()
        response = session.scalars(select(Response)).one()
    assert feedback.kind == "petition" and contact.phone == "0909 000 111"
    assert "0909" not in str(response.answers)
    listed = client.get("/api/v1/feedback", headers=admin).json()
    assert listed[0]["has_contact"] is True and "phone" not in listed[0]
    # Only the managers of the unit handling it read the contact details; the province office does not.
    assert client.get(f"/api/v1/feedback/{feedback.id}/contact", headers=admin).status_code == 403
    with db() as session:
        manager = create_user(session, username="district-manager", role="unit_manager", unit_id=feedback.unit_id)
        handling = {"Authorization": f"Bearer {issue_token(session, manager, name='test')}"}
    assert client.get(f"/api/v1/feedback/{feedback.id}/contact", headers=handling).json()["phone"] == "0909 000 111"
    assert client.delete(f"/api/v1/feedback/{feedback.id}/contact", headers=admin).status_code == 204
    assert client.get(f"/api/v1/feedback/{feedback.id}/contact", headers=handling).status_code == 404
    tampered = client.post(action, data=fields | {"s": "x" * 16, "text": "again"})
    assert tampered.status_code == 404


def test_the_first_page_with_everything_it_loads_is_under_100_kb(client: TestClient, point: dict[str, Any]) -> None:
    headers = {"Accept-Encoding": "gzip"}
    page = client.get(path_of(point["link"]), headers=headers)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert assets, "the page loads its script"
    sizes = [len(gzip.compress(page.content))]
    sizes += [len(gzip.compress(client.get(asset, headers=headers).content)) for asset in assets]
    assert sum(sizes) < 100_000, sizes


def test_english_switch(client: TestClient, point: dict[str, Any]) -> None:
    english = client.get(path_of(point["link"]) + "?lang=en")
    assert '<html lang="en">' in english.text and "Send" in english.text
    assert client.cookies.get("sv_lang") == "en"


def test_a_burst_on_one_link_is_flagged(client: TestClient, point: dict[str, Any], db: Db, settings: Any) -> None:
    settings.qr_burst_per_minute = 2
    for _ in range(3):
        client.cookies.clear()  # three different phones
        assert answer(client, point["link"]).status_code == 303
    with db() as session:
        flags = [r.flags for r in session.scalars(select(Response).order_by(Response.received_at))]
    assert flags == [[], [], ["burst"]]


def test_two_phones_racing_with_one_dossier_number_store_one_answer(
    client: TestClient, db: Db, official: dict[str, int], admin: dict[str, str]
) -> None:
    import threading

    point = make_point(client, db, admin, receipt=True, code="desk-race")
    forms = []
    for _ in range(4):
        page = client.get(path_of(point["link"]))
        forms.append(form_fields(page.text) | scale_answers(client) | {"receipt": "HS-RACE-1"})
    barrier = threading.Barrier(len(forms))
    statuses: list[int] = []

    def post(fields: dict[str, str]) -> None:
        barrier.wait()
        statuses.append(client.post(path_of(point["link"]), data=fields, follow_redirects=False).status_code)

    threads = [threading.Thread(target=post, args=(fields,)) for fields in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 409, 409, 409]
    with db() as session:
        assert len(session.scalars(select(Response)).all()) == 1
        assert len(session.scalars(select(ReceiptClaim)).all()) == 1
