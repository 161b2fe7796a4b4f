"""Signing in the OpenRosa way: HTTP Digest over the volunteer's account, nonces that expire, throttling."""

from __future__ import annotations

import time
from collections.abc import Callable
from xml.etree.ElementTree import fromstring

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import User
from survey_api.openrosa.digest import new_nonce
from survey_api.settings import Settings
from survey_web.asgi import create_app
from tests.conftest import Db
from tests.openrosa.conftest import Account
from tests.openrosa.digest_client import DigestClient, challenges

FORM_LIST = "/openrosa/formList"
ENVELOPE = "{http://openrosa.org/http/response}"


def message(reply: httpx.Response) -> str:
    root = fromstring(reply.content)
    assert root.tag == f"{ENVELOPE}OpenRosaResponse"
    found = root.find(f"{ENVELOPE}message")
    assert found is not None and found.text
    return found.text


def test_without_credentials_the_answer_is_401_with_md5_and_sha256_challenges(client: TestClient) -> None:
    reply = client.get(FORM_LIST)
    assert reply.status_code == 401
    assert reply.headers["X-OpenRosa-Version"] == "1.0"
    assert reply.headers["content-type"].startswith("text/xml")
    offered = challenges(reply.headers.get_list("www-authenticate"))
    assert [c["algorithm"] for c in offered] == ["MD5", "SHA-256"]
    assert all(c["qop"] == "auth" and c["realm"] == "survey" and c["nonce"] for c in offered)
    assert "sign in" in message(reply)


def test_httpx_digest_auth_signs_in_and_a_wrong_password_does_not(client: TestClient, volunteer: Account) -> None:
    assert client.get(FORM_LIST, auth=volunteer.auth).status_code == 200
    wrong = client.get(FORM_LIST, auth=httpx.DigestAuth(volunteer.username, "not-the-password"))
    assert wrong.status_code == 401
    assert "wrong username or password" in message(wrong)
    unknown = client.get(FORM_LIST, auth=httpx.DigestAuth("nobody-here", volunteer.password))
    assert unknown.status_code == 401


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_our_own_digest_client_signs_in_with_either_algorithm(
    client: TestClient, volunteer: Account, algorithm: str
) -> None:
    offered = {c["algorithm"]: c for c in challenges(client.get(FORM_LIST).headers.get_list("www-authenticate"))}
    signer = DigestClient(volunteer.username, volunteer.password, algorithm)
    for _ in range(2):  # the same nonce again, with the next nonce count
        header = signer.authorization(offered[algorithm], "GET", FORM_LIST)
        assert client.get(FORM_LIST, headers={"Authorization": header}).status_code == 200
    # Signed for another address: refused.
    other = signer.authorization(offered[algorithm], "GET", "/openrosa/forms/assignment-1")
    assert client.get(FORM_LIST, headers={"Authorization": other}).status_code == 401


def test_a_stale_nonce_is_401_stale_and_a_forged_one_401(
    client: TestClient, volunteer: Account, settings: Settings
) -> None:
    challenge = challenges(client.get(FORM_LIST).headers.get_list("www-authenticate"))[0]
    signer = DigestClient(volunteer.username, volunteer.password)
    old = new_nonce(settings.secret_key, now=time.time() - settings.openrosa_nonce_seconds - 60)
    stale = client.get(
        FORM_LIST, headers={"Authorization": signer.authorization(challenge, "GET", FORM_LIST, nonce=old)}
    )
    assert stale.status_code == 401
    assert all(c.get("stale") == "true" for c in challenges(stale.headers.get_list("www-authenticate")))
    forged = new_nonce("another-key-" + "y" * 40)
    refused = client.get(
        FORM_LIST, headers={"Authorization": signer.authorization(challenge, "GET", FORM_LIST, nonce=forged)}
    )
    assert refused.status_code == 401
    assert not any(c.get("stale") for c in challenges(refused.headers.get_list("www-authenticate")))
    # httpx signs again with the fresh nonce of a stale answer, as ODK Collect does.
    auth = volunteer.auth
    assert client.get(FORM_LIST, auth=auth).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Digest", 'Digest username="x"', "Digest " + "a=b, " * 2000, 'Digest username="x" junk'],
)
def test_malformed_authorization_headers_are_401_never_500(client: TestClient, header: str) -> None:
    reply = client.get(FORM_LIST, headers={"Authorization": header})
    assert reply.status_code == 401
    assert reply.headers.get_list("www-authenticate")


def test_a_password_set_before_digest_secrets_existed_is_401_asking_for_a_new_one(
    client: TestClient, volunteer: Account, db: Db
) -> None:
    with db() as session:
        user = session.scalars(select(User).where(User.id == volunteer.id)).one()
        user.digest_ha1_md5 = user.digest_ha1_sha256 = None
    reply = client.get(FORM_LIST, auth=volunteer.auth)
    assert reply.status_code == 401
    assert "set again" in message(reply)
    # Setting the password again (the admin API) stores the secrets.
    with db() as session:
        from survey_api.auth.service import set_password

        set_password(session, session.get_one(User, volunteer.id), volunteer.password)
    assert client.get(FORM_LIST, auth=volunteer.auth).status_code == 200


def test_only_volunteers_get_digest_secrets_and_disabled_or_other_roles_are_refused(
    client: TestClient, account: Callable[..., Account], db: Db
) -> None:
    admin = account("admin", unit="p")
    with db() as session:
        stored = session.get_one(User, admin.id)
        assert stored.password_hash and stored.digest_ha1_md5 is None and stored.digest_ha1_sha256 is None
    assert client.get(FORM_LIST, auth=admin.auth).status_code == 401

    moved = account("volunteer")
    disabled = account("volunteer")
    with db() as session:
        session.get_one(User, moved.id).role = "analyst"
        session.get_one(User, disabled.id).active = False
    assert client.get(FORM_LIST, auth=moved.auth).status_code == 403
    reply = client.get(FORM_LIST, auth=disabled.auth)
    assert reply.status_code == 401 and "disabled" in message(reply)


def test_failed_digest_answers_use_up_the_sign_in_throttle(database_url: str, area: None, volunteer: Account) -> None:
    settings = Settings(database_url=database_url, secret_key="k" * 48, environment="test", sign_in_limit_per_account=3)
    with TestClient(create_app(settings)) as client:
        challenge = challenges(client.get(FORM_LIST).headers.get_list("www-authenticate"))[0]
        wrong = DigestClient(volunteer.username, "wrong-password-1")
        statuses = [
            client.get(
                FORM_LIST, headers={"Authorization": wrong.authorization(challenge, "GET", FORM_LIST)}
            ).status_code
            for _ in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
        blocked = client.get(FORM_LIST, auth=volunteer.auth)
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert "too many" in message(blocked)
