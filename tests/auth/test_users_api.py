"""Managing accounts through the API: admins manage everyone, unit managers the volunteers of their units;
passwords of at least 10 characters, never shown or logged; every change audit-logged."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.auth.conftest import PASSWORD, audit_entries, bearer
from tests.conftest import Db
from tests.fieldwork.conftest import Person

USERS = "/api/v1/users"
ME = "/api/v1/auth/me"
NEW_PASSWORD = "mat-khau-moi-2026"


def new_user(client: TestClient, actor: Person, **fields: object) -> dict[str, object]:
    body = {"username": "nguoi-moi", "role": "volunteer", "unit": "d1", "password": NEW_PASSWORD} | fields
    reply = client.post(USERS, json=body, headers=actor.headers)
    assert reply.status_code == 201, reply.text
    created: dict[str, object] = reply.json()
    return created


def sign_in(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}).status_code


def test_an_admin_creates_accounts_of_every_role(
    client: TestClient, db: Db, admin: Person, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reply = client.post(
        USERS,
        json={
            "username": "ql-d1",
            "role": "unit_manager",
            "unit": "d1",
            "display_name": "Cán bộ",
            "password": NEW_PASSWORD,
        },
        headers=admin.headers,
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["username"] == "ql-d1" and body["role"] == "unit_manager" and body["unit"] == "d1"
    assert body["display_name"] == "Cán bộ" and body["active"] is True
    assert NEW_PASSWORD not in reply.text and "password" not in body and "hash" not in reply.text
    assert sign_in(client, "ql-d1", NEW_PASSWORD) == 200
    analyst = new_user(client, admin, username="pt-1", role="analyst", unit=None)
    assert analyst["unit"] is None
    assert ("user.create", "ql-d1", {"role": "unit_manager", "unit": "d1"}) in audit_entries(db)
    assert NEW_PASSWORD not in str(audit_entries(db))
    assert NEW_PASSWORD not in caplog.text, "passwords never reach the logs"


def test_bad_accounts_are_refused_with_what_to_fix(client: TestClient, admin: Person) -> None:
    def create(**fields: object) -> tuple[int, str]:
        body = {"username": "x-1", "role": "volunteer", "unit": "d1", "password": NEW_PASSWORD} | fields
        reply = client.post(USERS, json=body, headers=admin.headers)
        return reply.status_code, reply.json().get("detail", "")

    status, detail = create(password="ngan-qua")
    assert status == 422 and "at least 10 characters" in detail and "ngan-qua" not in detail
    assert create(unit=None) == (422, "a volunteer needs a unit")
    assert create(role="unit_manager", unit=None) == (422, "a unit_manager needs a unit")
    assert create(unit="khong-co")[0] == 422
    assert create(role="superuser")[0] == 422
    assert create(username="có dấu")[0] == 422
    assert create()[0] == 201
    assert create()[0] == 409


def test_setting_a_password_replaces_it_and_signs_the_account_out(
    client: TestClient, db: Db, admin: Person, volunteer: Person
) -> None:
    url = f"{USERS}/{volunteer.username}/password"
    short = client.put(url, json={"password": "123456789"}, headers=admin.headers)
    assert short.status_code == 422 and "at least 10 characters" in short.json()["detail"]
    assert client.put(url, json={"password": NEW_PASSWORD}, headers=admin.headers).status_code == 204
    assert sign_in(client, volunteer.username, PASSWORD) == 401
    assert sign_in(client, volunteer.username, NEW_PASSWORD) == 200
    assert client.get(ME, headers=volunteer.headers).status_code == 401, "old tokens are revoked"
    [entry] = audit_entries(db, "user.password")
    assert entry[1] == volunteer.username and NEW_PASSWORD not in str(entry)
    assert (
        client.put(f"{USERS}/khong-co/password", json={"password": NEW_PASSWORD}, headers=admin.headers).status_code
        == 404
    )


def test_disabling_an_account_revokes_all_its_tokens(
    client: TestClient, db: Db, admin: Person, volunteer: Person
) -> None:
    second = client.post("/api/v1/auth/token", json={"username": volunteer.username, "password": PASSWORD}).json()
    reply = client.post(f"{USERS}/{volunteer.username}/disable", headers=admin.headers)
    assert reply.status_code == 200 and reply.json()["active"] is False
    for token in (bearer(volunteer.headers), second["token"]):
        assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert sign_in(client, volunteer.username, PASSWORD) == 401
    tokens = client.get(f"{USERS}/{volunteer.username}/tokens", headers=admin.headers).json()
    assert len(tokens) == 2 and all(t["revoked_at"] for t in tokens)
    assert audit_entries(db, "user.disable") == [("user.disable", volunteer.username, {"tokens_revoked": 2})]
    again = client.post(f"{USERS}/{volunteer.username}/disable", headers=admin.headers)
    assert again.status_code == 200 and len(audit_entries(db, "user.disable")) == 1, "nothing changed"
    own = client.post(f"{USERS}/{admin.username}/disable", headers=admin.headers)
    assert own.status_code == 409


def test_an_accounts_tokens_are_listed_without_secrets_and_revoked_one_by_one(
    client: TestClient, db: Db, admin: Person, volunteer: Person
) -> None:
    second = client.post("/api/v1/auth/token", json={"username": volunteer.username, "password": PASSWORD}).json()
    url = f"{USERS}/{volunteer.username}/tokens"
    reply = client.get(url, headers=admin.headers)
    assert reply.status_code == 200
    tokens = reply.json()
    assert [t["name"] for t in tokens] == ["sign-in", "test"], "newest first"
    assert all(set(t) == {"id", "name", "created_at", "expires_at", "revoked_at"} for t in tokens)
    assert bearer(volunteer.headers) not in reply.text and second["token"] not in reply.text
    assert client.delete(f"{url}/{tokens[0]['id']}", headers=admin.headers).status_code == 204
    assert client.get(ME, headers={"Authorization": f"Bearer {second['token']}"}).status_code == 401
    assert client.get(ME, headers=volunteer.headers).status_code == 200, "the other token still works"
    assert client.delete(f"{url}/999999", headers=admin.headers).status_code == 404
    [entry] = audit_entries(db, "token.revoke")
    assert entry[1] == volunteer.username and entry[2]["token"] == tokens[0]["id"]


def test_a_unit_manager_manages_only_the_volunteers_of_their_units(
    client: TestClient, db: Db, admin: Person, manager: Person, person: Callable[..., Person]
) -> None:
    own = person("volunteer", unit="d1")
    other = person("volunteer", unit="d2")
    analyst = person("analyst", unit=None)
    created = new_user(client, manager, username="tnv-d1")
    assert created["role"] == "volunteer" and created["unit"] == "d1"
    body = {"username": "tnv-d2", "role": "volunteer", "unit": "d2", "password": NEW_PASSWORD}
    assert client.post(USERS, json=body, headers=manager.headers).status_code == 403
    body = {"username": "pt-2", "role": "analyst", "password": NEW_PASSWORD}
    assert client.post(USERS, json=body, headers=manager.headers).status_code == 403
    listed = {u["username"] for u in client.get(USERS, headers=manager.headers).json()}
    assert listed == {own.username, "tnv-d1"}
    assert client.get(USERS, params={"role": "analyst"}, headers=manager.headers).json() == []
    everyone = {u["username"] for u in client.get(USERS, headers=admin.headers).json()}
    assert {own.username, other.username, analyst.username, manager.username, admin.username} <= everyone
    in_d2 = {u["username"] for u in client.get(USERS, params={"unit": "d2"}, headers=admin.headers).json()}
    assert in_d2 == {other.username}
    for who in (other, analyst):
        assert client.post(f"{USERS}/{who.username}/disable", headers=manager.headers).status_code == 403
        assert client.get(f"{USERS}/{who.username}/tokens", headers=manager.headers).status_code == 403
        put = client.put(f"{USERS}/{who.username}/password", json={"password": NEW_PASSWORD}, headers=manager.headers)
        assert put.status_code == 403
    assert client.get(ME, headers=other.headers).status_code == 200
    put = client.put(f"{USERS}/{own.username}/password", json={"password": NEW_PASSWORD}, headers=manager.headers)
    assert put.status_code == 204
    assert client.post(f"{USERS}/{own.username}/disable", headers=manager.headers).status_code == 200
    actions = [(action, target) for action, target, _ in audit_entries(db)]
    assert actions == [("user.create", "tnv-d1"), ("user.password", own.username), ("user.disable", own.username)]


def test_other_roles_may_not_manage_accounts(client: TestClient, person: Callable[..., Person]) -> None:
    assert client.get(USERS).status_code == 401
    for role in ("analyst", "volunteer"):
        who = person(role)
        assert client.get(USERS, headers=who.headers).status_code == 403
        body = {"username": "x-2", "role": "volunteer", "unit": "d1", "password": NEW_PASSWORD}
        assert client.post(USERS, json=body, headers=who.headers).status_code == 403
