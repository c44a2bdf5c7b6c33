"""``flask stats item-analysis``: outside results in a CSV, read in the encodings Excel saves,
refused cell by cell with line and column, reported as a table or one JSON object."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from flask import Flask

from exam_app.stats.cli import cli
from exam_app.stats.outside import OutsideFileError, analyse, parse

HAND = "姓名,Q1,Q2,Q3\n张三,1,1,1\n李四,1,1,0\n王五,1,0,1\n赵六,0,1,0\n钱七,0,0,0\n"


def _run(tmp_path: Path, content: bytes, *args: str) -> tuple[int, str]:
    path = tmp_path / "results.csv"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["item-analysis", str(path), *args])
    return result.exit_code, result.output


def test_json_report_has_the_promised_shape_and_the_hand_figures(tmp_path: Path) -> None:
    code, output = _run(tmp_path, HAND.encode(), "--json")
    report = json.loads(output)
    assert code == 0 and set(report) == {"items", "test"}
    first = report["items"][0]
    for key in (
        "item",
        "facility",
        "pbis_total",
        "pbis_rest",
        "upper_lower",
        "rasch_b",
        "rasch_se",
    ):
        assert key in first
    assert (first["item"], first["n"], first["facility"]) == ("Q1", 5, 0.6)
    assert first["pbis_rest"] == pytest.approx(0.25 / 0.15**0.5)
    test = report["test"]
    assert (test["n"], test["mean"]) == (5, pytest.approx(1.6))
    assert test["alpha"] == pytest.approx(6 / 13) and test["kr20"] == pytest.approx(6 / 13)
    assert test["sem"] == pytest.approx(0.7**0.5)
    assert {"sd", "median", "skewness", "kurtosis"} <= set(test)


def test_numbers_that_do_not_exist_are_null_not_nan(tmp_path: Path) -> None:
    """Q2 was answered right by everyone: no correlation, no Rasch difficulty."""
    code, output = _run(tmp_path, b"id,Q1,Q2\na,1,1\nb,0,1\nc,1,1\n", "--json")
    assert "NaN" not in output and code == 0
    q2 = json.loads(output)["items"][1]
    assert (q2["pbis_rest"], q2["rasch_b"], q2["rasch_se"]) == (None, None, None)
    assert q2["rasch_note"] == "everyone who saw it answered it fully correctly"


def test_the_readable_table_lists_each_item_and_the_test(tmp_path: Path) -> None:
    code, output = _run(tmp_path, HAND.encode())
    lines = output.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["item", "n", "facility"]
    assert lines[1].startswith("Q1") and " ± " in lines[1]
    assert lines[-1].startswith("test: n = 5, mean = 1.600")


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"id,Q1,Q2\na,1,x\n", "line 2, column 'Q2': 'x' is not 1, 0 or blank"),
        (b"id;Q1;Q2\na;1;0\nb;1;2\n", "line 3, column 'Q2': '2' is not 1, 0 or blank"),
        (b"id,Q1,Q2\na,1\n", "line 2: 2 cells, but the header has 3"),
        (b"id,Q1,Q1\na,1,0\n", "line 1, column 'Q1': two item columns have this name"),
        (
            b"id,Q1\na,1\na,0\n",
            "line 3, column 'id': candidate 'a' appears again (first on line 2)",
        ),
        (b"id,Q1,Q2\na,,\n", "line 2: no item on this candidate's paper"),
        (b"id,Q1\n", "no candidate rows"),
        (b"\x00\x01binary", "not UTF-8, UTF-16 or GB18030"),
    ],
)
def test_a_bad_file_exits_2_naming_the_file_line_and_column(
    tmp_path: Path, content: bytes, where: str
) -> None:
    code, output = _run(tmp_path, content, "--json")
    assert code == 2 and "results.csv" in output and where in output


@pytest.mark.parametrize(
    "encoded",
    [
        HAND.encode("utf-8-sig"),
        HAND.encode("gb18030"),
        HAND.replace(",", "\t").encode("utf-16"),
        HAND.replace("\n", "\r\n").encode(),
    ],
    ids=["utf-8-bom", "gb18030", "utf-16-tab", "crlf"],
)
def test_excel_encodings_read_the_same(encoded: bytes) -> None:
    results = parse(encoded)
    assert results.candidates[0] == "张三" and results.items == ("Q1", "Q2", "Q3")
    assert analyse(results) == analyse(parse(HAND.encode()))


def test_blank_means_not_on_this_paper() -> None:
    results = parse(b"id,Q1,Q2,Q3\na,1,,0\nb,,1,1\nc,0,1,\n")
    assert np.isnan(results.scores[0, 1]) and results.scores[0, 2] == 0
    report = analyse(results)
    assert [row["n"] for row in report["items"]] == [2, 2, 2]
    assert report["test"]["items_per_paper"] == 2


def test_the_error_names_line_and_column() -> None:
    with pytest.raises(OutsideFileError) as caught:
        parse("姓名,第1题\n张三,对\n".encode("gb18030"))
    assert (caught.value.line, caught.value.column) == (2, "第1题")


def test_it_runs_inside_the_app_without_the_database(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_bytes(HAND.encode())
    result = app.test_cli_runner().invoke(cli, ["item-analysis", str(path), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["test"]["n"] == 5
