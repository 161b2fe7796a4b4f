"""Contact details never appear in exports, counts, lists, public pages or logs (Decree 13/2023/NĐ-CP)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.feedback.conftest import Mail, item_id
from tests.feedback.helpers import CONTACT, leave_feedback
from tests.fieldwork.conftest import Person

API = "/api/v1/feedback"


def test_contact_details_stay_out_of_exports_reports_pages_and_logs(
    client: TestClient,
    links: dict[str, str],
    admin: Person,
    managers: dict[str, Person],
    smtp: list[Mail],
    caplog: pytest.LogCaptureFixture,
) -> None:
    manager = managers["d1"]
    with caplog.at_level(logging.DEBUG):
        reference = leave_feedback(client, links["d1"], contact=CONTACT, text="Tôi chờ hai giờ")
        number = item_id(client, manager, reference)
        assert client.get(f"{API}/{number}/contact", headers=manager.headers).status_code == 200
        reply = client.post(f"{API}/{number}/reply", json={"text": "Xin lỗi Ông/Bà"}, headers=manager.headers)
        assert reply.status_code == 200
        seen = [
            client.get("/api/v1/exports/responses.csv", params={"instrument": "sipas"}, headers=admin.headers),
            client.get("/api/v1/exports/responses.xlsx", params={"instrument": "sipas"}, headers=admin.headers),
            client.get(API, headers=admin.headers),
            client.get(f"{API}/{number}", headers=manager.headers),
            client.get(f"{API}/counts", headers=admin.headers),
            client.get(f"/phan-anh/{reference}"),
            client.get("/phan-anh"),
        ]
    assert [r.status_code for r in seen] == [200] * len(seen)
    assert len(smtp) == 1  # the e-mail went out, and its sending was logged
    # Everything logged but the test's own SMTP server (aiosmtpd's "mail.log" traces the conversation).
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if r.name != "mail.log")
    assert f"e-mail for feedback {number} sent" in logged and f"sms for feedback {number}" in logged
    for value in CONTACT.values():
        assert all(value.encode() not in r.content for r in seen), value
        assert value not in logged, value
    # The exports carry no feedback at all.
    assert all("Tôi chờ hai giờ".encode() not in r.content for r in seen[:2])
