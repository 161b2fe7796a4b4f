"""A volunteer fills three interviews with the network off, reloads, reopens the browser, goes back
online and syncs: the server holds exactly three, also when an acknowledgement is lost on the way."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.auth.service import create_user
from survey_api.db.models import ContactAttempt, OrgUnit, Response
from tests.api.helpers import instrument, submission
from tests.conftest import Db
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser
PASSWORD = "mat-khau-789"
TIMEOUT = 20_000


@pytest.fixture
def volunteer(client: TestClient, db: Db, official: dict[str, int], token_for: Callable[[str], Any]) -> str:
    """A volunteer of district d1 assigned to interview with SIPAS at the d1 one-stop desk."""
    from datetime import date

    from survey_api.db.models import ServicePoint

    with db() as session:
        unit = OrgUnit(code="d1", name="Huyện Một", kind="district", valid_from=date(2004, 1, 1))
        session.add(unit)
        session.flush()
        session.add(ServicePoint(code="d1-desk", name="Bộ phận một cửa", unit_id=unit.id, kind="one_stop_counter"))
        username = f"tnv-{uuid.uuid4().hex[:6]}"
        create_user(session, username=username, role="volunteer", password=PASSWORD, unit_id=unit.id)
    reply = client.post(
        "/api/v1/assignments",
        json={
            "volunteer": username,
            "instrument_version": official["sipas"],
            "service_point": "d1-desk",
            "quota": 30,
        },
        headers=token_for("admin"),
    )
    assert reply.status_code == 201, reply.text
    return username


def count(db: Db, model: Any) -> int:
    with db() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def fill_interview(page: Any, inst: dict[str, Any], scale_value: int) -> None:
    """Answer every 1–5 item and every required item, by tapping and typing as a volunteer would."""
    for item in inst["items"]:
        field = page.locator(f'fieldset[data-item="{item["code"]}"]')
        while not field.is_visible():  # one section per page: turn to the item's page
            page.click("#page-next")
        if item["type"] == "scale_1_5":
            field.locator("label.choice").nth(scale_value - 1).click()
        elif not item["required"]:
            continue
        elif item["type"] in ("single_choice", "multiple_choice"):
            field.locator("label.choice").first.click()
        elif item["type"] == "score_0_100":
            field.locator("input").fill("80")
        elif item["type"] == "integer":
            field.locator("input").fill(str(item["min"]))
        else:
            field.locator("textarea").fill("Ổn")


def launch(chromium: Any, profile: Path) -> Any:
    return chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, locale="vi-VN"
    )


def signed_in(chromium: Any, profile: Path, live_server: str, volunteer: str) -> tuple[Any, Any]:
    """A tablet browser (persistent profile) with the volunteer signed in and the assignments shown."""
    context = launch(chromium, profile)
    context.set_default_timeout(TIMEOUT)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(f"{live_server}/tablet/")
    page.fill("#username", volunteer)
    page.fill("#password", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("article.card")
    return context, page


def expect_counts(page: Any, queued: int, sent: int) -> None:
    page.wait_for_function(
        "([q, s]) => document.getElementById('queued-responses').textContent === String(q)"
        " && document.getElementById('sent-responses').textContent === String(s)",
        arg=[queued, sent],
        timeout=TIMEOUT,
    )


def expect_text(page: Any, element_id: str, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => document.getElementById(id).textContent === text",
        arg=[element_id, text],
        timeout=TIMEOUT,
    )


def test_three_interviews_offline_survive_reload_and_restart_and_sync_exactly_once(
    chromium: Any, live_server: str, client: TestClient, volunteer: str, db: Db, tmp_path: Path
) -> None:
    sipas = instrument(client, "sipas")
    profile = tmp_path / "profile"
    context, page = signed_in(chromium, profile, live_server, volunteer)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    installability = context.new_cdp_session(page).send("Page.getInstallabilityErrors")
    assert installability["installabilityErrors"] == [], "the app can be installed on the home screen"

    context.set_offline(True)
    page.wait_for_selector("#network.offline")
    for n in range(3):
        page.click("button.start-contact")
        page.fill("#case-ref", f"Nhà số {n + 1}")
        page.click("#outcome-completed")
        fill_interview(page, sipas, scale_value=3 + n)
        page.click("#finish")
        page.wait_for_selector("text=Đã lưu phiếu trên máy")
    page.click("button.start-contact")
    page.click("#outcome-not_at_home")
    expect_counts(page, queued=3, sent=0)
    expect_text(page, "queued-attempts", "4")

    page.reload()
    page.wait_for_selector("article.card")
    expect_counts(page, queued=3, sent=0)
    context.close()

    context = launch(chromium, profile)
    context.set_default_timeout(TIMEOUT)
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(f"{live_server}/tablet/")
    page.wait_for_selector("article.card")
    expect_counts(page, queued=3, sent=0)
    assert count(db, Response) == 0

    # The first sync reaches the server, but its answer is lost on the way back.
    lost: list[int] = []
    later: list[list[str]] = []

    def lose_first_answer(route: Any) -> None:
        reply = route.fetch()
        if lost:
            later.append([r["status"] for r in reply.json()["results"]])
            route.fulfill(response=reply)
            return
        lost.append(reply.status)
        route.abort("connectionreset")

    page.route("**/api/v1/responses/batch", lose_first_answer)
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('sync-note').textContent.includes('Chưa gửi được')")
    assert lost == [200]
    assert count(db, Response) == 3
    expect_counts(page, queued=3, sent=0)

    assert "thử lại sau" in page.inner_text("#sync-note")
    # No button pressed: the backoff timer sends the queue again, and the server acknowledges duplicates.
    expect_counts(page, queued=0, sent=3)
    assert later == [["duplicate"] * 3]
    expect_text(page, "queued-attempts", "0")
    assert page.inner_text("#problems") == "0"
    context.close()

    with db() as session:
        rows = session.scalars(select(Response)).all()
        assert len(rows) == 3
        assert {r.channel for r in rows} == {"tablet"}
        assert len({r.interviewer_id for r in rows}) == 1 and rows[0].interviewer_id is not None
        assert all(r.started_at and r.completed_at and r.started_at <= r.completed_at for r in rows)
        attempts = session.scalars(select(ContactAttempt)).all()
        assert sorted(a.outcome for a in attempts) == ["completed"] * 3 + ["not_at_home"]
        assert {a.response_id for a in attempts if a.outcome == "completed"} == {r.id for r in rows}


def test_conflicts_and_invalid_answers_stay_visible_with_the_servers_reason(
    chromium: Any, live_server: str, client: TestClient, volunteer: str, db: Db, tmp_path: Path
) -> None:
    sipas = instrument(client, "sipas")
    token = client.post("/api/v1/auth/token", json={"username": volunteer, "password": PASSWORD}).json()["token"]
    stored = submission(sipas, channel="tablet")
    reply = client.post(
        "/api/v1/responses/batch", json={"responses": [stored]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.json()["results"][0]["status"] == "created"

    context, page = signed_in(chromium, tmp_path / "profile", live_server, volunteer)
    other_content = dict(stored, answers=dict(stored["answers"], **{"Q99.9": 4}))
    unknown_item = submission(sipas, channel="tablet", answers={"Q99.9": 4})
    page.evaluate(
        """async ([owner, items]) => {
            const store = await import("/tablet/static/store.js");
            for (const body of items) await store.enqueue("response", owner, body, "test");
        }""",
        [volunteer, [other_content, unknown_item]],
    )
    page.click("#sync-now")
    expect_text(page, "problems", "2")
    assert page.inner_text("#queued-responses") == "0" and page.inner_text("#sent-responses") == "0"
    conflict = page.inner_text(f'tr[data-id="{stored["id"]}"]')
    assert "Trùng mã" in conflict and stored["id"] in conflict, "the server's reason is shown"
    assert "Q99.9" in page.inner_text(f'tr[data-id="{unknown_item["id"]}"]')
    context.close()
    assert count(db, Response) == 1


def test_an_interview_left_half_way_survives_a_reload_and_is_sent_whole(
    chromium: Any, live_server: str, client: TestClient, volunteer: str, db: Db, tmp_path: Path
) -> None:
    sipas = instrument(client, "sipas")
    first_scale = next(i["code"] for i in sipas["items"] if i["type"] == "scale_1_5")
    context, page = signed_in(chromium, tmp_path / "profile", live_server, volunteer)
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    page.click("button.start-contact")
    page.click("#outcome-completed")
    while not page.locator(f'fieldset[data-item="{first_scale}"]').is_visible():
        page.click("#page-next")  # one section per page
    page.locator(f'fieldset[data-item="{first_scale}"] label.choice').nth(1).click()  # 2 on the 1–5 scale
    page.wait_for_function(
        """async (key) => {
            const store = await import("/tablet/static/store.js");
            const draft = await store.get(key);
            return Boolean(draft && Object.keys(draft.answers).length === 1);
        }""",
        arg=f"draft:{volunteer}",
    )
    page.reload()
    page.click("#resume-draft")
    checked = page.locator(f'fieldset[data-item="{first_scale}"] input:checked')
    assert checked.get_attribute("value") == "2"
    fill_interview(page, {**sipas, "items": [i for i in sipas["items"] if i["code"] != first_scale]}, 4)
    page.click("#finish")
    page.wait_for_selector("text=Đã lưu phiếu trên máy")
    assert page.locator("#resume-draft").count() == 0
    context.set_offline(False)
    expect_counts(page, queued=0, sent=1)
    context.close()
    with db() as session:
        rows = session.scalars(select(Response)).all()
        assert len(rows) == 1 and rows[0].answers[first_scale] == 2
