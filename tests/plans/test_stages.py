"""Certainty selections, listing after the draw (two-phase frames) and replacements above the last stage."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import SampleUnit
from tests.conftest import Db
from tests.fieldwork.conftest import Person
from tests.plans.conftest import PLANS, csv_file, upload
from tests.plans.test_plans import PAPI, draw, papi_frames

NewPlan = Callable[..., int]
MakePerson = Callable[..., Person]


def sample(client: TestClient, who: Person, plan: int) -> list[dict[str, Any]]:
    units: list[dict[str, Any]] = client.get(f"{PLANS}/{plan}/sample", headers=who.headers).json()["units"]
    return units


def status(client: TestClient, who: Person, plan: int) -> dict[str, Any]:
    shown: dict[str, Any] = client.get(f"{PLANS}/{plan}", headers=who.headers).json()
    return shown


def redraw_check(client: TestClient, who: Person, plan: int) -> dict[str, Any]:
    reply = client.post(f"{PLANS}/{plan}/redraw-check", headers=who.headers)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def listing(refs: set[str]) -> bytes:
    """The households of the villages ``refs``, in the order of the full frame."""
    rows = list(csv.reader(io.StringIO(papi_frames()[2].decode())))[1:]
    return csv_file(["ref", "label", "parent"], [r for r in rows if r[2] in refs])


def key(units: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    fields = ("stage", "ref", "role", "selection_order", "stage_probability", "inclusion_probability")
    return sorted(tuple(u[f] for f in fields) for u in units)


# --- certainty selections ------------------------------------------------------------------------

CERTAIN = {
    "stratum_column": "district",
    "stages": [
        {"name": "commune", "method": "pps", "n": 2, "size_column": "population", "certainty": {"column": "seat"}},
        {"name": "village", "method": "srs", "n": 2, "size_column": "population", "certainty": {"min_size": 500}},
    ],
}
COMMUNES = [
    # a: the seat and one commune by PPS from 2000, 3000, 5000.
    ["a0", "Seat A", "a", 1000, "1"],
    ["a1", "", "a", 2000, ""],
    ["a2", "", "a", 3000, "0"],
    ["a3", "", "a", 5000, "no"],
    # b: two seats fill n = 2: nothing is drawn by chance.
    ["b0", "Seat B", "b", 800, "x"],
    ["b1", "Seat B2", "b", 900, "có"],
    ["b2", "", "b", 4000, ""],
    # c: no seat; 2 × 8000 / 10000 ≥ 1 takes c0 by the PPS rule, the other from 1000, 500, 500.
    ["c0", "Big", "c", 8000, ""],
    ["c1", "", "c", 1000, ""],
    ["c2", "", "c", 500, ""],
    ["c3", "", "c", 500, ""],
]


def test_certainty_units_have_probability_one_and_count_in_n(
    client: TestClient, analyst: Person, new_plan: NewPlan
) -> None:
    plan = new_plan(CERTAIN)
    bad = csv_file(["ref", "label", "district", "population", "seat"], [["a0", "", "a", 10, "maybe"]])
    reply = upload(client, analyst, plan, bad)
    assert reply.status_code == 422
    assert reply.json()["errors"] == [{"row": 2, "item": "seat", "problem": "'maybe' is not 1 or 0 (yes or no)"}]
    no_column = upload(client, analyst, plan, csv_file(["ref", "district", "population"], [["a0", "a", 10]]))
    assert no_column.json()["errors"] == [{"row": 1, "item": "seat", "problem": "required column missing"}]

    communes = csv_file(["ref", "label", "district", "population", "seat"], COMMUNES)
    assert upload(client, analyst, plan, communes).status_code == 201
    villages = [[f"{c[0]}-v{k}", "", c[0], 600 if k == 0 else 100 + 50 * k] for c in COMMUNES for k in range(4)]
    assert (
        upload(client, analyst, plan, csv_file(["ref", "label", "parent", "population"], villages), 1).status_code
        == 201
    )
    reply = draw(client, analyst, plan, seed=42)
    assert reply.status_code == 201, reply.text
    units = reply.json()["units"]
    communes_drawn = {u["ref"]: u for u in units if u["stage"] == 0}
    assert {"a0", "b0", "b1", "c0"} <= set(communes_drawn) and len(communes_drawn) == 6
    for ref in ("a0", "b0", "b1", "c0"):
        assert (communes_drawn[ref]["stage_probability"], communes_drawn[ref]["certainty"]) == (1.0, True)
    (other_a,) = [u for r, u in communes_drawn.items() if r.startswith("a") and r != "a0"]
    assert other_a["stage_probability"] == pytest.approx({"a1": 0.2, "a2": 0.3, "a3": 0.5}[other_a["ref"]])
    (other_c,) = [u for r, u in communes_drawn.items() if r.startswith("c") and r != "c0"]
    assert other_c["stage_probability"] == pytest.approx({"c1": 0.5, "c2": 0.25, "c3": 0.25}[other_c["ref"]])
    assert not other_a["certainty"] and not other_c["certainty"]

    for commune in communes_drawn.values():
        villages_drawn = {u["ref"]: u for u in units if u["parent"] == commune["ref"]}
        big = villages_drawn.pop(f"{commune['ref']}-v0")
        assert (big["stage_probability"], big["certainty"]) == (1.0, True), "600 ≥ min_size 500"
        assert big["inclusion_probability"] == pytest.approx(commune["inclusion_probability"])
        (chance,) = villages_drawn.values()
        assert chance["stage_probability"] == pytest.approx(1 / 3), "n − 1 = 1 of the 3 others"
        assert chance["inclusion_probability"] == pytest.approx(commune["inclusion_probability"] / 3)

    stages = status(client, analyst, plan)["stages"]
    assert [(s["in_sample"], s["certainty"], s["by_chance"]) for s in stages] == [(6, 4, 2), (12, 6, 6)]
    assert redraw_check(client, analyst, plan)["identical"] is True


def test_a_certainty_rule_is_checked_with_the_design(client: TestClient, analyst: Person) -> None:
    stages = [{"name": "a", "method": "srs", "n": 1, "certainty": {}}]
    body = {"name": "x", "instrument": "sipas", "design": {"stages": stages}}
    assert client.post(PLANS, json=body, headers=analyst.headers).status_code == 422
    stages[0]["certainty"] = {"column": "ref"}
    reply = client.post(PLANS, json=body, headers=analyst.headers)
    assert reply.status_code == 422 and "another meaning" in reply.text


# --- listing after the draw ----------------------------------------------------------------------


def test_households_listed_after_the_draw_are_drawn_from_the_stored_seed(
    client: TestClient, analyst: Person, new_plan: NewPlan, person: MakePerson, volunteer: Person
) -> None:
    communes, villages, households = papi_frames()
    plan = new_plan(PAPI)
    assert upload(client, analyst, plan, communes).status_code == 201
    assert upload(client, analyst, plan, villages, stage=1).status_code == 201
    first = draw(client, analyst, plan, seed=2026)
    assert first.status_code == 201, first.text
    assert {u["stage"] for u in first.json()["units"]} == {0, 1}
    shown = status(client, analyst, plan)
    drawn_villages = [u["ref"] for u in first.json()["units"] if u["stage"] == 1]
    assert (shown["status"], shown["drawn_stages"]) == ("listing", [0, 1])
    assert shown["stages"][2]["awaiting_listing"] == drawn_villages and not shown["stages"][2]["drawn"]
    admin = person("admin", unit=None)
    early = client.post(
        f"{PLANS}/{plan}/assign", json={"volunteer": volunteer.username, "stratum": "cu-jut"}, headers=admin.headers
    )
    assert early.status_code == 409 and "not drawn yet" in early.json()["detail"]
    assert draw(client, analyst, plan).status_code == 422, "no listing yet"

    undrawn = next(
        f"{d}-x{c}-t{v}"
        for d in ("cu-jut",)
        for c in range(6)
        for v in range(4)
        if f"{d}-x{c}-t{v}" not in drawn_villages
    )
    reply = upload(client, analyst, plan, listing({*drawn_villages, undrawn}), stage=2)
    assert reply.status_code == 422
    assert {e["problem"] for e in reply.json()["errors"]} == {
        f"{undrawn!r} is not in the sample of stage 1; list only the units under drawn ones"
    }
    assert "2" not in status(client, analyst, plan)["frames"]
    assert upload(client, analyst, plan, listing(set(drawn_villages)), stage=2).status_code == 201
    other_seed = draw(client, analyst, plan, seed=2027)
    assert other_seed.status_code == 409 and "leave seed out" in other_seed.json()["detail"]
    second = draw(client, analyst, plan)
    assert second.status_code == 201, second.text
    units = second.json()["units"]
    assert status(client, analyst, plan)["drawn_stages"] == [0, 1, 2]
    by_ref = {u["ref"]: u for u in units}
    final = [u for u in units if u["stage"] == 2]
    assert len(final) == 8 * 7
    for household in final:
        assert household["stage_probability"] == pytest.approx(5 / 15), "selected and reserve alike"
        assert household["inclusion_probability"] == pytest.approx(
            by_ref[household["parent"]]["inclusion_probability"] / 3
        )
    assert redraw_check(client, analyst, plan) == {
        "seed": 2026,
        "identical": True,
        "units": len(units),
        "differences": [],
    }

    # The same seed on every frame at once gives the same sample: the listing changes nothing.
    whole = new_plan(PAPI)
    for stage, data in enumerate((communes, villages, households)):
        assert upload(client, analyst, whole, data, stage=stage).status_code == 201
    assert key(draw(client, analyst, whole, seed=2026).json()["units"]) == key(units)

    again = upload(client, analyst, plan, listing(set(drawn_villages)), stage=2)
    assert again.status_code == 409 and "stage 2 (household) is drawn already" in again.json()["detail"]
    assert upload(client, analyst, plan, villages, stage=1).status_code == 409
    assert draw(client, analyst, plan).status_code == 409
    body = {"volunteer": volunteer.username, "stratum": "cu-jut"}
    assert client.post(f"{PLANS}/{plan}/assign", json=body, headers=admin.headers).status_code == 201


def test_redraw_check_finds_a_changed_probability(
    client: TestClient, analyst: Person, new_plan: NewPlan, db: Db
) -> None:
    communes, villages, _ = papi_frames()
    plan = new_plan(PAPI)
    upload(client, analyst, plan, communes)
    upload(client, analyst, plan, villages, stage=1)
    villages_drawn = {u["ref"] for u in draw(client, analyst, plan, seed=8).json()["units"] if u["stage"] == 1}
    upload(client, analyst, plan, listing(villages_drawn), stage=2)
    assert draw(client, analyst, plan).status_code == 201
    with db() as session:
        unit = session.scalars(select(SampleUnit).where(SampleUnit.plan_id == plan, SampleUnit.stage == 2)).first()
        assert unit is not None
        unit.inclusion_probability *= 2
    check = redraw_check(client, analyst, plan)
    assert check["identical"] is False and "has probabilities" in check["differences"][0]


# --- replacements above the last stage -----------------------------------------------------------

WITH_RESERVE = PAPI | {
    "stages": [PAPI["stages"][0], PAPI["stages"][1] | {"replacements": 1}, PAPI["stages"][2]],  # type: ignore[index]
}


def attempt(client: TestClient, volunteer: Person, assignment: int, ref: str, outcome: str) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "assignment": assignment,
        "case_ref": ref,
        "outcome": outcome,
        "response_id": str(uuid.uuid4()) if outcome == "completed" else None,
        "attempted_at": "2026-11-20T08:00:00+07:00",
    }
    reply = client.post("/api/v1/contact-attempts/batch", json={"attempts": [body]}, headers=volunteer.headers)
    assert reply.json()["results"][0]["status"] == "created", reply.text


def test_an_inaccessible_village_is_replaced_and_its_households_redrawn(
    client: TestClient, analyst: Person, new_plan: NewPlan, person: MakePerson, volunteer: Person
) -> None:
    plan = new_plan(WITH_RESERVE)
    for stage, data in enumerate(papi_frames()):
        assert upload(client, analyst, plan, data, stage=stage).status_code == 201
    units = draw(client, analyst, plan, seed=77).json()["units"]
    villages = [u for u in units if u["stage"] == 1 and u["role"] == "selected"]
    assert sum(u["stage"] == 1 and u["role"] == "replacement" for u in units) == 4, "one reserve village per commune"
    village, other = villages[0], next(v for v in villages if v["parent"] != villages[0]["parent"])
    reserve = next(u for u in units if u["parent"] == village["parent"] and u["role"] == "replacement")
    hh = {v["ref"]: [u["ref"] for u in units if u["parent"] == v["ref"] and u["role"] == "selected"] for v in villages}
    admin = person("admin", unit=None)
    body = {"volunteer": volunteer.username, "units": hh[village["ref"]] + hh[other["ref"]]}
    assignment = client.post(f"{PLANS}/{plan}/assign", json=body, headers=admin.headers).json()["id"]
    attempt(client, volunteer, assignment, hh[village["ref"]][0], "not_at_home")
    attempt(client, volunteer, assignment, hh[other["ref"]][0], "completed")

    replace = f"{PLANS}/{plan}/replace"
    done = client.post(replace, json={"ref": other["ref"], "reason": "inaccessible"}, headers=analyst.headers)
    assert done.status_code == 409 and "1 completed interviews are recorded" in done.json()["detail"]
    reply = client.post(
        replace, json={"ref": village["ref"], "reason": "inaccessible", "note": "flooded road"}, headers=analyst.headers
    )
    assert reply.status_code == 200, reply.text
    released = reply.json()
    assert (released["ref"], released["replaces"], released["status"]) == (reserve["ref"], village["ref"], "pending")
    assert released["stage_probability"] == village["stage_probability"], "it takes the replaced unit's probability"
    assert released["inclusion_probability"] == village["inclusion_probability"]

    after = {u["ref"]: u for u in sample(client, analyst, plan)}
    assert (after[village["ref"]]["status"], after[village["ref"]]["replaced_reason"]) == ("replaced", "inaccessible")
    old = [u for u in after.values() if u["parent"] == village["ref"]]
    assert len(old) == 7 and {u["status"] for u in old} == {"dropped"}
    new = [u for u in after.values() if u["parent"] == reserve["ref"]]
    assert sorted((u["role"], u["selection_order"]) for u in new) == [("replacement", 6), ("replacement", 7)] + [
        ("selected", k) for k in range(1, 6)
    ]
    for household in new:
        assert household["stage_probability"] == pytest.approx(5 / 15)
        assert household["inclusion_probability"] == pytest.approx(village["inclusion_probability"] / 3)
    mine = client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"]
    assert [e["ref"] for e in mine[0]["sample"]] == hh[other["ref"]], "the dropped households left the list"
    stages = status(client, analyst, plan)["stages"]
    assert (stages[1]["replaced"], stages[1]["reserve"], stages[2]["dropped"], stages[2]["in_sample"]) == (1, 3, 7, 40)
    assert redraw_check(client, analyst, plan)["identical"] is True

    again = client.post(replace, json={"ref": village["ref"], "reason": "inaccessible"}, headers=analyst.headers)
    assert again.status_code == 409 and "replaced already" in again.json()["detail"]
    gone = client.post(replace, json={"ref": old[0]["ref"], "reason": "refused"}, headers=analyst.headers)
    assert gone.status_code == 409 and "dropped" in gone.json()["detail"]
    none_left = client.post(replace, json={"ref": reserve["ref"], "reason": "inaccessible"}, headers=analyst.headers)
    assert none_left.status_code == 409 and "no replacement is left" in none_left.json()["detail"]
    commune = client.post(replace, json={"ref": village["parent"], "reason": "refused"}, headers=analyst.headers)
    assert commune.status_code == 409 and "no replacement is left" in commune.json()["detail"]


def test_a_village_replaced_during_and_after_listing(client: TestClient, analyst: Person, new_plan: NewPlan) -> None:
    communes, villages, _ = papi_frames()
    plan = new_plan(WITH_RESERVE)
    upload(client, analyst, plan, communes)
    upload(client, analyst, plan, villages, stage=1)
    units = draw(client, analyst, plan, seed=5).json()["units"]
    first, later = [u for u in units if u["stage"] == 1 and u["role"] == "selected"][::4][:2]
    replace = f"{PLANS}/{plan}/replace"
    reply = client.post(replace, json={"ref": first["ref"], "reason": "inaccessible"}, headers=analyst.headers)
    assert reply.status_code == 200, reply.text
    stand_in = reply.json()["ref"]
    in_sample = set(status(client, analyst, plan)["stages"][2]["awaiting_listing"])
    assert stand_in in in_sample and first["ref"] not in in_sample
    assert upload(client, analyst, plan, listing(in_sample | {first["ref"]}), stage=2).status_code == 422
    assert upload(client, analyst, plan, listing(in_sample), stage=2).status_code == 201
    assert draw(client, analyst, plan).status_code == 201
    assert sum(u["parent"] == stand_in and u["role"] == "selected" for u in sample(client, analyst, plan)) == 5

    # After the households are drawn: the replacement has no listing yet; it is added and drawn at once.
    reply = client.post(replace, json={"ref": later["ref"], "reason": "inaccessible"}, headers=analyst.headers)
    assert reply.status_code == 200, reply.text
    second = reply.json()["ref"]
    assert status(client, analyst, plan)["stages"][2]["awaiting_listing"] == [second]
    mixed = upload(client, analyst, plan, listing({second, stand_in}), stage=2)
    assert mixed.status_code == 422 and "listed and drawn already" in mixed.json()["detail"]
    added = upload(client, analyst, plan, listing({second}), stage=2)
    assert added.status_code == 201 and added.json()["rows"] == 15
    drawn = [u for u in sample(client, analyst, plan) if u["parent"] == second]
    assert sorted(u["role"] for u in drawn) == ["replacement"] * 2 + ["selected"] * 5
    assert status(client, analyst, plan)["stages"][2]["awaiting_listing"] == []
    assert upload(client, analyst, plan, listing({second}), stage=2).status_code == 409
    assert redraw_check(client, analyst, plan)["identical"] is True


def test_with_a_target_a_replacement_village_takes_the_share_of_the_one_it_replaces(
    client: TestClient, analyst: Person, new_plan: NewPlan
) -> None:
    design = {
        "stratum_column": "district",
        "stages": [{"name": "village", "method": "srs", "n": 2, "replacements": 1}, {"name": "household"}],
        "target": {"n": 12},
        "allocation": "equal",
    }
    plan = new_plan(design)
    villages = [[f"{d}-t{v}", "", d] for d in ("a", "b") for v in range(4)]
    households = [[f"{v[0]}-h{h}", "", v[0]] for v in villages for h in range(15)]
    assert upload(client, analyst, plan, csv_file(["ref", "label", "district"], villages)).status_code == 201
    assert upload(client, analyst, plan, csv_file(["ref", "label", "parent"], households), stage=1).status_code == 201
    units = draw(client, analyst, plan, seed=3).json()["units"]
    drawn = [u["ref"] for u in units if u["stage"] == 0 and u["role"] == "selected"]
    assert status(client, analyst, plan)["sizing"]["shares"] == dict.fromkeys(drawn, 3), "6 per district, 3 a village"
    reply = client.post(f"{PLANS}/{plan}/replace", json={"ref": drawn[0], "reason": "refused"}, headers=analyst.headers)
    assert reply.status_code == 200, reply.text
    stand_in = reply.json()["ref"]
    assert status(client, analyst, plan)["sizing"]["shares"][stand_in] == 3
    new = [u for u in sample(client, analyst, plan) if u["parent"] == stand_in]
    assert len(new) == 3 and all(u["stage_probability"] == pytest.approx(3 / 15) for u in new)
    assert all(u["inclusion_probability"] == pytest.approx(2 / 4 * 3 / 15) for u in new)
    assert redraw_check(client, analyst, plan)["identical"] is True
