"""Submissions from ODK Collect: stored once as a tablet's answer, replays acknowledged, conflicts refused,
hostile or invalid instances answered 4xx with nothing stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import ContactAttempt, OrgUnit, Response
from tests.api.helpers import complete_answers
from tests.conftest import Db
from tests.openrosa.conftest import Account
from tests.openrosa.instances import fill, multipart
from tests.openrosa.test_signin import message

SUBMIT = "/openrosa/submission"


def xform(client: TestClient, who: Account, assignment: int) -> bytes:
    reply = client.get(f"/openrosa/forms/assignment-{assignment}", auth=who.auth)
    assert reply.status_code == 200
    content: bytes = reply.content
    return content


def send(client: TestClient, who: Account, xml: bytes) -> Any:
    return client.post(SUBMIT, files=multipart(xml), auth=who.auth)


def stored(db: Db) -> int:
    with db() as session:
        return int(session.scalar(select(func.count()).select_from(Response)) or 0)


def test_head_is_204_with_the_largest_submission_accepted(client: TestClient, volunteer: Account) -> None:
    assert client.head(SUBMIT).status_code == 401
    reply = client.head(SUBMIT, auth=volunteer.auth)
    assert reply.status_code == 204
    assert reply.headers["X-OpenRosa-Version"] == "1.0"
    assert int(reply.headers["X-OpenRosa-Accept-Content-Length"]) == 2 * 1024 * 1024


def test_a_submission_lands_as_a_tablet_answer_and_a_replay_is_acknowledged_a_change_refused(
    client: TestClient, volunteer: Account, sipas: dict[str, Any], assign: Any, db: Db
) -> None:
    assignment = assign(volunteer, sipas)
    form = xform(client, volunteer, assignment)
    response_id = uuid.uuid4()
    answers = complete_answers(sipas)
    instance = fill(form, answers, response_id=response_id, respondent_type="organisation")

    created = send(client, volunteer, instance)
    assert created.status_code == 201, created.text
    assert created.headers["X-OpenRosa-Version"] == "1.0"
    assert "received" in message(created)
    with db() as session:
        row = session.get_one(Response, response_id)
        d1 = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "d1"))
        assert (row.channel, row.unit_id, row.assignment_id, row.interviewer_id) == (
            "tablet",
            d1,
            assignment,
            volunteer.id,
        )
        assert row.respondent_type == "organisation"
        assert row.answers == answers
        assert row.started_at is not None and row.completed_at is not None
        attempt = session.scalars(select(ContactAttempt).where(ContactAttempt.response_id == response_id)).one()
        assert (attempt.outcome, attempt.assignment_id) == ("completed", assignment)

    again = send(client, volunteer, instance)
    assert again.status_code == 202 and "already" in message(again)

    scale = next(i["code"] for i in sipas["items"] if i["type"] == "scale_1_5")
    changed = fill(form, {**answers, scale: 1}, response_id=response_id, respondent_type="organisation")
    conflict = send(client, volunteer, changed)
    assert conflict.status_code == 409 and "other content" in message(conflict)
    assert stored(db) == 1
    with db() as session:
        assert session.get_one(Response, response_id).answers == answers
        assert session.scalar(select(func.count()).select_from(ContactAttempt)) == 1
    progress = client.get("/openrosa/formList", auth=volunteer.auth)
    assert progress.status_code == 200


def test_a_sample_list_entry_is_recorded_as_the_case(
    client: TestClient, volunteer: Account, sipas: dict[str, Any], assign: Any, db: Db
) -> None:
    assignment = assign(volunteer, sipas, sample=[{"ref": "HH-7", "label": "Nhà 7"}])
    form = xform(client, volunteer, assignment)
    response_id = uuid.uuid4()
    assert (
        send(
            client, volunteer, fill(form, complete_answers(sipas), response_id=response_id, case_ref="HH-7")
        ).status_code
        == 201
    )
    with db() as session:
        assert session.get_one(Response, response_id).case_ref == "HH-7"
    wrong = send(client, volunteer, fill(form, complete_answers(sipas), case_ref="HH-8"))
    assert wrong.status_code == 422 and "HH-8" in message(wrong)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
<data id="assignment-1"><meta><instanceID>uuid:5d6f3b1e-8f0e-4c1a-9a57-2c3e1f0b9d11</instanceID></meta>&c;</data>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY x SYSTEM "file:///etc/passwd">]><data id="assignment-1">&x;</data>"""


