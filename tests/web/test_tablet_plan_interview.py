"""On the tablet, an interview of a sample-list entry is sent with its assignment and case, so the server
stores it with the plan's design weight; an interview of someone not on the list is sent with the assignment only
(its unit), without a case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import Response
from tests.api.helpers import instrument
from tests.conftest import Db
from tests.estimates.plandata import assigned_plan
from tests.fieldwork import conftest as fieldwork
from tests.fieldwork.conftest import PASSWORD, Person
from tests.imports.apidata import CODE, publish_test_instrument
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_tablet_offline import TIMEOUT, expect_counts, fill_interview

pytestmark = pytest.mark.browser
area, person = fieldwork.area, fieldwork.person


def test_an_interview_of_a_sample_entry_carries_the_plans_design_weight(
    chromium: Any, live_server: str, client: TestClient, db: Db, person: Callable[..., Person], tmp_path: Path
) -> None:
    publish_test_instrument(db)
    volunteer = person("volunteer")
    field = assigned_plan(client, person("analyst", unit=None), person("admin", unit=None), volunteer)
    case = next(c for c in field.cases if c["assignment"] == field.assignments["north"])
    inst = instrument(client, CODE)

    context = chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, locale="vi-VN"
    )
    context.set_default_timeout(TIMEOUT)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(f"{live_server}/tablet/")
    page.fill("#username", volunteer.username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in button[type=submit]")
    start = f'article.card[data-assignment="{field.assignments["north"]}"] button.start-contact'
    for n, case_ref in enumerate((case["ref"], "Nhà số 7 (ngoài danh sách)")):
        page.click(start)
        page.fill("#case-ref", case_ref)
        page.click("#outcome-completed")
        fill_interview(page, inst, scale_value=4)
        page.click("#finish")
        expect_counts(page, queued=0, sent=n + 1)
    context.close()

    with db() as session:
        rows = {r.case_ref: r for r in session.scalars(select(Response))}
    listed = rows[case["ref"]]
    assert (listed.assignment_id, listed.stratum, listed.psu) == (field.assignments["north"], "north", case["psu"])
    assert listed.design_weight == pytest.approx(case["weight"])
    other = rows[None]
    # Off the list: no design, but the interview names its assignment, whose unit it counts for.
    assert (other.assignment_id, other.design_weight, other.stratum) == (field.assignments["north"], None, None)
    assert other.unit_id is not None
