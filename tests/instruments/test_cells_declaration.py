"""An instrument's ``cells`` declaration: which items give sex and age group, and the levels they map to."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from survey_api.instruments.loader import DATA_DIR, InstrumentFileError, load_instrument_file, parse_document


def _sipas() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA_DIR / "sipas.yaml").read_text(encoding="utf-8"))
    return data


def test_the_shipped_instruments_declare_their_cells() -> None:
    sipas = load_instrument_file(DATA_DIR / "sipas.yaml")
    assert sipas.respondent_cells({"A.1": 2, "A.3": 5}) == {"sex": "2", "age_group": "61+"}
    assert sipas.respondent_cells({"A.1": 1}) == {"sex": "1"}  # no age answer: no age cell
    outpatient = load_instrument_file(DATA_DIR / "health-outpatient.yaml")
    assert outpatient.respondent_cells({"info.A1": 3, "info.A2": 60}) == {"age_group": "50-60"}  # 3 Khác: no cell
    assert outpatient.respondent_cells({"info.A1": 1, "info.A2": 61}) == {"sex": "1", "age_group": "61+"}
    assert outpatient.respondent_cells({"info.A2": 12}) == {}  # a child: no age band of the adult margins


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ({"sex": {"item": "Z.9", "levels": {1: "1"}}}, "cells.sex: item Z.9 does not exist"),
        ({"sex": {"item": "A.1", "levels": {7: "1"}}}, "cells.sex: item A.1 has no options [7]"),
        ({"sex": {"item": "A.1", "bands": [{"min": 0, "level": "x"}]}}, "map its options under `levels`"),
        ({"age_group": {"item": "II.A.1", "levels": {1: "a"}}}, "a cell comes from a single_choice or integer item"),
        ({"sex": {"item": "A.1", "levels": {1: "1|2"}}}, "String should match pattern"),
        ({"income": {"item": "A.1", "levels": {1: "1"}}}, "cells.income"),
    ],
)
def test_a_declaration_that_does_not_fit_the_items_is_refused(cells: dict[str, Any], problem: str) -> None:
    data = copy.deepcopy(_sipas())
    data["cells"] = cells
    with pytest.raises(InstrumentFileError) as raised:
        parse_document(data, "sipas.yaml")
    assert problem in str(raised.value)


def test_age_bands_must_not_overlap() -> None:
    data = copy.deepcopy(load_instrument_file(DATA_DIR / "health-workers.yaml").model_dump(mode="json"))
    data["cells"]["age_group"]["bands"].append({"min": 60, "max": 70, "level": "60-70"})
    with pytest.raises(InstrumentFileError, match="bands 50-60 and 60-70 overlap"):
        parse_document(data, "health-workers.yaml")
