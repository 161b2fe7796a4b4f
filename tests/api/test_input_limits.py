"""Bad input is a clear 4xx naming what is wrong, never a 500, and nothing of it is stored: numbers past what
the database holds, NUL and lone surrogates, JSON nested too deep, bodies too large, times that overflow UTC,
feedback contact details longer than their columns. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import Feedback, FeedbackContact, Response
from survey_api.settings import Settings
from survey_web.asgi import create_app
from tests.api.helpers import instrument, submission
from tests.conftest import Db
from tests.web.qr_helpers import form_fields, make_point
from tests.web.test_qr_pages import answer

RESPONSES = "/api/v1/responses"
FREE_TEXT = "A.2.other"  # an optional free-text item of SIPAS


@pytest.fixture
def admin(token_for: Any) -> dict[str, str]:
    return dict(token_for("admin"))


@pytest.fixture
def sipas(client: TestClient, official: dict[str, int]) -> dict[str, Any]:
    return instrument(client, "sipas")


def stored(db: Db) -> int:
    with db() as session:
        return int(session.scalar(select(func.count()).select_from(Response)) or 0)


def problem_items(reply: Any) -> list[str]:
    return [e["item"] for e in reply.json().get("errors", [])]


def post_raw(client: TestClient, body: str, headers: dict[str, str]) -> Any:
    return client.post(RESPONSES, content=body.encode(), headers=headers | {"Content-Type": "application/json"})


@pytest.mark.parametrize("number", ["31879245795960442880", "3000000000", "0"])
@pytest.mark.parametrize(
    "path", ["/api/v1/plans/{}", "/api/v1/instruments/{}", "/api/v1/feedback/{}/contact", "/api/v1/plans/{}/sample"]
)
def test_an_id_in_the_path_that_no_row_can_have_is_404(
    client: TestClient, admin: dict[str, str], path: str, number: str
) -> None:
    reply = client.get(path.format(number), headers=admin)
    assert reply.status_code == 404, reply.text
    assert reply.json()["detail"]


@pytest.mark.parametrize("number", ["99999999999999999999", "3000000000"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/indices?instrument=sipas&version={}",
        "/api/v1/exports/codebook.csv?instrument=sipas&version={}",
        "/api/v1/exports/responses.csv?instrument=sipas&version={}",
    ],
)
def test_a_query_number_past_the_database_is_422_naming_it(
    client: TestClient, official: dict[str, int], admin: dict[str, str], url: str, number: str
) -> None:
    reply = client.get(url.format(number), headers=admin)
    assert reply.status_code == 422, reply.text
    assert problem_items(reply) == ["version"]


def test_an_import_for_a_version_past_the_database_is_422(client: TestClient, admin: dict[str, str]) -> None:
    files = {"file": ("a.csv", b"A.1\n5\n")}
    reply = client.post("/api/v1/imports?instrument=sipas&version=99999999999999999999", files=files, headers=admin)
    assert reply.status_code == 422 and problem_items(reply) == ["version"]


@pytest.mark.parametrize(
    ("url", "item"),
    [
        ("/api/v1/indices?instrument=si%00pas", "instrument"),
        ("/api/v1/volunteers?unit=d%001", "unit"),
        ("/api/v1/service-points/a%00b/links", "path"),
    ],
)
def test_a_nul_in_the_query_or_path_is_422_naming_it(
    client: TestClient, admin: dict[str, str], url: str, item: str
) -> None:
    reply = client.request("POST" if url.endswith("links") else "GET", url, headers=admin, json={"instrument": "x"})
    assert reply.status_code == 422, reply.text
    assert problem_items(reply) == [item] and "NUL" in reply.json()["detail"]


@pytest.mark.parametrize(
    ("field", "raw", "item"),
    [
        ("service_point", '"a\\u0000b"', "service_point"),
        ("service_point", '"\\ud800"', "service_point"),
        ("answers", '"A.2.other": "chờ \\u0000 lâu"', f"answers.{FREE_TEXT}"),
        ("answers", '"A.2.other": "\\udfff"', f"answers.{FREE_TEXT}"),
        ("answers", '"A.2\\u0000": 1', "answers.A.2\\u0000"),
        ("instrument_version", "99999999999999999999", "instrument_version"),
        ("instrument_version", "3000000000", "instrument_version"),
        ("answers", '"A.1": 1e999', "answers.A.1"),
        ("answers", '"A.1": NaN', "answers.A.1"),
        ("completed_at", '"9999-12-31T23:59:59-14:00"', "completed_at"),
        ("started_at", '"0001-01-01T00:00:00+14:00"', "started_at"),
    ],
)
def test_a_response_with_content_no_database_keeps_is_422_naming_it_and_not_stored(
    client: TestClient, sipas: dict[str, Any], admin: dict[str, str], db: Db, field: str, raw: str, item: str
) -> None:
    body = submission(sipas)
    if field == "answers":  # raw is one answer, key and value, as JSON text
        text = json.dumps({**body, "answers": {**body["answers"], "__K__": 0}}).replace('"__K__": 0', raw)
    else:
        text = json.dumps({**body, field: "__V__"}).replace('"__V__"', raw)
    reply = post_raw(client, text, admin)
    assert reply.status_code == 422, reply.text
    assert problem_items(reply) == [item]
    assert stored(db) == 0


@pytest.mark.parametrize("depth", [40, 100_000])
def test_json_nested_too_deep_is_422(
    client: TestClient, sipas: dict[str, Any], admin: dict[str, str], db: Db, depth: int
) -> None:
    body = json.dumps({**submission(sipas), "answers": {FREE_TEXT: "__DEEP__"}})
    reply = post_raw(client, body.replace('"__DEEP__"', "[" * depth + "]" * depth), admin)
    assert reply.status_code == 422, reply.text
    assert "nested deeper than 32 levels" in reply.json()["detail"]
    assert stored(db) == 0


@pytest.fixture
def small_limits(settings: Settings) -> Iterator[TestClient]:
    """The app with bodies limited to 1 MB and uploads to 2 MB."""
    limited = settings.model_copy(update={"max_body_mb": 1, "max_upload_mb": 2})
    with TestClient(create_app(limited)) as test_client:
        yield test_client


def test_a_body_over_the_limit_is_413_from_its_length_or_as_it_streams(
    small_limits: TestClient, official: dict[str, int], admin: dict[str, str]
) -> None:
    big = b'{"id": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    declared = small_limits.post(RESPONSES, content=big, headers=admin | {"Content-Type": "application/json"})
    assert declared.status_code == 413 and "1 MB" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        yield b'--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nA.1\n'
        for _ in range(4):
            yield b"5\n" * (300 * 1024)

    streamed = small_limits.post(
        "/api/v1/imports?instrument=sipas&version=1",
        content=chunks(),
        headers=admin | {"Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert streamed.status_code == 413 and "2 MB" in streamed.json()["detail"]


def test_an_upload_may_be_larger_than_a_json_body(
    small_limits: TestClient, official: dict[str, int], admin: dict[str, str]
) -> None:
    rows = f"A.1,{FREE_TEXT}\n".encode() + (b"5," + b"x" * (100 * 1024) + b"\n") * 15  # 1.5 MB in 15 rows
    reply = small_limits.post(
        "/api/v1/imports?instrument=sipas&version=1", files={"file": ("a.csv", rows)}, headers=admin
    )
    assert reply.status_code == 422, reply.text[:300]  # read and checked (the text is too long), not refused
    assert FREE_TEXT in problem_items(reply)


def test_a_csv_field_past_what_the_csv_reader_takes_is_422_not_a_server_error(
    client: TestClient, official: dict[str, int], admin: dict[str, str]
) -> None:
    rows = f"A.1,{FREE_TEXT}\n5,".encode() + b"x" * 200_000 + b"\n"
    reply = client.post("/api/v1/imports?instrument=sipas&version=1", files={"file": ("a.csv", rows)}, headers=admin)
    assert reply.status_code == 422 and problem_items(reply) == ["file"]


def test_a_page_form_with_a_nul_is_a_vietnamese_422_page(
    client: TestClient, db: Db, official: dict[str, int], admin: dict[str, str]
) -> None:
    point = make_point(client, db, admin)
    path = re.sub(r"^https?://[^/]+", "", point["link"])
    fields = form_fields(client.get(path).text) | {f"a:{FREE_TEXT}": "chờ\x00lâu"}
    reply = client.post(path, data=fields)
    assert reply.status_code == 422 and reply.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in reply.text and f"a:{FREE_TEXT}" in reply.text and "NUL" in reply.text
    assert stored(db) == 0


@pytest.mark.parametrize("field", ["name", "phone", "email"])
def test_feedback_contact_details_longer_than_their_columns_are_422(
    client: TestClient, db: Db, official: dict[str, int], admin: dict[str, str], field: str
) -> None:
    point = make_point(client, db, admin)
    thanks = client.get(answer(client, point["link"]).headers["location"])
    action = re.search(r'<form method="post" action="([^"]+)"', thanks.text).group(1)  # type: ignore[union-attr]
    fields = form_fields(thanks.text) | {"kind": "feedback", "text": "Tốt", "consent": "yes", field: "9" * 201}
    reply = client.post(action, data=fields)
    assert reply.status_code == 422, reply.text
    assert f'href="#f-{field}"' in reply.text
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0
        assert session.scalar(select(func.count()).select_from(FeedbackContact)) == 0
