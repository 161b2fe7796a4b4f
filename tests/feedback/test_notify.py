"""The citizen is told of the reply by e-mail only when they consented and left an address (a local SMTP server
receives it); a phone number goes to the SMS/Zalo sender, which for now only logs, without personal data."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from survey_api.feedback.notify import LoggingTextSender, Notice, SmtpSender
from survey_api.settings import Settings
from tests.feedback.conftest import Mail, item_id
from tests.feedback.helpers import CONTACT, leave_feedback
from tests.fieldwork.conftest import Person

API = "/api/v1/feedback"


def test_the_reply_is_e_mailed_to_a_citizen_who_consented(
    client: TestClient, links: dict[str, str], managers: dict[str, Person], smtp: list[Mail]
) -> None:
    manager = managers["d1"]
    reference = leave_feedback(client, links["d1"], contact=CONTACT)
    silent = leave_feedback(client, links["d1"])  # no contact details: nobody to tell
    for ref in (reference, silent):
        number = item_id(client, manager, ref)
        reply = client.post(f"{API}/{number}/reply", json={"text": "Đã bố trí thêm quầy."}, headers=manager.headers)
        assert reply.status_code == 200
    assert len(smtp) == 1
    mail = smtp[0]
    assert mail.recipients == [CONTACT["email"]]
    assert mail.message["From"] == "khaosat@tinh.example.vn" and reference in mail.message["Subject"]
    body = mail.message.get_content()
    assert "Đã bố trí thêm quầy." in body and f"http://testserver/phan-anh/{reference}" in body
    history = client.get(f"{API}/{item_id(client, manager, reference)}", headers=manager.headers).json()["history"]
    assert history[-1]["action"] == "notified"


def test_a_failing_smtp_server_loses_nothing_and_logs_no_address(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.smtp_host, settings.smtp_port = "127.0.0.1", 9  # nothing listens on the discard port
    notice = Notice(7, "ABCD-2345-EFGH-6789", "answered", "Trả lời", CONTACT["email"], CONTACT["phone"], "http://x/")
    with caplog.at_level(logging.DEBUG):
        assert SmtpSender(settings).send(notice) is False
        assert LoggingTextSender("zalo").send(notice) is False
    assert "feedback 7" in caplog.text and "zalo for feedback 7" in caplog.text
    for value in (CONTACT["email"], CONTACT["phone"], "Trả lời", notice.reference):
        assert value not in caplog.text
