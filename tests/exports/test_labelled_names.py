"""SPSS/Stata variables without a data-frame library: names legal in both programs, labels cut on a character,
multiple choices as 0/1 variables, and a clear 501 when the server cannot write the file."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from survey_api.exports._labelled import _cut, _Names, variables
from survey_api.instruments.document import InstrumentDocument
from tests.exports.labelled_data import labelled_document

Headers = Callable[[str], dict[str, str]]


def test_names_are_legal_distinct_and_at_most_32_characters() -> None:
    names = _Names()
    made = [names.make(code) for code in ["1.1", "P.4.other", "Q1", "q1", "a" * 40, "a" * 40, "hdr.KKS"]]
    assert made[:4] == ["q1_1", "P_4_other", "Q1", "q1_2"]
    assert made[4] == "a" * 32 and made[5] == "a" * 30 + "_2"
    assert made[6] == "hdr_KKS"


def test_labels_are_cut_on_a_character_boundary() -> None:
    text = "Rất hài lòng" * 20
    cut = _cut(text, 120, in_bytes=True)
    assert len(cut.encode()) <= 120 and text.startswith(cut) and len(cut.encode()) > 115
    assert _cut(text, 80, in_bytes=False) == text[:80]


def test_multiple_choices_become_one_variable_per_option() -> None:
    document = InstrumentDocument.model_validate(labelled_document())
    header = ["id", "weight", "Q1", "M.1", "N", "C"]
    rows = [["a", 1.5, 4, "1;2", "33", "Tốt"], ["b", 2.0, None, None, None, None], ["c", 1.0, 2, "2", None, ""]]
    found = {v.name: v for v in variables(header, iter(rows), document)}
    assert list(found) == ["id", "weight", "Q1", "M_1_1", "M_1_2", "N", "C"]
    assert found["M_1_1"].values == [1.0, None, 0.0] and found["M_1_2"].values == [1.0, None, 1.0]
    assert found["N"].values == [33.0, None, None] and found["C"].values == ["Tốt", "", ""]
    assert found["Q1"].value_labels[5] == "Rất hài lòng" and found["Q1"].label.startswith("Q1 Ông/Bà")


def test_without_a_data_frame_library_the_file_is_a_clear_501(
    client: TestClient, official: dict[str, int], token_for: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)  # import polars → ImportError
    reply = client.get("/api/v1/exports/responses.sav", params={"instrument": "sipas"}, headers=token_for("analyst"))
    assert reply.status_code == 501
    assert "polars" in reply.json()["detail"]
