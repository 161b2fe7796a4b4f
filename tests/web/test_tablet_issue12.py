"""Issue 12 point 6 on the tablet: paginated interview, missing questions named in words with links, names
instead of codes, plan and due date on cards, an ended assignment kept and marked late, and after sync the
banner and the server's count say what happened (screenshots in /tmp/shots12)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import instrument
from tests.web.a11y import wcag_violations
from tests.web.test_tablet_offline import fill_interview, signed_in, volunteer  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots12")


def test_interview_by_section_named_questions_and_the_banner_after_sync(
    chromium: Any,
    live_server: str,
    client: TestClient,
    volunteer: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    sipas = instrument(client, "sipas")
    context, page = signed_in(chromium, tmp_path / "profile", live_server, volunteer)
    try:
        card = page.locator("article.card").first
        assert "Hạn hoàn thành" in card.inner_text() or "Không có hạn hoàn thành" in card.inner_text()
        # No plan drew this assignment: no plan line (rather than a claim the server cannot back).
        assert "kế hoạch" not in card.inner_text().lower()
        page.click("button.start-contact")
        page.click("#outcome-completed")
        pages = page.locator("section.page")
        assert pages.count() > 5 and page.locator("section.page:visible").count() == 1
        assert page.evaluate("document.body.scrollHeight") < 6000
        legends = page.locator("section.page:visible legend").all_inner_texts()
        assert not any(text.split(" ")[0].count(".") for text in legends), legends  # no "A.1." codes
        page.click("#finish")
        missing = page.locator("#missing li a")
        assert missing.count() > 10
        first = missing.first.inner_text()
        assert first and not first[0].isdigit() and "A.1" not in page.locator("#missing").inner_text()
        assert wcag_violations(page) == []
        missing.nth(missing.count() - 1).click()  # a link turns to the question's page
        assert page.locator("fieldset.missing:visible").count() >= 1
        while page.locator("#page-back:visible").count():
            page.click("#page-back")
        fill_interview(page, sipas, scale_value=5)
        page.click("#finish")
        page.wait_for_selector("text=Đã gửi xong: máy chủ đã nhận mọi phiếu trên máy.")
        assert "khi có mạng" not in page.locator("main").inner_text()
        assert "Phiếu: " + sipas["title"] in page.locator("#queue-body").inner_text()
        assert "Đã hoàn thành (máy chủ ghi nhận): 1" in page.locator("article.card").first.inner_text()
        SHOTS.mkdir(exist_ok=True)
        for size, viewport in {"phone": (390, 844), "desktop": (1280, 900)}.items():
            page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
            page.screenshot(path=str(SHOTS / f"tablet-after-sync-{size}.png"), full_page=True)
        assert wcag_violations(page) == []
    finally:
        context.close()


def test_an_ended_assignment_stays_on_the_tablet_marked_late(
    chromium: Any,
    live_server: str,
    volunteer: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    context, page = signed_in(chromium, tmp_path / "profile", live_server, volunteer)
    try:
        # The tablet cached an assignment that has since ended: it stays, marked late.
        page.evaluate(
            """async ([user, ended]) => {
                const store = await import("/tablet/static/store.js");
                const bundle = await store.get(`bundle:${user}`);
                bundle.assignments[0].ends_on = ended;
                await store.set(`bundle:${user}`, bundle);
            }""",
            [volunteer, (date.today() - timedelta(days=2)).isoformat()],
        )

        def ended_left_out(route: Any) -> None:  # the server no longer lists an ended assignment
            reply = route.fetch()
            body = reply.json()
            route.fulfill(response=reply, json={**body, "assignments": []})

        page.route("**/api/v1/me/assignments", ended_left_out)
        page.reload()
        page.click("#refresh")
        page.wait_for_selector("text=Đã tải lại phân công.")
        page.wait_for_selector("article.card.late")
        assert "Trễ hạn" in page.locator("article.card.late").inner_text()
    finally:
        context.close()
