"""The staff results page in chromium: units nobody answered in, every item on paper (print media and the
printed PDF), and the report's download links, on a phone and a desktop, in Vietnamese and English, WCAG 2.1 AA."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.settings import Settings
from tests.conftest import Db
from tests.web.a11y import wcag_violations
from tests.web.results_helpers import Answered, answer_two_quarters, indices
from tests.web.test_staff_results_browser import DESKTOP, PHONE, open_results

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SURVEY_SHOTS", "/tmp/shots/results"))
# Words of the English page that must not be left on the Vietnamese one.
ENGLISH = ("Download", "Report", "report", "answers", "Items", "Unit", "Show", "print")


@pytest.fixture
def answered(client: TestClient, db: Db, desks: None, official: dict[str, int], settings: Settings) -> Answered:
    return answer_two_quarters(client, db, settings, utcnow().astimezone(LOCAL_TIME).date())


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def shown_rows(page: Any, selector: str) -> int:
    """How many rows of the table are laid out (not hidden by the stylesheet of the current media)."""
    count: int = page.locator(f"{selector} tbody tr").evaluate_all(
        "rows => rows.filter(r => r.checkVisibility()).length"
    )
    return count


def test_on_screen_and_on_paper(browser: Any, live_server: str, client: TestClient, answered: Answered) -> None:
    period = answered.period
    items = len(indices(client, answered.analyst, period)["items"])
    page = open_results(browser, live_server, answered.analyst, DESKTOP, f"instrument=sipas&period={period.code}")
    # On screen: the weakest ten items, the others one tap away; the table of all of them is for paper.
    assert shown_rows(page, "#items") == 10 and shown_rows(page, "#items-rest") == 0
    assert shown_rows(page, "#items-all") == 0
    assert "Chưa có câu trả lời" in page.locator('#units tr[data-row="test-unit"]').inner_text()
    body = page.locator("main").inner_text()
    assert not [word for word in ENGLISH if word in body]
    with page.expect_download() as download:
        page.get_by_role("link", name="Báo cáo dạng văn bản (DOCX)").click()
    assert download.value.suggested_filename == f"bao-cao-sipas-{period.code}.docx"
    shot(page, "results-desktop-vi.png")
    assert wcag_violations(page) == []
    page.get_by_text(f"Xem {items - 10} tiêu chí còn lại").click()
    assert shown_rows(page, "#items-rest") == items - 10
    # On paper: every item, no form, no links to download, no collapsed copy.
    page.emulate_media(media="print")
    assert shown_rows(page, "#items-all") == items
    assert shown_rows(page, "#items") == 0 and shown_rows(page, "#items-rest") == 0
    assert page.locator(".downloads").is_hidden() and page.locator("form.choose").is_hidden()
    shot(page, "results-print.png")
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / "results-print.pdf"
    page.pdf(path=str(pdf), format="A4")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        codes = page.locator("#items-all tbody td[data-col=code]").all_inner_texts()
        assert len(codes) == items and all(code in text for code in codes)
        assert "Đơn vị thử" in text and "Chưa có câu trả lời" in text


@pytest.mark.parametrize(("size", "lang"), [(PHONE, "vi"), (PHONE, "en"), (DESKTOP, "en")])
def test_phone_and_english(browser: Any, live_server: str, answered: Answered, size: dict[str, int], lang: str) -> None:
    query = f"instrument=sipas&period={answered.period.code}&lang={lang}"
    page = open_results(browser, live_server, answered.analyst, size, query)
    no_answers = {"vi": "Chưa có câu trả lời", "en": "No answers yet"}[lang]
    assert no_answers in page.locator('#units tr[data-row="test-unit"]').inner_text()
    report = {"vi": "Báo cáo dạng PDF", "en": "Report as a PDF"}[lang]
    assert page.get_by_role("link", name=report).is_visible()
    if lang == "vi":
        body = page.locator("main").inner_text()
        assert not [word for word in ENGLISH if word in body]
    shot(page, f"results-{'phone' if size == PHONE else 'desktop'}-{lang}.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The units table's title stays on the screen while the table scrolls sideways in its box.
    title = page.locator("#units-caption").bounding_box()
    assert title is not None and title["x"] >= 0 and title["x"] + title["width"] <= size["width"]
    assert wcag_violations(page) == []
