"""Results from outside the application (a paper exam, another system) as a CSV of 1/0, and
their item analysis in the same figures as the application's own exams.

The file: a header row; one row per candidate; the first column names the candidate; every
other column is an item whose cells hold 1 (right), 0 (wrong) or nothing. A blank cell means
the item was NOT ON THAT CANDIDATE'S PAPER (random papers), not a wrong answer: a candidate
who skipped an item on their paper scored 0 and should have a 0. Every item is worth 1 point.

Text is decoded by ``core.textfiles.decode_text`` (UTF-8 with or without BOM, UTF-16, GB18030
as Excel saves Chinese CSV), the delimiter is whichever of comma, semicolon or tab the header
uses most, and every bad cell is refused with its line and column (``OutsideFileError``; this
module is pure, so it raises a ValueError and the CLI turns it into a usage error).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from exam_app.core.textfiles import UnknownEncoding, decode_text
from exam_app.stats import classical, rasch
from exam_app.stats.tally import CHOICE_UNKNOWN, SheetArrays, Tally

MAX_CANDIDATES = 100_000
MAX_ITEMS = 1_000
DELIMITERS = (",", ";", "\t")
#: ``classical.ItemStats`` fields the JSON report carries, as they are named there.
ITEM_FIGURES = (
    "facility",
    "sd",
    "pbis_total",
    "pbis_rest",
    "discrimination_index",
    "discriminative_efficiency",
    "upper_lower",
    "upper_facility",
    "lower_facility",
    "alpha_if_deleted",
    "intended_weight",
    "effective_weight",
)


#: What can be wrong with a file (``%`` templates; ``outside_upload`` has them in Chinese).
NOT_TEXT = "the file is %(error)s"
SHORT_HEADER = "the header needs the candidate column and at least one item column"
TOO_MANY_CANDIDATES = "more than %(limit)d candidates"
NO_NAME = "the candidate has no name"
REPEATED = "candidate %(name)r appears again (first on line %(first)d)"
NO_ROWS = "no candidate rows under the header"
TOO_MANY_ITEMS = "more than %(limit)d item columns"
UNNAMED_ITEM = "item column %(position)d has no name"
REPEATED_ITEM = "two item columns have this name"
CELL_COUNT = "%(cells)d cells, but the header has %(header)d"
BAD_CELL = "%(value)r is not 1, 0 or blank (blank: not on this paper)"
EMPTY_PAPER = "no item on this candidate's paper (every cell is blank)"
TEMPLATES = (
    NOT_TEXT,
    SHORT_HEADER,
    TOO_MANY_CANDIDATES,
    NO_NAME,
    REPEATED,
    NO_ROWS,
    TOO_MANY_ITEMS,
    UNNAMED_ITEM,
    REPEATED_ITEM,
    CELL_COUNT,
    BAD_CELL,
    EMPTY_PAPER,
)


class OutsideFileError(ValueError):
    """One reason the file cannot be read, with where it is. ``template`` is one of the
    module's message templates (the web page says each in the reader's language) and
    ``params`` fill it."""

    def __init__(
        self,
        template: str,
        line: int | None = None,
        column: str | None = None,
        **params: object,
    ) -> None:
        self.template, self.params = template, params
        message = template % params if params else template
        self.message, self.line, self.column = message, line, column
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


@dataclass(frozen=True)
class OutsideResults:
    candidates: tuple[str, ...]
    items: tuple[str, ...]
    #: candidates x items: 1.0, 0.0, or NaN where the item was not on the candidate's paper
    scores: npt.NDArray[np.float64]

    def arrays(self) -> SheetArrays:
        return SheetArrays(
            self.items,
            np.ones(len(self.items)),
            self.scores,
            np.full(self.scores.shape, CHOICE_UNKNOWN, dtype=np.int64),
        )


def parse(data: bytes) -> OutsideResults:
    try:
        text = decode_text(data)
    except UnknownEncoding as error:
        raise OutsideFileError(NOT_TEXT, error=str(error)) from None
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or len(header) < 2:
        raise OutsideFileError(SHORT_HEADER, 1)
    items = tuple(cell.strip() for cell in header[1:])
    _check_header(items)
    candidates: list[str] = []
    line_of: dict[str, int] = {}
    rows: list[list[float]] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(candidates) >= MAX_CANDIDATES:
            raise OutsideFileError(TOO_MANY_CANDIDATES, line, limit=MAX_CANDIDATES)
        rows.append(_scores(cells, header, line))
        name = cells[0].strip()
        if not name:
            raise OutsideFileError(NO_NAME, line, header[0].strip())
        if name in line_of:
            raise OutsideFileError(
                REPEATED, line, header[0].strip(), name=name, first=line_of[name]
            )
        line_of[name] = line
        candidates.append(name)
    if not candidates:
        raise OutsideFileError(NO_ROWS)
    return OutsideResults(tuple(candidates), items, np.array(rows, dtype=np.float64))


def _check_header(items: tuple[str, ...]) -> None:
    if len(items) > MAX_ITEMS:
        raise OutsideFileError(TOO_MANY_ITEMS, 1, limit=MAX_ITEMS)
    seen: set[str] = set()
    for position, name in enumerate(items, start=2):
        if not name:
            raise OutsideFileError(UNNAMED_ITEM, 1, position=position)
        if name in seen:
            raise OutsideFileError(REPEATED_ITEM, 1, name)
        seen.add(name)


def _scores(cells: list[str], header: list[str], line: int) -> list[float]:
    if len(cells) != len(header):
        raise OutsideFileError(CELL_COUNT, line, cells=len(cells), header=len(header))
    scores = []
    for column, cell in zip(header[1:], cells[1:], strict=True):
        value = cell.strip()
        if value == "1":
            scores.append(1.0)
        elif value == "0":
            scores.append(0.0)
        elif not value:
            scores.append(math.nan)
        else:
            raise OutsideFileError(BAD_CELL, line, column.strip(), value=value)
    if all(math.isnan(score) for score in scores):
        raise OutsideFileError(EMPTY_PAPER, line)
    return scores


def analyse(results: OutsideResults, rules: classical.FlagRules | None = None) -> dict[str, Any]:
    """The report as one JSON-ready object: ``{"items": [...], "test": {...}}``; numbers are
    floats or None (never NaN), items in the file's column order."""
    tally = Tally.from_arrays(results.arrays())
    analysis = classical.analyse(tally, [classical.ItemInfo(name) for name in results.items], rules)
    fit = rasch.fit_from_tally(tally)
    if fit is None:  # too many distinct papers for the tally's groups: refit from the matrix
        fit = rasch.fit(*rasch.groups_from_matrix(results.items, results.scores))
    by_key = {item.key: item for item in analysis.items}
    fitted = {item.key: item for item in fit.items}
    items = []
    for name in results.items:
        stats, fitted_item = by_key.get(name), fitted.get(name)
        items.append(_item_json(name, stats, fitted_item))
    test = analysis.test
    return {
        "items": items,
        "test": {
            "n": test.n,
            "items": len(results.items),
            "items_per_paper": _number(test.items_per_paper),
            "mean": _number(test.mean),
            "median": _number(test.median),
            "sd": _number(test.sd),
            "skewness": _number(test.skewness),
            "kurtosis": _number(test.kurtosis),
            "alpha": _number(test.alpha),
            "kr20": _number(test.kr20),
            "sem": _number(test.sem),
            "error_ratio": _number(test.error_ratio),
            "rasch_converged": fit.converged,
            "rasch_log_likelihood": _number(fit.log_likelihood),
        },
    }


def _item_json(
    name: str, stats: classical.ItemStats | None, fitted: rasch.RaschItem | None
) -> dict[str, Any]:
    row: dict[str, Any] = {"item": name, "n": stats.n if stats else 0}
    for figure in ITEM_FIGURES:
        row[figure] = _number(getattr(stats, figure)) if stats else None
    row["rasch_b"] = _number(fitted.b) if fitted else None
    row["rasch_se"] = _number(fitted.se) if fitted else None
    row["rasch_note"] = fitted.reason if fitted else "nobody saw this item"
    flags = stats.flags if stats else ()
    row["flags"] = [flag.code.value for flag in flags]
    row["flag_reasons"] = [flag.reason for flag in flags]
    return row


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)
