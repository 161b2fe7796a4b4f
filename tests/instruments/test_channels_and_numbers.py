"""Issue 12 point 4: channel visibility and whole-number items are instrument data, checked on load."""

from __future__ import annotations

from typing import Any

import pytest

from survey_api.collection.answers import check_answers
from survey_api.instruments.loader import (
    InstrumentFileError,
    load_instrument_file,
    official_instrument_files,
    parse_document,
)
from survey_api.qr.forms import estimated_minutes, qr_sections, question_count


def shipped(code: str) -> Any:
    return next(load_instrument_file(p) for p in official_instrument_files() if load_instrument_file(p).code == code)


def small(item: dict[str, Any]) -> dict[str, Any]:
    """A minimal valid document around one extra item."""
    return {
        "code": "t",
        "sector": "administrative",
        "version": 1,
        "title": {"vi": "Thử"},
        "source": "test",
        "confidence": "draft",
        "respondent_types": ["person"],
        "scales": {"S": [{"value": v, "label": {"vi": str(v)}} for v in range(1, 6)]},
        "sections": [
            {
                "code": "A",
                "title": {"vi": "A"},
                "items": [{"code": "r", "type": "scale_1_5", "scale": "S", "text": {"vi": "Đánh giá"}}, item],
            }
        ],
        "index": {
            "satisfied": [4, 5],
            "aggregation": "item_mean",
            "elements": [{"code": "E", "label": {"vi": "E"}, "items": ["r"]}],
            "overall": {"code": "O", "label": {"vi": "O"}, "elements": ["E"]},
        },
    }


def test_the_counter_instrument_ships_with_sources_and_a_few_questions() -> None:
    counter = shipped("one-stop-dossier")
    assert counter.sector == "administrative" and counter.confidence == "draft"
    assert {s.grade for s in counter.sources} >= {"secondary", "draft"}
    assert "01/2018/TT-VPCP" in counter.source
    assert question_count(qr_sections(counter)) == 8
    assert estimated_minutes(counter, qr_sections(counter)) == 2


def test_interviewer_fields_are_hidden_on_qr_only() -> None:
    outpatient = shipped("health-outpatient")
    on_qr = {item.code for section in qr_sections(outpatient) for item in section.items}
    assert not {"hdr.KKS", "hdr.3", "hdr.3.other"} & on_qr
    on_tablet = {item.code for section in outpatient.shown_on("tablet") for item in section.items}
    assert {"hdr.KKS", "hdr.3"} <= on_tablet
    sipas = shipped("sipas")
    assert question_count(qr_sections(sipas)) > 3 * question_count(qr_sections(shipped("one-stop-dossier")))


def test_a_required_item_cannot_be_hidden_and_an_integer_needs_bounds() -> None:
    hidden = {"code": "h", "type": "free_text", "required": True, "hidden_on": ["qr"], "text": {"vi": "Ẩn"}}
    with pytest.raises(InstrumentFileError, match="a required item cannot be hidden"):
        parse_document(small(hidden), "test")
    unbounded = {"code": "n", "type": "integer", "text": {"vi": "Tuổi"}}
    with pytest.raises(InstrumentFileError, match="needs bounds"):
        parse_document(small(unbounded), "test")
    stray = {"code": "n", "type": "free_text", "min": 1, "text": {"vi": "Tuổi"}}
    with pytest.raises(InstrumentFileError, match="only an integer item"):
        parse_document(small(stray), "test")


@pytest.mark.parametrize(
    ("value", "ok"), [(0, True), (120, True), (121, False), (-1, False), ("45", False), (4.5, False), (True, False)]
)
def test_the_server_checks_whole_numbers_within_bounds(value: Any, ok: bool) -> None:
    document = parse_document(
        small({"code": "n", "type": "integer", "min": 0, "max": 120, "text": {"vi": "Tuổi"}}), "t"
    )
    cleaned, problems = check_answers(document, {"r": 4, "n": value})
    assert (problems == []) is ok
    if not ok:
        assert problems[0]["item"] == "n" and "0 to 120" in problems[0]["problem"]
