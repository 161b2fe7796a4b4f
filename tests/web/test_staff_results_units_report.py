"""The staff results page lists every unit it concerns, answered or not; prints every item; and links the
periodic report of its selection (DOCX, PDF, XLSX) within the user's unit scope."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import OrgUnit
from survey_api.settings import Settings
from survey_web.staff.views import percent
from tests.conftest import Db
from tests.web.results_helpers import Answered, answer_two_quarters, indices
from tests.web.staff_helpers import SAME_ORIGIN
from tests.web.test_staff_results import by_id, cell, page, rows, sign_in, table

REPORT = "/staff/results/report"
SILENT = {"test-unit": "Đơn vị thử", "c1": "Xã Đức Mạnh"}  # administrative units nobody answered in


@pytest.fixture
def answered(client: TestClient, db: Db, desks: None, official: dict[str, int], settings: Settings) -> Answered:
    client.headers.update(SAME_ORIGIN)
    found = answer_two_quarters(client, db, settings, utcnow().astimezone(LOCAL_TIME).date())
    with db() as session:
        d1 = session.scalars(select(OrgUnit).where(OrgUnit.code == "d1")).one()
        long_ago = date(2004, 1, 1)
        session.add_all(
            [
                # Of sipas's sector, below d1: listed for d1's manager too.
                OrgUnit(
                    code="c1",
                    name=SILENT["c1"],
                    name_en="Duc Manh commune",
                    kind="commune",
                    sector="administrative",
                    parent_id=d1.id,
                    valid_from=long_ago,
                ),
                # Another sector's unit, and one closed before the period ends: not listed.
                OrgUnit(code="h1", name="Bệnh viện huyện", kind="hospital", sector="health", valid_from=long_ago),
                OrgUnit(
                    code="old",
                    name="Xã đã sáp nhập",
                    kind="commune",
                    sector="administrative",
                    valid_from=long_ago,
                    valid_to=found.period.first,
                ),
            ]
        )
    return found


def test_units_nobody_answered_in_are_listed_by_name(client: TestClient, answered: Answered) -> None:
    sign_in(client, answered.analyst)
    html = page(client, answered.period.code)
    # Those with answers first, as before (the API's numbers: test_staff_results), then the others by name.
    assert rows(html, "units") == ["d2", "d1", "d3", "c1", "test-unit"]
    for code, name in SILENT.items():
        assert name in table(html, "units")
        assert cell(html, "units", code, "respondents") == "0"
        assert cell(html, "units", code, "satisfied") == "Chưa có câu trả lời"
        named = rf'data-row="{code}"><th scope="row" class="name">{name}</th>\s*'
        spanned = r'<td class="num" data-col="respondents">0</td><td class="none" data-col="satisfied" colspan="5">'
        assert re.search(named + spanned, html)  # in place of the figures: no CI, no change
    units = table(html, "units")
    assert "Bệnh viện huyện" not in units and "Xã đã sáp nhập" not in units
    chart = re.search(r'<svg class="chart"[^>]*aria-labelledby="units-chart-title.*?</svg>', html, re.S)
    assert chart is not None and "Đơn vị thử" not in chart.group(0) and "Cư Jút" in chart.group(0)
    # A unit manager: their units only, answered or not; narrowed to one unit: it and the units below it.
    english = page(client, answered.period.code, lang="en")
    assert cell(english, "units", "c1", "satisfied") == "No answers yet" and "Duc Manh commune" in english
    sign_in(client, answered.manager)
    mine = page(client, answered.period.code, lang="vi")
    assert rows(mine, "units") == ["d1", "c1"] and "Đơn vị thử" not in mine
    assert rows(page(client, answered.period.code, unit="c1"), "units") == ["c1"]
    # A period without any answer still names the units (valid on its last day).
    sign_in(client, answered.analyst)
    empty = page(client, "2015")
    assert "Chưa có câu trả lời nào" in empty and rows(empty, "units") == ["c1", "old", "test-unit"]


def test_every_item_is_in_the_printed_table(client: TestClient, answered: Answered) -> None:
    sign_in(client, answered.analyst)
    html = page(client, answered.period.code)
    api = indices(client, answered.analyst, answered.period)
    answered_items = [i for i in api["items"] if i["satisfied"] is not None]
    assert len(rows(html, "items")) == 10 and len(answered_items) > 10
    printed = rows(html, "items-all")
    assert sorted(printed) == sorted(i["code"] for i in api["items"])
    assert printed[:10] == rows(html, "items") and printed[10:] == rows(html, "items-rest")
    title = r'<p class="table-title" id="items-all-caption"[^>]*>[^<]+</p>'
    assert re.search(rf'<div class="print-only">\s*{title}\s*<div class="scroll"[^>]*>\s*<table id="items-all">', html)
    css = client.get("/static/staff/results.css").text
    assert ".print-only{display:none}" in css
    assert re.search(r"@media print\{[^}]*\.screen-only[^}]*\{display:none\}\s*\.print-only\{display:block\}", css)


def _links(html: str) -> dict[str, str]:
    found = re.search(r'<ul id="report-links">(.*?)</ul>', html, re.S)
    assert found is not None
    return {
        kind: href.replace("&amp;", "&")
        for href in re.findall(r'<a href="([^"]+)"', found.group(1))
        for kind in re.findall(r"format=(\w+)", href)
    }


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_an_analyst_downloads_the_report_of_the_page(client: TestClient, answered: Answered) -> None:
    sign_in(client, answered.analyst)
    period = answered.period
    html = page(client, period.code)
    assert "Tải báo cáo định kỳ" in html
    links = _links(html)
    assert sorted(links) == ["docx", "pdf", "xlsx"]
    assert links["docx"] == f"{REPORT}?instrument=sipas&period={period.code}&format=docx"
    shown = by_id(html, "overall")  # e.g. "54,5 %"; the report writes "54,5%"
    files = {}
    for kind, href in links.items():
        reply = client.get(href)
        assert reply.status_code == 200, reply.text
        assert reply.headers["cache-control"] == "no-store"
        disposition = reply.headers["content-disposition"]
        assert disposition == f'attachment; filename="bao-cao-sipas-{period.code}.{kind}"'
        files[kind] = reply.content
    assert shown.replace(" ", "") in _docx_text(files["docx"])
    assert "BÁO CÁO" in _docx_text(files["docx"]).upper()
    assert files["pdf"].startswith(b"%PDF")
    book = load_workbook(io.BytesIO(files["xlsx"]))
    assert book.sheetnames
    # The same file as the API's report for the same selection.
    api = client.get(
        "/api/v1/reports",
        params={"instrument": "sipas", "period": period.code, "format": "docx"},
        headers=answered.analyst.headers,
    )
    assert _docx_text(api.content) == _docx_text(files["docx"])
    # Custom dates, one unit, English.
    custom = {
        "instrument": "sipas",
        "period": "custom",
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
    }
    custom_page = page(client, "custom", **{k: v for k, v in custom.items() if k not in ("instrument", "period")})
    assert "from=" in _links(custom_page)["xlsx"]
    reply = client.get(REPORT, params={**custom, "unit": "d1", "format": "xlsx"})
    assert reply.status_code == 200, reply.text
    name = f"bao-cao-sipas-{period.first.isoformat()}_{period.last.isoformat()}.xlsx"
    assert reply.headers["content-disposition"] == f'attachment; filename="{name}"'
    load_workbook(io.BytesIO(reply.content))
    english = client.get(_links(page(client, period.code, lang="en"))["docx"])
    assert english.headers["content-disposition"].endswith(f'filename="report-sipas-{period.code}.docx"')
    assert shown.replace(" ", "").replace(",", ".") in _docx_text(english.content)


def test_the_report_keeps_to_the_user_s_units(client: TestClient, answered: Answered) -> None:
    params = {"instrument": "sipas", "period": answered.period.code, "format": "docx"}
    anonymous = client.get(REPORT, params=params, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/staff/"
    sign_in(client, answered.manager)
    other = client.get(REPORT, params={**params, "unit": "d2", "lang": "vi"})
    assert other.status_code == 403 and "ngoài phạm vi của Ông/Bà" in other.text
    assert 'lang="vi"' in other.text and "Forbidden" not in other.text
    mine = client.get(REPORT, params=params)
    assert mine.status_code == 200
    assert percent(indices(client, answered.manager, answered.period)["overall"]["satisfied"], "vi") == "80,0 %"
    assert "80,0%" in _docx_text(mine.content)  # only d1's answers
    nothing = client.get(REPORT, params={**params, "period": "2015"})
    assert nothing.status_code == 422 and "chưa có báo cáo" in nothing.text
    assert "report-links" not in page(client, "2015")
    wrong = client.get(REPORT, params={**params, "format": "odt"})
    assert wrong.status_code == 422 and "Định dạng tệp chưa đúng" in wrong.text
