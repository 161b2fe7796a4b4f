"""The demo volunteer's case on the real tablet: an assignment with a unit and no service point. The interview
is sent with its assignment and stored for the assignment's unit, with the respondent's sex and age group."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.auth.service import create_user
from survey_api.db.models import OrgUnit, Response
from tests.api.helpers import instrument
from tests.conftest import Db
from tests.web.test_tablet_offline import PASSWORD, expect_counts, fill_interview, signed_in

pytestmark = pytest.mark.browser


def test_an_interview_at_no_point_is_stored_for_the_assignments_unit(
    chromium: Any,
    live_server: str,
    client: TestClient,
    db: Db,
    official: dict[str, int],
    token_for: Callable[[str], dict[str, str]],
    tmp_path: Path,
) -> None:
    username = f"tnv-{uuid.uuid4().hex[:6]}"
    with db() as session:
        ward = OrgUnit(code="gia-nghia", name="Thành phố Gia Nghĩa", kind="district", valid_from=date(2004, 1, 1))
        session.add(ward)
        session.flush()
        create_user(session, username=username, role="volunteer", password=PASSWORD, unit_id=ward.id)
        ward_id = ward.id
    body = {"volunteer": username, "instrument_version": official["sipas"], "unit": "gia-nghia", "quota": 30}
    assigned = client.post("/api/v1/assignments", json=body, headers=token_for("admin"))
    assert assigned.status_code == 201, assigned.text
    sipas = instrument(client, "sipas")

    context, page = signed_in(chromium, tmp_path / "profile", live_server, username)
    page.click("button.start-contact")
    page.fill("#case-ref", "Nhà số 12")
    page.click("#outcome-completed")
    fill_interview(page, sipas, scale_value=4)  # the first option of A.1 (Nam) and of A.3 (18–24 tuổi)
    page.click("#finish")
    expect_counts(page, queued=0, sent=1)
    shots = os.environ.get("SURVEY_SHOTS_DIR")
    if shots:  # for a person to look at: the tablet after the sync
        page.wait_for_selector("text=Đã gửi xong")
        for name, size in (("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900})):
            page.set_viewport_size(size)
            page.screenshot(path=str(Path(shots) / f"tablet-after-sync-{name}.png"), full_page=True)
    context.close()

    with db() as session:
        row = session.scalars(select(Response)).one()
        assert (row.unit_id, row.service_point_id, row.assignment_id) == (ward_id, None, assigned.json()["id"])
        assert (row.channel, row.sex, row.age_group) == ("tablet", "1", "18-24")
