"""Sign-in throttling: failed attempts are counted per account and per client; past the limit every attempt
is 429 with Retry-After, even with the right password; an unknown username takes as long as a known one."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.auth.conftest import PASSWORD, SAME_ORIGIN, ClientWith
from tests.fieldwork.conftest import Person

TOKEN = "/api/v1/auth/token"


def attempt(client: TestClient, username: str, password: str) -> int:
    return client.post(TOKEN, json={"username": username, "password": password}).status_code


def test_an_account_is_locked_after_its_failures_even_for_the_right_password(
    client_with: ClientWith, person: Callable[..., Person]
) -> None:
    analyst, other = person("analyst", unit=None), person("analyst", unit=None)
    with client_with(sign_in_limit_per_account=3, sign_in_limit_per_client=100, sign_in_window_minutes=10) as client:
        assert attempt(client, analyst.username, PASSWORD) == 200, "successes are not counted"
        assert [attempt(client, analyst.username, "sai-mat-khau") for _ in range(3)] == [401, 401, 401]
        locked = client.post(TOKEN, json={"username": analyst.username, "password": PASSWORD})
        assert locked.status_code == 429
        assert 0 < int(locked.headers["retry-after"]) <= 600
        assert "too many failed sign-ins" in locked.json()["detail"]
        assert attempt(client, analyst.username.upper(), PASSWORD) == 429, "the account, whatever its case"
        assert attempt(client, other.username, PASSWORD) == 200, "other accounts are not locked"


def test_unknown_usernames_are_counted_like_known_ones(client_with: ClientWith) -> None:
    with client_with(sign_in_limit_per_account=2, sign_in_limit_per_client=100) as client:
        assert [attempt(client, "khong-co", "sai-mat-khau") for _ in range(3)] == [401, 401, 429]


def test_a_client_is_locked_after_its_failures_over_many_accounts(
    client_with: ClientWith, person: Callable[..., Person]
) -> None:
    analyst = person("analyst", unit=None)
    with client_with(sign_in_limit_per_account=100, sign_in_limit_per_client=4) as client:
        assert [attempt(client, f"doan-{k}", "sai-mat-khau") for k in range(4)] == [401] * 4
        reply = client.post(TOKEN, json={"username": analyst.username, "password": PASSWORD})
        assert reply.status_code == 429 and int(reply.headers["retry-after"]) > 0


def test_the_staff_sign_in_form_is_throttled_too(client_with: ClientWith, person: Callable[..., Person]) -> None:
    analyst = person("analyst", unit=None)
    with client_with(sign_in_limit_per_account=2, sign_in_limit_per_client=100) as client:
        client.headers.update(SAME_ORIGIN)
        for _ in range(2):
            assert (
                client.post("/staff/", data={"username": analyst.username, "password": "sai-mat-khau"}).status_code
                == 401
            )
        page = client.post("/staff/", data={"username": analyst.username, "password": PASSWORD})
        assert page.status_code == 429 and "set-cookie" not in page.headers
        assert int(page.headers["retry-after"]) > 0
        assert "Đăng nhập sai quá nhiều lần" in page.text and 'lang="vi"' in page.text
        assert attempt(client, analyst.username, PASSWORD) == 429, "the API and the pages share the count"


@pytest.mark.real_password_hashing
def test_an_unknown_username_takes_as_long_as_a_wrong_password(
    client_with: ClientWith, person: Callable[..., Person]
) -> None:
    analyst = person("analyst", unit=None)
    with client_with(sign_in_limit_per_account=1000, sign_in_limit_per_client=1000) as client:
        attempt(client, "khong-co-ai", "sai-mat-khau")  # warm both paths up
        attempt(client, analyst.username, "sai-mat-khau")
        known, unknown = [], []
        for k in range(7):  # interleaved, so a busy moment slows both
            started = time.perf_counter()
            assert attempt(client, analyst.username, "sai-mat-khau") == 401
            known.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert attempt(client, f"khong-co-{k}", "sai-mat-khau") == 401
            unknown.append(time.perf_counter() - started)
    assert statistics.median(unknown) >= 0.5 * statistics.median(known), (known, unknown)
