"""``survey estimate`` reading columnar files: Parquet equals CSV, and every error names the file's own line,
the data's labels and the command's flags."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyarrow import csv as pacsv

from sampling import make_design
from survey_api.estimate_cli import register, run

from .apidata import path


def call(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="survey")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["estimate", *argv])
    assert args.func is run
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_parquet_gives_the_numbers_of_the_csv(tmp_path: Path, capsys):
    parquet = tmp_path / "apistrat.parquet"
    pq.write_table(pacsv.read_csv(path("apistrat")), parquet)
    flags = ["--var", "api00", "--by", "stype", "--overall", "--strata", "stype", "--weight", "pw", "--format", "json"]
    code, from_csv, _ = call([str(path("apistrat")), *flags], capsys)
    assert code == 0
    code, from_parquet, _ = call([str(parquet), *flags], capsys)
    assert code == 0
    assert json.loads(from_parquet)["estimates"] == json.loads(from_csv)["estimates"]
    rows = json.loads(from_csv)["estimates"]
    assert [r["group"] for r in rows] == [None, {"stype": "E"}, {"stype": "H"}, {"stype": "M"}]
    assert rows[0]["estimate"] == pytest.approx(662.28736, rel=1e-7)


def test_labels_with_spaces_and_text_clusters(tmp_path: Path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("q,w,district,ward\n5,1, north,a1\n4,2,north ,a2\n2,1,south,b1\n1,1,south,b2\n3,2,south,b2\n")
    code, out, err = call(
        [str(data), "--var", "q", "--weight", "w", "--strata", "district", "--cluster", "ward", "--format", "json"],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["design"]["strata"] == 2 and doc["design"]["psus"] == 4
    assert doc["estimates"][0]["estimate"] == pytest.approx((5 + 8 + 2 + 1 + 6) / 7)


@pytest.mark.parametrize(
    ("text", "argv", "message"),
    [
        ("q,w\n1,1\n\n2,x\n", ["--var", "q", "--weight", "w"], "--weight column 'w': non-numeric value 'x' on line 4"),
        ("q,w\n1,1\n2,1\n\n3\n", ["--var", "q"], "line 5: 1 fields, the header has 2"),
        ("q,s\n1,a\n2,\n", ["--var", "q", "--strata", "s"], "--strata column 's': missing value on line 3"),
        ("q,w\n1,1\n2,-1\n", ["--var", "q", "--weight", "w"], "negative weight -1 on line 3"),
        ("q,w\n1,1\n2,\n", ["--var", "q", "--weight", "w"], "--weight column 'w': missing value on line 3"),
        ("q,w\n", ["--var", "q"], "has no data rows"),
        ("", ["--var", "q"], "is empty"),
    ],
)
def test_errors_name_the_file_line(tmp_path: Path, capsys, text, argv, message):
    data = tmp_path / "d.csv"
    data.write_text(text)
    code, out, err = call([str(data), *argv], capsys)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_nesting_error_names_the_flag(tmp_path: Path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("q,s,c\n1,a,1\n2,a,2\n3,b,1\n4,b,2\n")
    code, _, err = call([str(data), "--var", "q", "--strata", "s", "--cluster", "c"], capsys)
    assert code == 2 and "--nest" in err and "nest=True" not in err
    code, _, err = call([str(data), "--var", "q", "--strata", "s", "--cluster", "c", "--nest"], capsys)
    assert code == 0, err


def test_lonely_unit_at_stage_two_names_the_psu_label():
    design = make_design(
        clusters=[["north", "north", "south", "south"], [1, 2, 1, 1]], fpc=[[4, 4, 4, 4], [5, 5, 5, 5]]
    )
    from sampling import mean

    with pytest.raises(Exception, match="stage-1 unit south has only one stage-2 unit"):
        mean(design, [1.0, 2.0, 3.0, 4.0])


def test_domain_with_df_zero_has_no_interval(tmp_path: Path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("q,c,g\n1,1,a\n2,1,b\n3,2,a\n4,3,a\n5,3,a\n")
    code, out, _ = call([str(data), "--var", "q", "--cluster", "c", "--by", "g", "--format", "json"], capsys)
    assert code == 0
    rows = {r["group"]["g"]: r for r in json.loads(out)["estimates"]}
    assert rows["b"]["df"] == 0 and rows["b"]["ci_low"] is None and rows["b"]["ci_high"] is None
    assert rows["a"]["ci_low"] is not None
    code, out, _ = call([str(data), "--var", "q", "--cluster", "c", "--by", "g"], capsys)
    assert "[NA, NA]" in out


def test_quoted_values_spanning_lines(tmp_path: Path, capsys):
    data = tmp_path / "d.csv"
    data.write_text('q,note,w\n1,"two\nlines",1\n2,x,3\n3,y,bad\n')
    code, _, err = call([str(data), "--var", "q", "--weight", "w"], capsys)
    assert code == 2 and "non-numeric value 'bad' on line 5" in err
    code, out, err = call([str(data), "--var", "q", "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["estimates"][0]["estimate"] == pytest.approx(2.0)


def test_reads_only_the_columns_it_needs(tmp_path: Path, capsys):
    data = tmp_path / "d.csv"
    # a broken column the command does not name is not parsed as a number
    data.write_text('q,notes,w\n1,free text,1\n2,"a, b",3\n')
    code, out, err = call([str(data), "--var", "q", "--weight", "w", "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["estimates"][0]["estimate"] == pytest.approx(1.75)


def test_missing_parquet_and_columns(tmp_path: Path, capsys):
    code, _, err = call([str(tmp_path / "none.parquet"), "--var", "q"], capsys)
    assert code == 2 and "cannot read" in err
    table = pa.table({"q": np.array([1.0, 2.0])})
    pq.write_table(table, tmp_path / "t.parquet")
    code, _, err = call([str(tmp_path / "t.parquet"), "--var", "q", "--weight", "w"], capsys)
    assert code == 2 and "--weight column 'w' is not in the file" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--replicates", "bootstrap"], "bootstrap replicates need --seed N"),
        (["--replicates", "JKn", "--strata", "stype", "--trim", ":50"], "--trim cannot be combined with --replicates"),
        (["--statistic", "ratio"], "--statistic ratio needs --denominator COL"),
        (["--denominator", "enroll"], "--denominator is only for --statistic ratio"),
        (["--replicates", "BRR", "--strata", "stype"], "BRR needs exactly two PSUs per stratum; stratum E has 100"),
    ],
)
def test_flags_that_do_not_fit(argv, message, capsys):
    code, out, err = call([str(path("apistrat")), "--var", "api00", *argv], capsys)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_bootstrap_with_a_seed_is_reproducible(capsys):
    argv = [str(path("apistrat")), "--var", "api00", "--strata", "stype", "--weight", "pw", "--format", "json"]
    runs = [call([*argv, "--replicates", "bootstrap", "--seed", "7", "--replicate-count", "40"], capsys) for _ in "ab"]
    assert runs[0][0] == 0 and runs[0][1] == runs[1][1]
    assert json.loads(runs[0][1])["design"]["replicates"] == {"type": "bootstrap", "count": 40}
