"""The admin units page moves a unit under another parent from a day on (earlier days keep the old parent) and
shows the crosswalk: which units a closed unit went to, with the shares, in Vietnamese and English."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Db
from tests.fieldwork.conftest import PASSWORD, Person
from tests.fieldwork.conftest import area as area  # fixtures
from tests.fieldwork.conftest import person as person
from tests.web.staff_helpers import SAME_ORIGIN

MakePerson = Callable[..., Person]
UNITS = "/staff/admin/units"


@pytest.fixture(autouse=True)
def signed_in_admin(client: TestClient, person: MakePerson) -> None:
    client.headers.update(SAME_ORIGIN)
    admin = person("admin", unit=None)
    reply = client.post("/staff/", data={"username": admin.username, "password": PASSWORD}, follow_redirects=False)
    assert reply.status_code == 303


def _parent_of(html: str, child: str) -> str:
    """The code of the list item that holds ``child``'s item in the tree."""
    before = html[: html.index(f'data-unit="{child}"')]
    return before[before.rindex('data-unit="', 0, before.rindex("<ul>")) :].split('"')[1]


def test_an_admin_moves_a_unit_from_a_day_on(client: TestClient, db: Db) -> None:
    form = {"code": "truong", "name": "Trường Thử", "kind": "school", "parent": "d1", "valid_from": "2020-01-01"}
    assert client.post(f"{UNITS}/create", data=form, follow_redirects=False).status_code == 303
    move = {"code": "truong", "parent": "d2", "valid_from": "2025-07-01"}
    assert client.post(f"{UNITS}/move", data=move, follow_redirects=False).status_code == 303
    before = client.get(UNITS, params={"day": "2025-06-30"}).text
    after = client.get(UNITS, params={"day": "2025-07-01"}).text
    assert _parent_of(before, "truong") == "d1" and _parent_of(after, "truong") == "d2"
    under_itself = client.post(f"{UNITS}/move", data={"code": "d1", "parent": "d1", "valid_from": "2025-08-01"})
    assert under_itself.status_code == 422 and "Không thể đặt một đơn vị dưới chính nó" in under_itself.text
    not_a_day = client.post(f"{UNITS}/move", data={"code": "truong", "parent": "d1", "valid_from": ""})
    assert not_a_day.status_code == 422


def test_the_crosswalk_lists_each_closed_unit_with_its_successors_and_shares(client: TestClient) -> None:
    assert "Chưa có đơn vị nào giải thể với đơn vị kế thừa." in client.get(UNITS).text
    for code, name in (("bac", "Phường Bắc"), ("nam", "Phường Nam")):
        form = {"code": code, "name": name, "kind": "ward", "parent": "p", "valid_from": "2025-07-01"}
        assert client.post(f"{UNITS}/create", data=form, follow_redirects=False).status_code == 303
    closing = {"code": "d2", "valid_to": "2025-06-30", "successors": "bac 0.6\nnam 0.4"}
    assert client.post(f"{UNITS}/close", data=closing, follow_redirects=False).status_code == 303
    page = client.get(UNITS).text
    assert 'id="crosswalk"' in page
    row = page[page.index('data-row="d2:bac"') :].split("</tr>")[0]
    assert "Huyện d2" in row and "30/06/2025" in row and "Phường Bắc" in row and "60,0 %" in row
    assert "40,0 %" in page[page.index('data-row="d2:nam"') :].split("</tr>")[0]
    english = client.get(UNITS, params={"lang": "en"}).text
    assert "60.0 %" in english and "Closed units and their successors" in english
    assert "Move a unit under another parent" in english
