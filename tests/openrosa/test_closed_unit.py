"""ODK Collect sends what it filled in offline whenever it next has a network: an instance completed after its
district closed is refused (410, nothing stored, the reason in Vietnamese), one completed before is stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from survey_api.collection.service import LOCAL_TIME
from survey_api.units import service as units
from tests.api.helpers import complete_answers
from tests.conftest import Db
from tests.openrosa.conftest import Account
from tests.openrosa.instances import fill
from tests.openrosa.test_signin import message
from tests.openrosa.test_submission import send, stored, xform


def test_an_instance_completed_after_the_closure_is_refused_one_completed_before_is_stored(
    client: TestClient, volunteer: Account, sipas: dict[str, Any], assign: Any, db: Db
) -> None:
    form = xform(client, volunteer, assign(volunteer, sipas))
    now = datetime.now(UTC).replace(microsecond=0)
    last_day = now.astimezone(LOCAL_TIME).date() - timedelta(days=2)
    with db() as session:
        units.close(session, None, "d1", valid_to=last_day, successors=[("d2", 1.0)])

    late = send(client, volunteer, fill(form, complete_answers(sipas)))
    assert late.status_code == 410, late.text
    assert "Huyện d1 đã ngừng hoạt động từ ngày" in message(late)
    assert stored(db) == 0

    earlier = {"start": (now - timedelta(days=4, minutes=9)).isoformat(), "end": (now - timedelta(days=4)).isoformat()}
    instance = fill(form, complete_answers(sipas), response_id=uuid.uuid4(), **earlier)
    assert send(client, volunteer, instance).status_code == 201
    assert send(client, volunteer, instance).status_code == 202  # its retry: acknowledged, stored once
    assert stored(db) == 1
