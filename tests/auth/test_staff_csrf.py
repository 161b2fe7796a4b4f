"""The staff pages' forms refuse requests from other sites (Origin, else Referer, must be this site) with a
Vietnamese 403 page; the cookie is SameSite=Strict; signing out revokes the cookie's token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from survey_api.settings import Settings
from survey_web.staff.csrf import same_origin
from tests.auth.conftest import PASSWORD, SAME_ORIGIN, ClientWith, stored_token
from tests.conftest import Db
from tests.fieldwork.conftest import Person

EVIL = {"Origin": "https://evil.example"}


def signed_in(client: TestClient, who: Person) -> str:
    """Sign ``who`` in through the form; the token in the cookie."""
    reply = client.post(
        "/staff/", data={"username": who.username, "password": PASSWORD}, headers=SAME_ORIGIN, follow_redirects=False
    )
    assert reply.status_code == 303, reply.text
    assert "samesite=strict" in reply.headers["set-cookie"].lower()
    token = client.cookies.get("sv_staff")
    assert token
    return token


@pytest.fixture
def analyst(person: Callable[..., Person]) -> Person:
    return person("analyst", unit=None)


def test_a_cross_site_sign_out_does_not_sign_out(client: TestClient, db: Db, analyst: Person) -> None:
    token = signed_in(client, analyst)
    for headers in (
        EVIL,
        {"Origin": "null"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "https://testserver"},  # another scheme is another origin
        {"Referer": "https://evil.example/trang"},
        {},  # neither Origin nor Referer
    ):
        reply = client.post("/staff/sign-out", headers=headers, follow_redirects=False)
        assert reply.status_code == 403, headers
        assert "set-cookie" not in reply.headers
        assert "Yêu cầu bị từ chối" in reply.text and 'lang="vi"' in reply.text
    assert client.get("/staff/fieldwork", follow_redirects=False).status_code == 200, "still signed in"
    assert stored_token(db, token).revoked_at is None


def test_a_same_site_sign_out_revokes_the_token(client: TestClient, db: Db, analyst: Person) -> None:
    token = signed_in(client, analyst)
    reply = client.post("/staff/sign-out", headers=SAME_ORIGIN, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/staff/"
    assert stored_token(db, token).revoked_at is not None
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    client.cookies.set("sv_staff", token, path="/staff")  # a copy of the cookie kept elsewhere
    assert client.get("/staff/fieldwork", follow_redirects=False).headers["location"] == "/staff/"


def test_a_referer_of_this_site_is_enough_without_an_origin(client: TestClient, db: Db, analyst: Person) -> None:
    token = signed_in(client, analyst)
    reply = client.post(
        "/staff/sign-out", headers={"Referer": "http://testserver/staff/fieldwork"}, follow_redirects=False
    )
    assert reply.status_code == 303
    assert stored_token(db, token).revoked_at is not None


def test_a_cross_site_sign_in_is_refused(client: TestClient, analyst: Person) -> None:
    reply = client.post("/staff/", data={"username": analyst.username, "password": PASSWORD}, headers=EVIL)
    assert reply.status_code == 403 and "set-cookie" not in reply.headers
    assert "Yêu cầu bị từ chối" in reply.text
    english = client.post("/staff/?lang=en", data={"username": analyst.username, "password": PASSWORD}, headers=EVIL)
    assert english.status_code == 403 and "Request refused" in english.text


def test_the_public_address_is_this_site_too(client_with: ClientWith, analyst: Person) -> None:
    with client_with(public_url="https://khaosat.example.gov.vn") as client:
        reply = client.post(
            "/staff/",
            data={"username": analyst.username, "password": PASSWORD},
            headers={"Origin": "https://khaosat.example.gov.vn"},
            follow_redirects=False,
        )
        assert reply.status_code == 303


def test_an_expired_cookie_token_leads_back_to_the_sign_in_form(
    client: TestClient, db: Db, analyst: Person, settings: Settings
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from survey_api.auth.security import token_digest
    from survey_api.db.base import utcnow
    from survey_api.db.models import ApiToken

    token = signed_in(client, analyst)
    with db() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == token_digest(token))
            .values(expires_at=utcnow() - timedelta(1))
        )
    assert client.get("/staff/fieldwork", follow_redirects=False).headers["location"] == "/staff/"


@pytest.mark.parametrize(
    ("headers", "same"),
    [
        ({"origin": "http://testserver"}, True),
        ({"origin": "http://TestServer:80"}, True),
        ({"origin": "http://testserver:8080"}, False),
        ({"origin": "not a url"}, False),
        ({"origin": "http://testserver", "referer": "https://evil.example/"}, True),
        ({"origin": "https://evil.example", "referer": "http://testserver/staff/"}, False),
        ({"referer": "http://testserver/staff/?lang=en"}, True),
        ({"origin": ""}, False),
    ],
)
def test_same_origin_compares_scheme_host_and_port(headers: dict[str, str], same: bool) -> None:
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": "/staff/sign-out",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *((k.encode(), v.encode()) for k, v in headers.items())],
    }
    assert same_origin(Request(scope)) is same
