"""The admin area over plain HTTP: only admins get in (analysts and unit managers 403, no one signed in goes to
the sign-in form), every change goes through the services and lands in the audit log, and what is wrong comes
back in Vietnamese on the same page with nothing stored."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import ApiToken, AuditEntry, InstrumentVersion, QrLink, Response, ServicePoint, User
from tests.conftest import Db
from tests.fieldwork.conftest import PASSWORD, Person
from tests.fieldwork.conftest import area as area  # fixtures
from tests.fieldwork.conftest import person as person
from tests.web.staff_helpers import SAME_ORIGIN

MakePerson = Callable[..., Person]
ADMIN_PAGES = [
    "/staff/admin/users",
    "/staff/admin/points",
    "/staff/admin/instruments",
    "/staff/admin/fieldwork",
    "/staff/admin/units",
]
SIPAS = Path(__file__).parents[2] / "survey_api" / "instruments" / "data" / "sipas.yaml"


@pytest.fixture(autouse=True)
def same_origin(client: TestClient) -> None:
    client.headers.update(SAME_ORIGIN)


def sign_in(client: TestClient, who: Person) -> None:
    reply = client.post("/staff/", data={"username": who.username, "password": PASSWORD}, follow_redirects=False)
    assert reply.status_code == 303, reply.text


@pytest.fixture
def admin(client: TestClient, person: MakePerson) -> Person:
    who = person("admin", unit=None)
    sign_in(client, who)
    return who


def actions(db: Db, action: str) -> list[AuditEntry]:
    with db() as session:
        found = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        session.expunge_all()
        return list(found)


@pytest.mark.parametrize("role", ["analyst", "unit_manager"])
def test_analysts_and_unit_managers_get_403_on_every_admin_page(
    client: TestClient, person: MakePerson, role: str
) -> None:
    sign_in(client, person(role))
    for path in ADMIN_PAGES:
        reply = client.get(path)
        assert reply.status_code == 403, path
        assert "chỉ dành cho quản trị viên" in reply.text
    refused = client.post("/staff/admin/users", data={"username": "x", "role": "admin", "password": "p" * 12})
    assert refused.status_code == 403


def test_no_one_signed_in_goes_to_the_sign_in_form(client: TestClient) -> None:
    for path in ADMIN_PAGES:
        assert client.get(path, follow_redirects=False).headers["location"] == "/staff/"


def test_an_admin_creates_a_unit_manager_resets_the_password_revokes_a_token_and_disables_it(
    client: TestClient, admin: Person, db: Db
) -> None:
    page = client.get("/staff/admin/users")
    assert page.status_code == 200 and "Tạo tài khoản" in page.text and 'lang="vi"' in page.text
    form = {"username": "ql-d1", "display_name": "Trần Thị B", "role": "unit_manager", "unit": "d1"}
    created = client.post("/staff/admin/users", data=form | {"password": "mat-khau-dai-1"}, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == "/staff/admin/users/ql-d1?done=created"
    assert [e.target for e in actions(db, "user.create")] == ["ql-d1"]

    token = client.post("/api/v1/auth/token", json={"username": "ql-d1", "password": "mat-khau-dai-1"}).json()
    with db() as session:
        token_id = session.scalars(select(ApiToken.id).join(User).where(User.username == "ql-d1")).one()
    page = client.get("/staff/admin/users/ql-d1")
    assert "Huyện d1" in page.text and f'data-row="{token_id}"' in page.text
    revoked = client.post(f"/staff/admin/users/ql-d1/tokens/{token_id}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['token']}"}).status_code == 401
    assert [e.detail["token"] for e in actions(db, "token.revoke")] == [token_id]

    short = client.post("/staff/admin/users/ql-d1/password", data={"password": "ngan"})
    assert short.status_code == 422 and "Mật khẩu cần ít nhất 10 ký tự." in short.text
    assert client.post("/staff/admin/users/ql-d1/password", data={"password": "mat-khau-moi-2"}).status_code == 200
    assert [e.target for e in actions(db, "user.password")] == ["ql-d1"]

    moved = client.post("/staff/admin/users/ql-d1/edit", data={"display_name": "Trần Thị C", "unit": "d2"})
    assert moved.status_code == 200 and "Huyện d2" in moved.text
    assert actions(db, "user.update")[0].detail == {"changed": ["display_name", "organisation", "unit"], "unit": "d2"}

    disabled = client.post("/staff/admin/users/ql-d1/disable")
    assert disabled.status_code == 200 and "Đã khóa tài khoản" in disabled.text
    with db() as session:
        assert session.scalars(select(User.active).where(User.username == "ql-d1")).one() is False


def test_a_bad_account_is_refused_in_vietnamese_and_nothing_is_stored(
    client: TestClient, admin: Person, db: Db
) -> None:
    no_unit = client.post(
        "/staff/admin/users", data={"username": "tnv-1", "role": "volunteer", "password": "mat-khau-dai-1"}
    )
    assert no_unit.status_code == 422 and "cần được gán một đơn vị" in no_unit.text
    assert 'value="tnv-1"' in no_unit.text, "what was typed comes back"
    twice = client.post(
        "/staff/admin/users", data={"username": admin.username, "role": "analyst", "password": "mat-khau-dai-1"}
    )
    assert twice.status_code == 409 and "đã có" in twice.text
    bad = client.post("/staff/admin/users", data={"username": "có dấu", "role": "analyst", "password": "x" * 12})
    assert bad.status_code == 422 and "tên đăng nhập chưa hợp lệ" in bad.text
    assert client.post("/staff/admin/users/ai-do/disable").status_code == 404
    assert client.post(f"/staff/admin/users/{admin.username}/disable").status_code == 409
    with db() as session:
        assert session.scalars(select(User.username).where(User.username == "tnv-1")).first() is None
    assert actions(db, "user.create") == []


def test_an_admin_imports_previews_and_publishes_an_instrument_then_starts_a_new_version(
    client: TestClient, admin: Person, db: Db
) -> None:
    upload = {"file": ("sipas.yaml", SIPAS.read_bytes(), "application/yaml")}
    imported = client.post("/staff/admin/instruments", files=upload, follow_redirects=False)
    assert imported.status_code == 303 and "done=imported" in imported.headers["location"]
    with db() as session:
        version = session.scalars(select(InstrumentVersion)).one()
        version_id, status = version.id, version.status
    assert status == "draft"
    preview = client.get(f"/staff/admin/instruments/{version_id}/preview")
    assert preview.status_code == 200 and "câu trả lời không được lưu" in preview.text
    assert 'name="a:' in preview.text, "the respondent's own form"
    checked = client.post(f"/staff/admin/instruments/{version_id}/preview", data={})
    assert checked.status_code == 422 and "Vui lòng trả lời câu hỏi này." in checked.text

    published = client.post(f"/staff/admin/instruments/{version_id}/publish", follow_redirects=False)
    assert published.status_code == 303
    again = client.post(f"/staff/admin/instruments/{version_id}/publish")
    assert again.status_code == 409 and "trạng thái hiện tại không cho phép" in again.text
    newer = client.post(f"/staff/admin/instruments/{version_id}/new-version")
    assert newer.status_code == 200 and "Đã tạo bản nháp phiên bản mới." in newer.text
    with db() as session:
        assert [(v.version, v.status) for v in session.scalars(select(InstrumentVersion))] == [
            (1, "published"),
            (2, "draft"),
        ]
    assert [e.action for e in actions(db, "instrument.publish") + actions(db, "instrument.new_version")] == [
        "instrument.publish",
        "instrument.new_version",
    ]
    broken = client.post("/staff/admin/instruments", files={"file": ("x.yaml", b"code: [", "application/yaml")})
    assert broken.status_code == 422 and "Không đọc được tệp phiếu" in broken.text


def test_an_admin_creates_a_point_rotates_its_link_and_prints_the_units_posters(
    client: TestClient, admin: Person, db: Db, official: dict[str, int]
) -> None:
    form = {"code": "d1-khoa-kham", "name": "Khoa khám bệnh d1", "unit": "d1", "kind": "clinic"}
    assert client.post("/staff/admin/points", data=form, follow_redirects=False).status_code == 303
    with db() as session:
        point = session.scalars(select(ServicePoint).where(ServicePoint.code == "d1-khoa-kham")).one()
        link = session.scalars(select(QrLink).where(QrLink.service_point_id == point.id)).one()
        assert link.generation == 1
    rotated = client.post("/staff/admin/points/d1-khoa-kham/health-outpatient/rotate", follow_redirects=False)
    assert rotated.status_code == 303
    assert [e.detail for e in actions(db, "qr.rotate")] == [{"generation": 2}]
    pdf = client.get("/staff/admin/points/posters.pdf", params={"unit": "p", "size": "A5"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    none = client.get("/staff/admin/points/posters.pdf", params={"unit": "d2"})
    assert none.status_code == 404 and "chưa có điểm phục vụ nào có mã QR" in none.text
    again = client.post("/staff/admin/points", data=form)
    assert again.status_code == 422 and "Chưa lưu được: mã này đã có." in again.text


def test_an_admin_sees_the_map_of_any_day_and_changes_it_with_dates(client: TestClient, admin: Person, db: Db) -> None:
    form = {"code": "xa-moi", "name": "Xã Mới", "kind": "commune", "parent": "p", "valid_from": "2025-07-01"}
    assert client.post("/staff/admin/units/create", data=form, follow_redirects=False).status_code == 303
    before = client.get("/staff/admin/units", params={"day": "2025-06-30"})
    assert before.status_code == 200 and 'data-unit="d2"' in before.text and 'data-unit="xa-moi"' not in before.text
    closing = {"code": "d2", "valid_to": "2025-06-30", "successors": "xa-moi 1"}
    assert client.post("/staff/admin/units/close", data=closing, follow_redirects=False).status_code == 303
    after = client.get("/staff/admin/units", params={"day": "2025-07-01"})
    assert 'data-unit="xa-moi"' in after.text and 'data-unit="d2"' not in after.text
    assert "từ 01/07/2025" in after.text
    assert [e.target for e in actions(db, "unit.create")] == ["unit:xa-moi"]

    again = client.post("/staff/admin/units/create", data=form)
    assert again.status_code == 409 and "Đã có đơn vị với mã này" in again.text
    bad_day = client.get("/staff/admin/units", params={"day": "2025-13-01"})
    assert bad_day.status_code == 422 and "năm-tháng-ngày" in bad_day.text


def test_an_admin_creates_a_volunteer_and_an_assignment_then_extends_ends_and_reassigns_it(
    client: TestClient, admin: Person, db: Db, official: dict[str, int]
) -> None:
    for username in ("tnv-a", "tnv-b"):
        form = {"username": username, "display_name": "Tình nguyện viên", "unit": "d1", "password": "mat-khau-dai-1"}
        created = client.post("/staff/admin/fieldwork/volunteers", data=form, follow_redirects=False)
        assert created.status_code == 303, created.text
    body = {
        "volunteer": "tnv-a",
        "instrument_version": str(official["sipas"]),
        "service_point": "d1-desk",
        "quota": "20",
        "starts_on": "2026-01-01",
        "ends_on": "2026-01-31",
        "sample": "HS-001; Thôn 3\nHS-002",
    }
    made = client.post("/staff/admin/fieldwork/assignments", data=body, follow_redirects=False)
    assert made.status_code == 303, made.text
    page_url = made.headers["location"].split("?")[0]
    page = client.get(page_url)
    assert page.status_code == 200 and "01/01/2026 – 31/01/2026" in page.text and "Bộ phận một cửa d1" in page.text

    extended = client.post(page_url + "/edit", data={"quota": "20", "starts_on": "2026-01-01", "ends_on": "2099-03-31"})
    assert extended.status_code == 200 and "01/01/2026 – 31/01/2026" not in extended.text
    assert "01/01/2026 – 31/03/2099" in extended.text
    backwards = client.post(page_url + "/edit", data={"starts_on": "2026-01-01", "ends_on": "2025-01-01"})
    assert backwards.status_code == 422 and "Ngày kết thúc không được trước ngày bắt đầu." in backwards.text
    not_a_day = client.post(page_url + "/edit", data={"ends_on": "31/03/2026"})
    assert not_a_day.status_code == 422 and "năm-tháng-ngày" in not_a_day.text
    moved = client.post(page_url + "/reassign", data={"volunteer": "tnv-b"})
    assert moved.status_code == 200 and "Đã chuyển phân công" in moved.text
    assert '<dd id="assignment-volunteer">tnv-b</dd>' in moved.text
    assert client.post(page_url + "/end").status_code == 200
    assert [e.action for e in actions(db, "assignment.reassign") + actions(db, "assignment.end")] == [
        "assignment.reassign",
        "assignment.end",
    ]
    listing = client.get("/staff/admin/fieldwork")
    assert listing.status_code == 200 and 'data-row="tnv-a"' in listing.text and ">2</td>" in listing.text
    bad = client.post("/staff/admin/fieldwork/assignments", data=body | {"quota": "hai mươi"})
    assert bad.status_code == 422 and "chỉ tiêu chưa hợp lệ" in bad.text


def test_the_preview_accepts_a_complete_answer_and_stores_nothing(
    client: TestClient, admin: Person, db: Db, official: dict[str, int]
) -> None:
    version = official["one-stop-dossier"]
    form = client.get(f"/staff/admin/instruments/{version}/preview").text
    codes = sorted(set(re.findall(r'name="a:([^"]+)" value="(\d+)"', form)))
    answers: dict[str, str] = {}
    for code, value in codes:
        answers.setdefault(f"a:{code}", value)
    for low, code in re.findall(r'type="number"[^>]*min="(\d+)"[^>]*name="a:([^"]+)"', form):
        answers[f"a:{code}"] = low
    checked = client.post(f"/staff/admin/instruments/{version}/preview", data=answers)
    assert checked.status_code == 200, checked.text
    assert "Các câu trả lời hợp lệ. Đây là bản xem trước nên không có gì được lưu." in checked.text
    with db() as session:
        assert session.scalars(select(Response)).first() is None


def test_an_xlsform_workbook_imports_through_the_same_form(client: TestClient, admin: Person, db: Db) -> None:
    from survey_api.instruments.loader import load_instrument_file
    from survey_api.instruments.xlsform import export_checked

    workbook = export_checked(load_instrument_file(SIPAS.with_name("one-stop-dossier.yaml")))
    upload = {"file": ("mot-cua.xlsx", workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    imported = client.post("/staff/admin/instruments", files=upload, data={"publish": "yes"}, follow_redirects=False)
    assert imported.status_code == 303 and "done=imported" in imported.headers["location"]
    with db() as session:
        assert [(v.instrument.code, v.status) for v in session.scalars(select(InstrumentVersion))] == [
            ("one-stop-dossier", "published")
        ]
    broken = client.post("/staff/admin/instruments", files={"file": ("x.xlsx", b"PK\x03\x04 not a workbook", "x")})
    assert broken.status_code == 422 and "Không đọc được tệp phiếu" in broken.text
