"""Skip logic on the respondent's form in a real browser: "if other, please specify" shows only after "other"
with JavaScript; without it the question stays on the page with its condition written out, and an answer
the final choice skips is not stored. Screenshots at phone size in /tmp/shots/f3/."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import OrgUnit, Response
from tests.conftest import Db
from tests.web.a11y import wcag_violations
from tests.web.test_qr_browser import answer_visible_questions, open_page

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/f3")
OTHER = '[id="q-P.4.other"]'


@pytest.fixture
def school_link(client: TestClient, db: Db, official: dict[str, int], token_for: Any, live_server: str) -> str:
    """The QR address of a school collecting the parents' questionnaire, served by the live server."""
    from datetime import date

    with db() as session:
        session.add(OrgUnit(code="district", name="Huyện Thử", kind="district", valid_from=date(2004, 1, 1)))
    reply = client.post(
        "/api/v1/service-points",
        json={"code": "school", "name": "Trường Tiểu học Thử", "unit": "district", "kind": "school"},
        headers=token_for("admin"),
    )
    assert reply.status_code == 201, reply.text
    row = next(r for r in reply.json() if r["instrument"] == "education-parents")
    return live_server + urlsplit(row["link"]).path


def stored_answers(db: Db) -> list[dict[str, Any]]:
    with db() as session:
        return [dict(answers) for answers in session.scalars(select(Response.answers))]


def finish(page: Any, skip: str | None = None) -> None:
    """Answer what is required on each step (leaving ``skip`` as it is) and send."""
    for _ in range(page.locator("section.step").count()):
        answer_visible_questions(page, skip=skip)
        if page.locator("#send:visible").count():
            break
        page.get_by_role("button", name="Tiếp theo").click()
    page.locator("#send").click()
    page.wait_for_url("**/thanks?**")


def test_with_javascript_the_specify_box_shows_only_after_other(chromium: Any, school_link: str, db: Db) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser, page = open_page(chromium, school_link, javascript=True)
    try:
        while not page.locator('[id="q-P.4"]:visible').count():
            answer_visible_questions(page)
            page.get_by_role("button", name="Tiếp theo").click()
        other = page.locator(OTHER)
        assert other.is_hidden()
        page.screenshot(path=str(SHOTS / "respond-condition-hidden-390.png"), full_page=True)
        page.locator('[id="q-P.4"] label.opt', has_text="Khác").click()
        assert other.is_visible()
        assert other.locator(".condition").is_hidden()  # the written condition is for pages without script
        other.locator("textarea").fill("Ê Đê")
        page.screenshot(path=str(SHOTS / "respond-condition-shown-390.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        other.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "respond-condition-shown-1280.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        assert wcag_violations(page) == []
        page.locator('[id="q-P.4"] label.opt', has_text="Kinh").click()
        assert other.is_hidden() and other.locator("textarea").is_disabled()
        page.locator('[id="q-P.4"] label.opt', has_text="Khác").click()
        assert other.is_visible() and other.locator("textarea").input_value() == "Ê Đê"
        finish(page)
    finally:
        browser.close()
    [answers] = stored_answers(db)
    assert answers["P.4"] == 2 and answers["P.4.other"] == "Ê Đê"


def test_with_javascript_a_specify_text_left_behind_is_not_sent(chromium: Any, school_link: str, db: Db) -> None:
    browser, page = open_page(chromium, school_link, javascript=True)
    try:
        while not page.locator('[id="q-P.4"]:visible').count():
            answer_visible_questions(page)
            page.get_by_role("button", name="Tiếp theo").click()
        page.locator('[id="q-P.4"] label.opt', has_text="Khác").click()
        page.locator(OTHER).locator("textarea").fill("Ê Đê")
        page.locator('[id="q-P.4"] label.opt', has_text="Kinh").click()
        finish(page, skip="P.4")
    finally:
        browser.close()
    [answers] = stored_answers(db)
    assert answers["P.4"] == 1 and "P.4.other" not in answers


def test_without_javascript_the_condition_is_written_and_a_skipped_answer_dropped(
    chromium: Any, school_link: str, db: Db
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser, page = open_page(chromium, school_link, javascript=False)
    try:
        other = page.locator(OTHER)
        assert other.is_visible()
        assert other.locator(".condition").inner_text() == "Chỉ trả lời nếu ở câu “Dân tộc” Ông/Bà chọn: “Khác”."
        other.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "respond-condition-nojs-390.png"))
        answer_visible_questions(page)
        page.locator('[id="q-P.4"] label.opt', has_text="Kinh").click()  # changed their mind after typing
        other.locator("textarea").fill("Ê Đê")
        page.locator("#send").click()
        page.wait_for_url("**/thanks?**")
    finally:
        browser.close()
    [answers] = stored_answers(db)
    assert answers["P.4"] == 1 and "P.4.other" not in answers


def test_the_english_page_writes_the_condition_in_english(chromium: Any, school_link: str) -> None:
    browser, page = open_page(chromium, school_link + "?lang=en", javascript=False)
    try:
        hint = page.locator(OTHER).locator(".condition").inner_text()
        assert hint == "Answer only if you chose “Other” in “Ethnicity”."
    finally:
        browser.close()


def test_the_tablet_form_hides_a_skipped_item_and_does_not_send_it(
    chromium: Any, client: TestClient, official: dict[str, int], live_server: str
) -> None:
    """The tablet app's form module, given the instrument as the API lists it (with ``shown_if``)."""
    parents = next(i for i in client.get("/api/v1/instruments").json() if i["code"] == "education-parents")
    browser, page = open_page(chromium, live_server + "/tablet/static/app.css", javascript=True)
    try:
        result = page.evaluate(
            """async (instrument) => {
              const { renderForm, readForm } = await import("/tablet/static/form.js");
              const form = renderForm(instrument);
              document.body.append(form);
              const other = form.querySelector('fieldset[data-item="P.4.other"]');
              const choose = (value) => {
                form.querySelector(`fieldset[data-item="P.4"] input[value="${value}"]`).click();
              };
              const seen = [other.hidden];
              choose(2);
              seen.push(other.hidden);
              other.querySelector("textarea").value = "Ê Đê";
              const asked = readForm(form, instrument, false).answers["P.4.other"];
              choose(1);
              seen.push(other.hidden);
              const skipped = readForm(form, instrument, false).answers;
              return { seen, asked, skippedHasOther: "P.4.other" in skipped, p4: skipped["P.4"] };
            }""",
            parents,
        )
    finally:
        browser.close()
    assert result == {"seen": [True, False, True], "asked": "Ê Đê", "skippedHasOther": False, "p4": 1}