@pytest.mark.parametrize(
    "xml",
    [b"<data id='assignment-1'><meta>", b"not xml at all", b"", BOMB, EXTERNAL, b"<a>" * 50 + b"</a>" * 50],
    ids=["unclosed", "text", "empty", "billion-laughs", "external-entity", "deep"],
)
def test_malformed_or_hostile_xml_is_400(
    client: TestClient, volunteer: Account, sipas: dict[str, Any], assign: Any, db: Db, xml: bytes
) -> None:
    assign(volunteer, sipas)
    reply = send(client, volunteer, xml)
    assert reply.status_code == 400, reply.text
    assert message(reply)
    assert stored(db) == 0


def _replace(xml: bytes, old: str, new: str) -> bytes:
    assert old.encode() in xml
    return xml.replace(old.encode(), new.encode(), 1)


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda x: _replace(x, "<C4>", "<C4><Q99>1</Q99>"), "Q99"),
        (lambda x: _replace(x, "<assignment>", "<surprise>1</surprise><assignment>"), "surprise"),
        (lambda x: _replace(x, "<I.A.1>4</I.A.1>", "<I.A.1>four</I.A.1>"), "I.A.1"),
        (lambda x: _replace(x, "<I.A.1>4</I.A.1>", "<I.A.1>9</I.A.1>"), "I.A.1"),
        (lambda x: _replace(x, "<I.A.1>4</I.A.1>", "<I.A.1>4</I.A.1><I.A.1>4</I.A.1>"), "I.A.1"),
        (lambda x: _replace(x, "<I.A.1>4</I.A.1>", "<I.A.1><b>4</b></I.A.1>"), "I.A.1"),
        (lambda x: _replace(x, "<start>", "<start>yesterday"), "start"),
        (lambda x: _replace(x, "<instanceID>uuid:", "<instanceID>"), "instanceID"),
        (lambda x: _replace(x, "<meta>", "<meta><deprecatedID>uuid:x</deprecatedID>"), "deprecatedID"),
    ],
    ids=[
        "unknown-item",
        "unknown-field",
        "not-a-number",
        "off-scale",
        "twice",
        "nested",
        "bad-time",
        "no-uuid",
        "meta",
    ],
)
def test_unknown_fields_and_wrong_types_are_422_naming_them(
    client: TestClient,
    volunteer: Account,
    sipas: dict[str, Any],
    assign: Any,
    db: Db,
    edit: Callable[[bytes], bytes],
    named: str,
) -> None:
    form = xform(client, volunteer, assign(volunteer, sipas))
    reply = send(client, volunteer, edit(fill(form, complete_answers(sipas))))
    assert reply.status_code == 422, reply.text
    assert named in message(reply)
    assert stored(db) == 0


def test_another_volunteers_form_is_403_and_a_foreign_form_id_422(
    client: TestClient, volunteer: Account, account: Callable[..., Account], sipas: dict[str, Any], assign: Any, db: Db
) -> None:
    other = account("volunteer")
    form = xform(client, other, assign(other, sipas))
    assert send(client, volunteer, fill(form, complete_answers(sipas))).status_code == 403
    foreign = _replace(fill(form, complete_answers(sipas)), 'id="assignment-', 'id="kobo-')
    assert send(client, volunteer, foreign).status_code == 422
    assert stored(db) == 0


def test_a_body_without_the_xml_part_or_too_large_is_refused(
    client: TestClient, volunteer: Account, sipas: dict[str, Any], assign: Any
) -> None:
    assign(volunteer, sipas)
    assert client.post(SUBMIT, files={"other": ("a.xml", b"<a/>", "text/xml")}, auth=volunteer.auth).status_code == 400
    assert (
        client.post(SUBMIT, content=b"<a/>", headers={"Content-Type": "text/xml"}, auth=volunteer.auth).status_code
        == 400
    )
    big = b"<data>" + b"x" * (3 * 1024 * 1024) + b"</data>"
    reply = client.post(SUBMIT, files=multipart(big), auth=volunteer.auth)
    assert reply.status_code == 413
