"""A small two-stage plan (communes by SRS in two districts, then people by SRS) interviewed through the API.

The people's frame lists each person's sex and age group, so the interviews carry the cells margins are
given for. Outcomes follow a fixed pattern over the sample (completed, refused, not at home, not eligible,
never contacted), so every stratum and commune has respondents and non-respondents.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.fieldwork.conftest import Person
from tests.imports.apidata import CODE
from tests.plans.conftest import PLANS, csv_file, upload

DESIGN = {
    "stratum_column": "district",
    "stages": [{"name": "commune", "method": "srs", "n": 3}, {"name": "person", "method": "srs", "n": 8}],
}
ONE_STAGE = {"stratum_column": "district", "stages": [{"name": "person", "method": "srs", "n": 10}]}
COMMUNES = {"north": 6, "south": 4}
SEXES, AGES = ("1", "2"), ("18-34", "35-59", "60+")
# Population margins (equal totals), for raking.
MARGINS = {"sex": {"1": 980.0, "2": 1020.0}, "age_group": {"18-34": 700.0, "35-59": 800.0, "60+": 500.0}}


def frames() -> tuple[bytes, bytes]:
    """Communes (district as stratum) and people (10 to 16 per commune, with sex and age group)."""
    communes, people = [], []
    for district, count in COMMUNES.items():
        for c in range(count):
            commune = f"{district}-x{c}"
            communes.append([commune, f"Xã {c}", district])
            for p in range(10 + (3 * c + len(district)) % 7):
                k = len(people)
                people.append([f"{commune}-p{p}", f"Người {p}", commune, SEXES[k % 2], AGES[(k // 2) % 3]])
    return (
        csv_file(["ref", "label", "district"], communes),
        csv_file(["ref", "label", "parent", "sex", "age_group"], people),
    )


def one_stage_frame() -> bytes:
    """People listed directly in two districts (30 and 18), with sex and age group."""
    rows = [
        [f"{d}-p{k}", f"Người {k}", d, SEXES[k % 2], AGES[k % 3]]
        for d, n in (("north", 30), ("south", 18))
        for k in range(n)
    ]
    return csv_file(["ref", "label", "district", "sex", "age_group"], rows)


def outcome(k: int) -> str | None:
    """The final outcome of the k-th case of the sample (None: never contacted)."""
    if k % 7 == 3:
        return "refused"
    if k % 11 == 5:
        return "not_eligible"
    if k % 9 == 8:
        return None
    if k % 13 == 4:
        return "not_at_home"
    return "completed"


def answers(k: int) -> dict[str, Any]:
    """Deterministic answers to the test instrument's three items."""
    return {"Q1": 1 + (k * 7) % 5, "Q2": 1 + (k * 3 + 1) % 5, "Q3": 1 + (k * k + 2) % 5}


@dataclass(frozen=True)
class Fieldwork:
    plan: int
    units: list[dict[str, Any]]
    assignments: dict[str, int]  # stratum → assignment id
    cases: list[dict[str, Any]]  # every person in the sample: ref, assignment, stratum, psu, weight, outcome


def drawn_plan(
    client: TestClient, analyst: Person, design: dict[str, Any] | None = None, seed: int = 20261125
) -> tuple[int, list[dict[str, Any]]]:
    """A drawn plan of the test instrument on the frames above; its id and sample units."""
    design = design or DESIGN
    body = {"name": "Khảo sát thử", "instrument": CODE, "design": design}
    reply = client.post(PLANS, json=body, headers=analyst.headers)
    assert reply.status_code == 201, reply.text
    plan: int = reply.json()["id"]
    files = frames() if len(design["stages"]) == 2 else (one_stage_frame(),)
    for stage, data in enumerate(files):
        uploaded = upload(client, analyst, plan, data, stage=stage)
        assert uploaded.status_code == 201, uploaded.text
    drawn = client.post(f"{PLANS}/{plan}/draw", json={"seed": seed}, headers=analyst.headers)
    assert drawn.status_code == 201, drawn.text
    return plan, drawn.json()["units"]


def assigned_plan(
    client: TestClient, analyst: Person, admin: Person, volunteer: Person, design: dict[str, Any] | None = None
) -> Fieldwork:
    """The drawn plan with each stratum's people assigned to ``volunteer``."""
    plan, units = drawn_plan(client, analyst, design)
    last = max(u["stage"] for u in units)
    assignments = {}
    for stratum in sorted(COMMUNES):
        body = {"volunteer": volunteer.username, "stratum": stratum}
        reply = client.post(f"{PLANS}/{plan}/assign", json=body, headers=admin.headers)
        assert reply.status_code == 201, reply.text
        assignments[stratum] = reply.json()["id"]
    people = [u for u in units if u["stage"] == last and u["role"] == "selected"]
    cases = [
        {
            "ref": u["ref"],
            "assignment": assignments[u["stratum"]],
            "stratum": u["stratum"],
            "psu": u["parent"] if last else u["ref"],
            "weight": u["weight"],
            "outcome": outcome(k),
        }
        for k, u in enumerate(people)
    ]
    return Fieldwork(plan, units, assignments, cases)


def interview(client: TestClient, volunteer: Person, fieldwork: Fieldwork) -> list[str]:
    """Sync every case's contact attempts and, for the completed ones, the response; the response ids."""
    responses, attempts = [], []
    for k, case in enumerate(fieldwork.cases):
        if case["outcome"] is None:
            continue
        response_id = str(uuid.uuid4()) if case["outcome"] == "completed" else None
        if response_id is not None:
            responses.append(
                {
                    "id": response_id,
                    "instrument_version": 0,  # set below
                    "channel": "tablet",
                    "answers": answers(k),
                    "assignment": case["assignment"],
                    "case_ref": case["ref"],
                }
            )
        attempts.append(
            {
                "id": str(uuid.uuid4()),
                "assignment": case["assignment"],
                "case_ref": case["ref"],
                "outcome": case["outcome"],
                "response_id": response_id,
            }
        )
    version = client.get("/api/v1/instruments").json()
    version_id = next(v["id"] for v in version if v["code"] == CODE)
    for body in responses:
        body["instrument_version"] = version_id
    synced = client.post("/api/v1/responses/batch", json={"responses": responses}, headers=volunteer.headers)
    assert [r["status"] for r in synced.json()["results"]] == ["created"] * len(responses), synced.text
    synced = client.post("/api/v1/contact-attempts/batch", json={"attempts": attempts}, headers=volunteer.headers)
    assert [r["status"] for r in synced.json()["results"]] == ["created"] * len(attempts), synced.text
    return [r["id"] for r in responses]


def expected_factors(fieldwork: Fieldwork, by: str = "stratum") -> dict[str, float]:
    """Σ design weights of eligible cases / Σ of respondents, per stratum (or PSU), by hand."""
    eligible: dict[str, float] = {}
    respondents: dict[str, float] = {}
    for case in fieldwork.cases:
        key = case[by]
        if case["outcome"] != "not_eligible":
            eligible[key] = eligible.get(key, 0.0) + case["weight"]
        if case["outcome"] == "completed":
            respondents[key] = respondents.get(key, 0.0) + case["weight"]
    return {key: eligible[key] / respondents[key] for key in respondents}
