"""The staff results page over plain HTTP: the API's numbers (index, CI, target, trend, units and their change
since the previous period), each user's unit scope, Vietnamese by default with English, clear errors."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sampling.compare import difference_significant
from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.settings import Settings
from survey_web.staff.results_view import points
from survey_web.staff.views import percent
from tests.conftest import Db
from tests.web.results_helpers import NAMES, PASSWORD, Answered, Staff, answer_two_quarters, indices
from tests.web.staff_helpers import SAME_ORIGIN

RESULTS = "/staff/results"


@pytest.fixture
def answered(client: TestClient, db: Db, desks: None, official: dict[str, int], settings: Settings) -> Answered:
    client.headers.update(SAME_ORIGIN)
    return answer_two_quarters(client, db, settings, utcnow().astimezone(LOCAL_TIME).date())


def sign_in(client: TestClient, who: Staff) -> None:
    reply = client.post("/staff/", data={"username": who.username, "password": PASSWORD}, follow_redirects=False)
    assert reply.status_code == 303, reply.text


def page(client: TestClient, period: str, **params: str) -> str:
    reply = client.get(RESULTS, params={"instrument": "sipas", "period": period, **params})
    assert reply.status_code == 200, reply.text
    text: str = reply.text
    return text


def table(html: str, name: str) -> str:
    found = re.search(rf'<table id="{name}">(.*?)</table>', html, re.S)
    assert found is not None, name
    return found.group(1)


def rows(html: str, name: str) -> list[str]:
    return re.findall(r'<tr data-row="([^"]+)"', table(html, name))


def cell(html: str, name: str, row: str, column: str) -> str:
    found = re.search(rf'<tr data-row="{re.escape(row)}">(.*?)</tr>', table(html, name), re.S)
    assert found is not None, (name, row)
    value = re.search(rf'data-col="{column}"[^>]*>(.*?)</td>', found.group(1), re.S)
    assert value is not None, (name, row, column)
    return re.sub(r"<[^>]+>", "", value.group(1)).strip()


def by_id(html: str, element: str) -> str:
    found = re.search(rf'id="{element}"[^>]*>(.*?)</', html, re.S)
    assert found is not None, element
    return found.group(1).strip()


def interval(level: dict[str, Any]) -> str:
    low, high = level["satisfied_ci"]
    return f"{percent(low, 'vi')} – {percent(high, 'vi')}"


def test_the_page_shows_the_numbers_of_the_index_api(client: TestClient, answered: Answered) -> None:
    sign_in(client, answered.analyst)
    period = answered.period
    html = page(client, period.code)
    api = indices(client, answered.analyst, period)
    assert by_id(html, "overall") == percent(api["overall"]["satisfied"], "vi")
    assert by_id(html, "overall-ci") == interval(api["overall"])
    assert by_id(html, "overall-respondents") == str(api["overall"]["respondents"]) == "22"
    assert by_id(html, "target") == percent(api["target"]["value"], "vi") == "90,0 %"
    assert "Chưa đạt chỉ tiêu" in by_id(html, "verdict")
    change = api["previous_period"]
    said = re.search(r'<p id="change">(.*?)</p>', html, re.S)
    assert said is not None and points(change["change"], "vi") + " điểm phần trăm" in said.group(1)
    assert ("chưa có ý nghĩa thống kê" in said.group(1)) is (not change["significant"])
    assert percent(change["satisfied"], "vi") in said.group(1)
    # Units by name, the API's by-unit numbers, and the change since the quarter before.
    now = {e["group"]["unit"]: e["overall"] for e in indices(client, answered.analyst, period, by="unit")["breakdown"]}
    before = {
        e["group"]["unit"]: e["overall"]
        for e in indices(client, answered.analyst, period.previous(), by="unit")["breakdown"]
    }
    # Weakest first; then the unit with few answers; last the unit of the instrument's sector nobody answered in.
    assert rows(html, "units") == ["d2", "d1", "d3", "test-unit"]
    units = table(html, "units")
    for code, name in NAMES.items():
        assert name in units
        assert cell(html, "units", code, "satisfied") == percent(now[code]["satisfied"], "vi")
        assert cell(html, "units", code, "ci") == interval(now[code])
        assert cell(html, "units", code, "respondents") == str(now[code]["respondents"])
    delta = now["d1"]["satisfied"] - before["d1"]["satisfied"]
    assert cell(html, "units", "d1", "change") == points(delta, "vi") == "+30,0"
    significant = difference_significant(delta, now["d1"]["satisfied_se"], before["d1"]["satisfied_se"])
    assert cell(html, "units", "d1", "significant") == ("Có" if significant else "Không")
    assert cell(html, "units", "d3", "change") == "—chưa có"  # no answers the quarter before
    assert now["d3"]["flags"] == ["few_answers", "boundary"]  # 2 of 2 satisfied
    assert cell(html, "units", "d3", "flags") == "Ít người trả lời (dưới 5); Tỷ lệ ở mức 0% hoặc 100%"
    # Elements and items weakest first, with the API's numbers.
    assert (
        rows(html, "elements")[0]
        == min((e for e in api["elements"] if e["satisfied"] is not None), key=lambda e: e["satisfied"])["code"]
    )
    item = api["items"][0]
    assert cell(html, "items", item["code"], "satisfied") == percent(item["satisfied"], "vi")
    # The trend: six quarters, the last two with the API's numbers of each.
    assert len(rows(html, "trend")) == 6 and rows(html, "trend")[-2:] == [period.previous().code, period.code]
    earlier = indices(client, answered.analyst, period.previous())["overall"]
    assert cell(html, "trend", period.previous().code, "satisfied") == percent(earlier["satisfied"], "vi")
    assert cell(html, "trend", period.previous().code, "ci") == interval(earlier)
    # Charts drawn by the server, each with its title and description.
    assert html.count('<svg class="chart"') == 3 and "<script" not in html


def test_a_unit_manager_sees_only_their_units(client: TestClient, answered: Answered) -> None:
    sign_in(client, answered.manager)
    html = page(client, answered.period.code)
    assert rows(html, "units") == ["d1"]
    assert NAMES["d2"] not in html and NAMES["d3"] not in html
    api = indices(client, answered.manager, answered.period)
    assert by_id(html, "overall") == percent(api["overall"]["satisfied"], "vi") == "80,0 %"
    other = client.get(RESULTS, params={"instrument": "sipas", "period": answered.period.code, "unit": "d2"})
    assert other.status_code == 403 and "ngoài phạm vi của Ông/Bà" in other.text
    unknown = client.get(RESULTS, params={"instrument": "sipas", "period": answered.period.code, "unit": "zz"})
    assert unknown.status_code == 404 and "Không có đơn vị này" in unknown.text


def test_an_analyst_sees_every_unit_and_can_narrow_to_one(client: TestClient, answered: Answered) -> None:
    sign_in(client, answered.analyst)
    html = page(client, answered.period.code, unit="d2")
    assert rows(html, "units") == ["d2"]
    api = indices(client, answered.analyst, answered.period, unit="d2")
    assert by_id(html, "overall") == percent(api["overall"]["satisfied"], "vi") == "30,0 %"
    assert '<option value="d3">Sở Tư pháp</option>' in page(client, answered.period.code)


def test_custom_dates_and_bad_periods(client: TestClient, answered: Answered) -> None:
    sign_in(client, answered.analyst)
    period = answered.period
    html = page(client, "custom", **{"from": period.first.isoformat(), "to": period.last.isoformat()})
    assert by_id(html, "overall") == percent(indices(client, answered.analyst, period)["overall"]["satisfied"], "vi")
    bad = client.get(RESULTS, params={"instrument": "sipas", "period": "2026-Q5"})
    assert bad.status_code == 422 and "Kỳ báo cáo chưa đúng" in bad.text
    backwards = client.get(
        RESULTS, params={"instrument": "sipas", "period": "custom", "from": "2026-05-01", "to": "2026-04-01"}
    )
    assert backwards.status_code == 422 and "Từ ngày phải trước hoặc trùng Đến ngày" in backwards.text
    missing = client.get(RESULTS, params={"instrument": "nope", "period": "2026"})
    assert missing.status_code == 404 and "Không có phiếu khảo sát này" in missing.text
    empty = page(client, str(date(2015, 1, 1).year))
    assert "Chưa có câu trả lời nào" in empty


def test_english_and_the_way_in(client: TestClient, answered: Answered) -> None:
    assert client.get(RESULTS, follow_redirects=False).headers["location"] == "/staff/"
    sign_in(client, answered.analyst)
    assert '<a class="nav-results" href="/staff/results">Kết quả khảo sát</a>' in client.get("/staff/fieldwork").text
    english = page(client, answered.period.code, lang="en")
    assert 'lang="en"' in english and "Results by unit" in english and "Change since the previous period" in english
    for vietnamese in ("Tỷ lệ hài lòng", "Chỉ tiêu", "Kỳ báo cáo", "điểm phần trăm", "Quý"):
        assert vietnamese not in english, vietnamese
    assert by_id(english, "overall") == percent(
        indices(client, answered.analyst, answered.period)["overall"]["satisfied"], "en"
    )
    assert client.get(RESULTS).headers["cache-control"] == "no-store"
