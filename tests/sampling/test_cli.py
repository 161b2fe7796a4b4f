"""``survey estimate`` through its argparse entry point."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from survey_api.estimate_cli import register, run

from .apidata import path


def call(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="survey")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["estimate", *argv])
    assert args.func is run
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_stratified_means_by_domain(capsys):
    code, out, _ = call(
        [
            str(path("apistrat")),
            "--var",
            "api00",
            "--by",
            "stype",
            "--strata",
            "stype",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    doc = json.loads(out)
    rows = {r["group"]["stype"]: r for r in doc["estimates"]}
    assert rows["E"]["estimate"] == pytest.approx(674.43) and rows["E"]["se"] == pytest.approx(12.3825, rel=1e-5)
    assert set(rows["H"]) >= {"variable", "group", "estimate", "se", "ci_low", "ci_high", "n", "deff"}
    assert doc["design"]["strata"] == 3 and doc["design"]["df"] == 197


def test_rake_matches_reference(tmp_path: Path, capsys):
    margins = tmp_path / "m.json"
    margins.write_text(json.dumps({"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}}))
    code, out, _ = call(
        [
            str(path("apiclus1")),
            "--var",
            "api00",
            "--cluster",
            "dnum",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--rake",
            str(margins),
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    doc = json.loads(out)
    e = doc["estimates"][0]
    assert e["group"] is None
    assert (e["estimate"], e["se"]) == pytest.approx((641.230321, 23.703617), rel=1e-6)
    assert doc["design"]["raking"]["converged"] is True


def test_satisfied_share_with_missing_values_and_table(tmp_path: Path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("q,w,region\n5,1,a\n4,2,a\n,1,b\n2,1,b\nNA,3,b\n1,1,a\n")
    code, out, _ = call([str(data), "--var", "q", "--weight", "w", "--satisfied", "4,5"], capsys)
    assert code == 0
    assert "share" in out and "0.6" in out  # (1 + 2) / (1 + 2 + 1 + 1)
    code, out, _ = call(
        [str(data), "--var", "q", "--weight", "w", "--satisfied", "4,5", "--by", "region", "--format", "csv"], capsys
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("variable,group,estimate")
    assert any(line.startswith("q,region=b,0.0,") and line.endswith("True") for line in lines)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--var", "nope"], "--var column 'nope' is not in the file"),
        (["--var", "name"], "non-numeric value"),
        (["--var", "api00", "--strata", "dnum"], "has only one PSU"),
        (["--var", "api00", "--strata", "stype", "--cluster", "dnum"], "clusters not nested in strata"),
        (["--var", "api00", "--trim", "5"], "--trim must be LO:HI"),
        (["--var", "api00", "--satisfied", "x"], "--satisfied must be numbers"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, message, capsys):
    code, out, err = call([str(path("apiclus1")), *argv], capsys)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_margins_that_cannot_be_met(tmp_path: Path, capsys):
    margins = tmp_path / "m.json"
    margins.write_text(json.dumps({"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1, "Yes": 5122}}))
    code, _, err = call([str(path("apiclus1")), "--var", "api00", "--weight", "pw", "--rake", str(margins)], capsys)
    assert code == 2 and "different population totals" in err
    margins.write_text("[1, 2]")
    code, _, err = call([str(path("apiclus1")), "--var", "api00", "--rake", str(margins)], capsys)
    assert code == 2 and "must look like" in err
    code, _, err = call([str(tmp_path / "missing.csv"), "--var", "x"], capsys)
    assert code == 2 and "cannot read" in err


def test_trim_and_ci_options(capsys):
    code, out, _ = call(
        [
            str(path("apistrat")),
            "--var",
            "api00",
            "--satisfied",
            "700,701",
            "--strata",
            "stype",
            "--weight",
            "pw",
            "--trim",
            ":40",
            "--ci",
            "beta",
            "--level",
            "0.9",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["design"]["trim"] == {"lower": None, "upper": 40.0}
    e = doc["estimates"][0]
    assert 0 <= e["ci_low"] <= e["estimate"] <= e["ci_high"] <= 1
