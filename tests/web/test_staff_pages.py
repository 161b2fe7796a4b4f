"""The staff area over plain HTTP: sign-in with the API's accounts, the token in an HttpOnly cookie,
Vietnamese pages by default, the fieldwork numbers of a plan, and the API's unit scope."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import ApiToken
from tests.conftest import Db
from tests.fieldwork.conftest import PASSWORD, Person
from tests.plans.conftest import analyst as analyst  # fixtures
from tests.plans.conftest import area as area
from tests.plans.conftest import new_plan as new_plan
from tests.plans.conftest import person as person
from tests.plans.conftest import volunteer as volunteer
from tests.web.staff_helpers import SAME_ORIGIN, plan_in_field, progress, shown_percent

MakePerson = Callable[..., Person]
NewPlan = Callable[..., int]


@pytest.fixture(autouse=True)
def same_origin(client: TestClient) -> None:
    """Post as the pages' own forms do: with the site's Origin (a POST without one is refused)."""
    client.headers.update(SAME_ORIGIN)


def title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, who: Person, password: str = PASSWORD) -> None:
    reply = client.post("/staff/", data={"username": who.username, "password": password}, follow_redirects=False)
    assert reply.status_code == 303, reply.text
    assert reply.headers["location"] == "/staff/fieldwork"


def test_the_sign_in_page_is_vietnamese_with_an_english_switch(client: TestClient) -> None:
    assert client.get("/staff", follow_redirects=False).headers["location"] == "/staff/"
    page = client.get("/staff/")
    assert page.status_code == 200
    assert title(page.text) == "Đăng nhập khu vực cán bộ · Khu vực cán bộ"
    assert 'lang="vi"' in page.text and 'autocomplete="current-password"' in page.text
    english = client.get("/staff/", params={"lang": "en"})
    assert title(english.text) == "Staff sign-in · Staff area" and 'lang="en"' in english.text
    assert title(client.get("/staff/").text).startswith("Staff sign-in"), "the choice is remembered"


def test_signing_in_keeps_the_token_in_an_httponly_cookie_and_signing_out_drops_it(
    client: TestClient, analyst: Person
) -> None:
    assert client.get("/staff/fieldwork", follow_redirects=False).headers["location"] == "/staff/"
    reply = client.post("/staff/", data={"username": analyst.username, "password": PASSWORD}, follow_redirects=False)
    assert reply.status_code == 303
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith("sv_staff=svy_") and "HttpOnly" in cookie and "Path=/staff" in cookie
    assert "samesite=strict" in cookie.lower()
    page = client.get("/staff/fieldwork")
    assert page.status_code == 200 and title(page.text) == "Theo dõi điều tra thực địa · Khu vực cán bộ"
    assert page.headers["cache-control"] == "no-store"
    assert client.get("/staff/", follow_redirects=False).headers["location"] == "/staff/fieldwork"
    out = client.post("/staff/sign-out", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/staff/"
    assert client.get("/staff/fieldwork", follow_redirects=False).status_code == 303


def test_a_wrong_password_or_a_volunteer_account_is_refused_with_a_message(
    client: TestClient, db: Db, analyst: Person, volunteer: Person
) -> None:
    wrong = client.post("/staff/", data={"username": analyst.username, "password": "sai-mat-khau"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    assert "Sai tên đăng nhập hoặc mật khẩu." in wrong.text and f'value="{analyst.username}"' in wrong.text
    empty = client.post("/staff/", data={"username": analyst.username, "password": ""})
    assert empty.status_code == 422 and "Vui lòng nhập cả tên đăng nhập và mật khẩu." in empty.text
    with db() as session:
        tokens = session.scalar(select(func.count()).select_from(ApiToken))
    refused = client.post("/staff/", data={"username": volunteer.username, "password": PASSWORD})
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert "/tablet/" in refused.text
    with db() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == tokens, "no token kept for it"
    client.cookies.set("sv_staff", volunteer.headers["Authorization"].removeprefix("Bearer "), path="/staff")
    assert client.get("/staff/fieldwork").status_code == 403


def test_a_plans_page_shows_the_apis_numbers(
    client: TestClient,
    analyst: Person,
    new_plan: NewPlan,
    person: MakePerson,
    volunteer: Person,
) -> None:
    field = plan_in_field(client, analyst, new_plan, person, volunteer)
    api = progress(client, analyst, field.plan)
    sign_in(client, analyst)
    listing = client.get("/staff/fieldwork").text
    assert f'href="/staff/fieldwork/plans/{field.plan}"' in listing and "Đã rút mẫu" in listing
    assert "chỉ dành cho quản trị viên và cán bộ quản lý đơn vị" in listing, "analysts have no assignment list"
    page = client.get(f"/staff/fieldwork/plans/{field.plan}")
    assert page.status_code == 200 and title(page.text) == "Tiến độ: Khảo sát SIPAS · Khu vực cán bộ"
    rr1 = shown_percent(api["strata"]["a"]["progress"]["response_rate"])
    assert rr1 == "60,0 %"
    assert f'<td class="num" data-col="rr1">{rr1}</td>' in page.text
    assert f'<td class="num" data-col="rr1">{shown_percent(api["total"]["progress"]["response_rate"])}</td>' in (
        page.text
    )
    assert "hết hạn ngày 31/01/2020, mới hoàn thành 0/2 chỉ tiêu" in page.text
    draft = new_plan({"stages": [{"name": "household", "method": "srs", "n": 2}]}, "d1", "Bản nháp")
    assert "chưa rút mẫu" in client.get(f"/staff/fieldwork/plans/{draft}").text
    missing = client.get("/staff/fieldwork/plans/999999")
    assert missing.status_code == 404 and "Không tìm thấy kế hoạch" in missing.text


def test_a_unit_manager_sees_the_assignments_and_plans_of_their_units_only(
    client: TestClient, analyst: Person, new_plan: NewPlan, person: MakePerson, volunteer: Person
) -> None:
    field = plan_in_field(client, analyst, new_plan, person, volunteer)
    other = new_plan({"stages": [{"name": "household", "method": "srs", "n": 2}]}, "d2", "Kế hoạch huyện d2")
    sign_in(client, field.manager)
    listing = client.get("/staff/fieldwork").text
    assert "Khảo sát SIPAS" in listing and "Kế hoạch huyện d2" not in listing
    assert f'data-row="#{field.late}"' in listing and 'class="late"' in listing, "the assignment list marks late"
    forbidden = client.get(f"/staff/fieldwork/plans/{other}")
    assert forbidden.status_code == 403 and "thuộc đơn vị khác" in forbidden.text
    client.post("/staff/sign-out")
    sign_in(client, person("unit_manager", unit="d2"))
    listing = client.get("/staff/fieldwork").text
    assert "Kế hoạch huyện d2" in listing and "Khảo sát SIPAS" not in listing
    assert client.get(f"/staff/fieldwork/plans/{field.plan}").status_code == 403
    client.post("/staff/sign-out")
    sign_in(client, person("unit_manager", unit=None))
    unattached = client.get("/staff/fieldwork")
    assert unattached.status_code == 403 and "chưa được gắn với đơn vị" in unattached.text
