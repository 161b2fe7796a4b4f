"""Feedback through the citizen's QR pages, for the feedback tests."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.web.qr_helpers import form_fields

CONTACT = {"name": "Trần Thị Bích", "phone": "0912 345 678", "email": "bich.tran@example.vn"}


def qr_link(client: TestClient, admin: dict[str, str], unit: str, code: str) -> str:
    """The path of a new SIPAS QR link at a new one-stop desk of ``unit``."""
    reply = client.post(
        "/api/v1/service-points",
        json={
            "code": code,
            "name": f"Bộ phận Một cửa {unit}",
            "unit": unit,
            "kind": "one_stop_counter",
            "instruments": ["sipas"],
        },
        headers=admin,
    )
    assert reply.status_code == 201, reply.text
    return urlsplit(reply.json()[0]["link"]).path


def sipas_answers(client: TestClient, value: int) -> dict[str, str]:
    """Every SIPAS 1–5 item answered ``value`` (and the required others with their first option)."""
    sipas = next(i for i in client.get("/api/v1/instruments").json() if i["code"] == "sipas")
    fields = {}
    for item in sipas["items"]:
        if item["type"] == "scale_1_5":
            fields[f"a:{item['code']}"] = str(value)
        elif item["required"] and item["options"]:
            fields[f"a:{item['code']}"] = str(item["options"][0]["value"])
        elif item["required"]:
            fields[f"a:{item['code']}"] = "ok"
    return fields


def answer(client: TestClient, link: str, value: int = 5, overrides: dict[str, str] | None = None) -> str:
    """Answer the questionnaire behind ``link``; the thank-you page's address."""
    page = client.get(link)
    assert page.status_code == 200, page.text
    fields = form_fields(page.text) | sipas_answers(client, value) | (overrides or {})
    sent = client.post(link, data=fields, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return str(sent.headers["location"])


def leave_feedback(
    client: TestClient,
    link: str,
    *,
    kind: str = "petition",
    text: str = "Phải chờ quá lâu để nộp hồ sơ.",
    contact: dict[str, str] | None = None,
    value: int = 5,
    overrides: dict[str, str] | None = None,
) -> str:
    """Answer, then leave feedback (with contact details and consent when given); its reference."""
    thanks = client.get(answer(client, link, value, overrides))
    action = re.search(r'<form method="post" action="([^"]+)"', thanks.text)
    assert action is not None, thanks.text
    data: dict[str, Any] = form_fields(thanks.text) | {"kind": kind, "text": text}
    if contact:
        data |= contact | {"consent": "yes"}
    sent = client.post(action.group(1), data=data)
    assert sent.status_code == 200, sent.text
    found = re.search(r'<strong id="reference">([0-9A-Z-]+)</strong>', sent.text)
    assert found is not None, sent.text
    return found.group(1)
